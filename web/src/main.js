// weft's web page: sign-in, then a view per address (#/…). Each view gets
// an AbortSignal that ends its requests and streams when the reader leaves.
import { get, identity, setToken, token, whenUnauthorized } from './api.js';
import { h, link, notice, replace } from './dom.js';
import { overviewView } from './overview.js';
import { beginSignIn, finishSignIn, identityProvider } from './provider.js';
import { runView } from './run.js';
import { session } from './session.js';
import { workflowView } from './workflow.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');

let current = null;
let provider = null; // GET /api/v1/sign-in's identity_provider, read at load
let expiry = null; // ends a session the provider gave when its token expires

function route() {
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query || '');
  if (parts[0] === 'runs' && parts[1]) return (el, signal) => runView(el, signal, parts[1], params);
  if (parts[0] === 'workflows' && parts[1]) return (el, signal) => workflowView(el, signal, parts[1], params);
  return (el, signal) => overviewView(el, signal, params);
}

function show() {
  if (current) current.abort();
  current = new AbortController();
  const view = route();
  const container = h('div', { class: 'view' });
  replace(main, container);
  Promise.resolve(view(container, current.signal)).catch((error) => {
    if (!current.signal.aborted) container.append(notice(error.message));
  });
}

// "Sign in with <provider>", where weftd names one.
function providerButton(problem) {
  if (!provider) return null;
  const button = h('button', { type: 'button', id: 'provider-sign-in', class: 'primary' }, `Sign in with ${provider.name}`);
  button.addEventListener('click', async () => {
    try {
      await beginSignIn(provider);
    } catch (error) {
      replace(problem, notice(error.message));
    }
  });
  return [button, h('p', { class: 'hint or' }, 'or with an API token:')];
}

function signIn(message) {
  if (current) current.abort();
  current = null;
  clearTimeout(expiry);
  session.caller = null;
  replace(nav);
  replace(who);
  const input = h('input', { type: 'password', name: 'token', id: 'token', autocomplete: 'off', required: true, size: 70 });
  const problem = h('div', { id: 'sign-in-problem' });
  const form = h(
    'form',
    { class: 'sign-in', id: 'sign-in' },
    h('h1', {}, 'Sign in to weft'),
    providerButton(problem),
    h('label', { for: 'token' }, 'API token'),
    input,
    h('button', { type: 'submit' }, 'Sign in'),
    h('p', { class: 'hint' }, 'A token from ', h('code', {}, 'weft token create'),
      ' or your identity provider. It is kept in this tab only (sessionStorage).'),
    problem,
  );
  if (message) problem.append(notice(message));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    const failure = await start();
    if (failure) {
      setToken(null);
      replace(problem, notice(failure));
    }
  });
  replace(main, form);
  if (!provider) input.focus();
}

function expired(from, why) {
  setToken(null);
  signIn(`Your session with ${from.provider} expired${why}. Sign in again.`);
}

// A token the provider gave ends when it expires, whether or not the page
// asks weftd anything then.
function endWhenExpired(from) {
  clearTimeout(expiry);
  if (!from || !from.expiresAt) return;
  const at = new Date(from.expiresAt).toLocaleTimeString();
  expiry = setTimeout(() => expired(from, ` at ${at}`), Math.max(0, from.expiresAt - Date.now()));
}

// Asks who the token is; returns a message when it is refused.
async function start() {
  try {
    session.caller = await get('/api/v1/whoami');
  } catch (error) {
    return error.message;
  }
  replace(nav, link('#/', 'Runs and workflows'), ' ', h('a', { href: '/api/docs' }, 'API'));
  const signOut = h('button', { type: 'button', class: 'link', id: 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', () => {
    setToken(null);
    signIn();
  });
  const scope = session.caller.workflows ? ` · workflows ${session.caller.workflows}` : '';
  const from = session.caller.auth ? identity() : null;
  const user = from && from.name ? [h('span', { id: 'user' }, from.name), ' · '] : null;
  replace(who, user, h('span', { id: 'role', dataset: { role: session.caller.role } }, session.caller.role), scope, ' ',
    session.caller.auth ? signOut : '');
  endWhenExpired(from);
  show();
  return null;
}

// A token refused once the page is signed in (start() reports its own).
whenUnauthorized((error) => {
  if (!session.caller) return;
  const from = identity();
  if (from) expired(from, ` (weftd: ${error.message})`);
  else {
    setToken(null);
    signIn(error.message);
  }
});
window.addEventListener('hashchange', () => {
  if (session.caller) show();
});

// The provider's answer, when the page was loaded as one, becomes the
// token; then whoami. Without auth (auth.enabled false) whoami answers
// without a token.
async function boot() {
  provider = await identityProvider();
  try {
    const signedIn = await finishSignIn(provider);
    if (signedIn) {
      setToken(signedIn.token, { provider: provider.name, name: signedIn.name, expiresAt: signedIn.expiresAt });
    }
  } catch (error) {
    signIn(error.message);
    return;
  }
  const from = identity();
  if (from && from.expiresAt && from.expiresAt <= Date.now()) {
    expired(from, '');
    return;
  }
  const failure = await start();
  if (failure) {
    const refused = token();
    setToken(null);
    signIn(from ? `weftd refused the token ${from.provider} gave: ${failure}` : refused ? failure : null);
  }
}
boot();
