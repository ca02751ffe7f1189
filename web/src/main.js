// weft's web page: sign-in, then a view per address (#/…). Each view gets
// an AbortSignal that ends its requests and streams when the reader leaves.
import { get, setToken, token, whenUnauthorized } from './api.js';
import { h, link, notice, replace } from './dom.js';
import { overviewView } from './overview.js';
import { runView } from './run.js';
import { session } from './session.js';
import { workflowView } from './workflow.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');

let current = null;

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

function signIn(message) {
  if (current) current.abort();
  current = null;
  session.caller = null;
  replace(nav);
  replace(who);
  const input = h('input', { type: 'password', name: 'token', id: 'token', autocomplete: 'off', required: true, size: 70 });
  const problem = h('div');
  const form = h(
    'form',
    { class: 'sign-in', id: 'sign-in' },
    h('h1', {}, 'Sign in to weft'),
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
  input.focus();
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
  replace(who, h('span', { id: 'role', dataset: { role: session.caller.role } }, session.caller.role), scope, ' ',
    session.caller.auth ? signOut : '');
  show();
  return null;
}

whenUnauthorized((error) => {
  setToken(null);
  signIn(error.message);
});
window.addEventListener('hashchange', () => {
  if (session.caller) show();
});

// Without auth (auth.enabled false) whoami answers without a token.
start().then((failure) => {
  if (failure) signIn(token() ? failure : null);
});
