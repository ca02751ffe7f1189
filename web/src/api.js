// The page's only way to weftd: its HTTP API v1 (docs/api.md) with the
// signed-in token as a bearer token. Event streams and followed logs are
// read with fetch as well, not EventSource, which cannot send that header:
// the token never goes into a URL or a cookie.

const TOKEN_KEY = 'weft.token';
const IDENTITY_KEY = 'weft.identity';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

// Where the token came from when the identity provider issued it (the page
// signed in through it): {provider, name, expiresAt (ms)}; null for a
// pasted token.
export function identity() {
  return JSON.parse(sessionStorage.getItem(IDENTITY_KEY) || 'null');
}

// Keeps the token (and where it came from) for this tab; null forgets both.
export function setToken(value, from = null) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
  if (value && from) sessionStorage.setItem(IDENTITY_KEY, JSON.stringify(from));
  else sessionStorage.removeItem(IDENTITY_KEY);
}

// Called with the failure when weftd refuses the token (401): the page
// goes back to sign-in.
let onUnauthorized = () => {};
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = body && body.error ? body.error : { code: 'http_' + status, message: `HTTP ${status}`, details: [] };
    const details = (error.details || []).map((d) => `${d.path}: ${d.message}`).join('; ');
    super(details ? `${error.message} (${details})` : error.message);
    this.status = status;
    this.code = error.code;
  }
}

function headers(extra = {}) {
  const t = token();
  return t ? { Authorization: `Bearer ${t}`, ...extra } : extra;
}

async function failure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not the API's JSON error (a proxy's page, say): the status says enough
  }
  const error = new ApiError(response.status, body);
  if (response.status === 401) onUnauthorized(error);
  return error;
}

export async function request(method, path, body, signal) {
  const init = { method, headers: headers(), signal };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await failure(response);
  return response.status === 204 ? null : response.json();
}

export const get = (path, signal) => request('GET', path, undefined, signal);
export const post = (path, body, signal) => request('POST', path, body, signal);

export function encodeTask(taskId) {
  return encodeURIComponent(taskId);
}

// Reads a streamed body (text/plain or text/event-stream) chunk by chunk
// until it ends or signal aborts. Resolves when the body ends.
async function readStream(path, extraHeaders, signal, onText) {
  const response = await fetch(path, { headers: headers(extraHeaders), signal, cache: 'no-store' });
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onText(value);
  }
}

// A task's log, followed: onText gets what is there, then what is written,
// until the task is final. Resolves when the log ends.
export function followLog(path, signal, onText) {
  return readStream(path, {}, signal, onText);
}

// Server-Sent Events as the spec frames them: fields up to a blank line.
class EventParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
    this.reset();
    this.lastId = null;
    this.retryMs = 1000;
  }
  reset() {
    this.type = '';
    this.data = [];
  }
  push(text) {
    this.buffer += text;
    let newline;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const skip = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      this.buffer = this.buffer.slice(newline + skip);
      this.line(line);
    }
  }
  line(line) {
    if (line === '') {
      if (this.data.length) this.onEvent({ type: this.type || 'message', data: this.data.join('\n'), id: this.lastId });
      this.reset();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id') this.lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }
}

// Subscribes to an event stream of docs/api.md ("Live events") and keeps
// it up: after a break it reconnects with Last-Event-ID, as EventSource
// would, so weftd sends what was missed (or a `reset`). onEvent gets
// {type, data (parsed JSON)}. A stream that weftd ends (a run's, after its
// final event) is not reopened. Stops when signal aborts.
export async function subscribe(path, signal, onEvent, onState = () => {}) {
  const parser = new EventParser((event) => {
    let data = null;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    onEvent({ type: event.type, data });
  });
  while (!signal.aborted) {
    try {
      onState('open');
      const resume = parser.lastId ? { 'Last-Event-ID': parser.lastId } : {};
      await readStream(path, { Accept: 'text/event-stream', ...resume }, signal, (text) => parser.push(text));
      onState('ended');
      return;
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status !== 503 && error.status !== 429) {
        onState('failed', error);
        return;
      }
      onState('reconnecting', error);
      await new Promise((resolve) => setTimeout(resolve, parser.retryMs));
    }
  }
}
