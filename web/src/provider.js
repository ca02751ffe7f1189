// Signing in through the identity provider of api.oidc, where weftd names one
// (GET /api/v1/sign-in): the authorization code flow with PKCE (RFC 7636) of
// a public client, as "OAuth 2.0 for Browser-Based Apps" has it. The page is
// its own redirect URI. state and the code verifier wait in this tab's
// sessionStorage while the browser is at the provider, and are checked and
// dropped on return; the code is exchanged with fetch (the page's CSP lets
// it reach the token endpoint, and nothing else of the provider).
//
// The access token is then the bearer token, as a pasted one is. A refresh
// token, if the provider sends one, is not kept: a long-lived credential in
// the page's storage is what an injected script would take, and signing in
// again is one redirect while the provider's own session lasts.

const PENDING_KEY = 'weft.sign-in';

// What weftd says the page may sign in through; null for none (or no answer).
export async function identityProvider() {
  try {
    const response = await fetch('/api/v1/sign-in', { cache: 'no-store' });
    return response.ok ? (await response.json()).identity_provider : null;
  } catch {
    return null;
  }
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomToken() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

function redirectUri() {
  return `${location.origin}/`;
}

// Sends the browser to the provider; it comes back to the page with a code.
export async function beginSignIn(provider) {
  if (!window.isSecureContext || !crypto.subtle) {
    throw new Error('Signing in through the identity provider needs this page over HTTPS (or on localhost).');
  }
  const state = randomToken();
  const verifier = randomToken();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, verifier, hash: location.hash }));
  const url = new URL(provider.authorization_endpoint);
  const params = {
    response_type: 'code',
    client_id: provider.client_id,
    redirect_uri: redirectUri(),
    scope: provider.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  location.assign(url.href);
}

// Who signed in, for the page's header only (weftd trusts the access token,
// not this): the ID token came straight from the token endpoint over TLS.
function nameIn(idToken) {
  try {
    const claims = JSON.parse(atob(idToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return claims.preferred_username || claims.name || claims.email || claims.sub || null;
  } catch {
    return null;
  }
}

async function exchange(provider, code, verifier) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri(),
    client_id: provider.client_id,
    code_verifier: verifier,
  });
  let response;
  try {
    response = await fetch(provider.token_endpoint, { method: 'POST', body, credentials: 'omit', cache: 'no-store' });
  } catch (error) {
    throw new Error(`${provider.name}'s token endpoint could not be reached (${error.message}): ` +
      `it must allow this page's origin, ${location.origin} ("web origins").`);
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    // not OAuth's JSON: the status says enough
  }
  if (!response.ok || !answer || typeof answer.access_token !== 'string') {
    const why = answer && answer.error ? `${answer.error}: ${answer.error_description || ''}` : `HTTP ${response.status}`;
    throw new Error(`${provider.name} refused the sign-in (${why}).`);
  }
  return {
    token: answer.access_token,
    name: answer.id_token ? nameIn(answer.id_token) : null,
    expiresAt: Number.isFinite(answer.expires_in) ? Date.now() + answer.expires_in * 1000 : null,
  };
}

// When the page was loaded as the provider's answer (?code=…&state=…, or
// ?error=…): the signed-in session {token, name, expiresAt}, or throws an
// Error saying why not. null when the page is no such answer. Either way the
// answer leaves the address bar and the history, and the address the reader
// had is back.
export async function finishSignIn(provider) {
  const answer = new URLSearchParams(location.search);
  if (!answer.has('code') && !answer.has('error')) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || 'null');
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, '', `/${pending ? pending.hash : ''}`);
  if (!pending || answer.get('state') !== pending.state) {
    throw new Error('The sign-in was refused: its answer does not carry the state this tab sent (a forged or ' +
      'stale answer, or one started in another tab). Sign in again.');
  }
  if (!provider) throw new Error('weftd no longer names an identity provider to sign in through.');
  if (answer.has('error')) {
    const description = answer.get('error_description');
    throw new Error(`${provider.name} refused the sign-in (${answer.get('error')}${description ? `: ${description}` : ''}).`);
  }
  return exchange(provider, answer.get('code'), pending.verifier);
}
