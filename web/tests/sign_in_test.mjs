// Signing in through the identity provider, in a real headless Chromium,
// against a weftd and a fake provider that web_page_test.cpp started
// (WEFT_URL; WEFT_PROVIDER_NAME; the provider signs "alice" in at once):
//   - the sign-in screen offers "Sign in with <provider>" beside the token form;
//   - the button goes to the provider and back, signed in: the page shows the
//     user's name and the role whoami gives, and the code leaves the address;
//   - a session ends, back at sign-in saying so, when its token expires;
//   - sign-out forgets the token;
//   - an answer with another state than the tab sent is refused, as is a
//     code whose verifier does not match its challenge (the provider says so).
// Exits non-zero on the first failure.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { env, launchChromium, step } from './page_harness.mjs';

const url = env('WEFT_URL');
const providerName = env('WEFT_PROVIDER_NAME');
const artifacts = env('WEFT_ARTIFACTS');

const STEP_TIMEOUT = 20_000;

const browser = await launchChromium();
try {
  // The provider's certificate is the test's own.
  const open = async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
    await page.goto(`${url}/#/`);
    return page;
  };
  // The browser's way to the provider, with one parameter changed as a forger would.
  const tamperWithAuthorization = (page, name, value) =>
    page.route('**/protocol/openid-connect/auth?*', (route) => {
      const changed = new URL(route.request().url());
      changed.searchParams.set(name, value);
      return route.continue({ url: changed.href });
    });
  const problem = (page) => page.textContent('#sign-in-problem .notice.error');
  const signInButton = `#provider-sign-in:text("Sign in with ${providerName}")`;

  step('the sign-in screen offers the provider beside the token form');
  const page = await open();
  await page.waitForSelector(signInButton);
  await page.waitForSelector('#token');
  await page.screenshot({ path: join(artifacts, 'sign-in.png') });

  step('the button goes to the provider and back, signed in as alice, an operator');
  await page.click(signInButton);
  await page.waitForSelector('#role[data-role=operator]');
  assert.equal(await page.textContent('#user'), 'alice');
  assert.equal(new URL(page.url()).search, '', 'the code and state leave the address');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('weft.sign-in')), null, 'the verifier is dropped');
  await page.waitForSelector('.filters .live[data-state=open]'); // the token reads the event stream too
  await page.screenshot({ path: join(artifacts, 'signed-in.png') });

  step('the session ends when its token expires, back at sign-in saying so');
  await page.waitForSelector('#sign-in-problem .notice.error', { timeout: 30_000 });
  assert.match(await problem(page), new RegExp(`Your session with ${providerName} expired`));
  assert.equal(await page.evaluate(() => sessionStorage.getItem('weft.token')), null);

  step('signed in again (the provider remembers alice), sign-out forgets the token');
  await page.click(signInButton);
  await page.waitForSelector('#role[data-role=operator]');
  await page.click('#sign-out');
  await page.waitForSelector(signInButton);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('weft.token')), null);
  await page.context().close();

  step('an answer carrying another state than the tab sent is refused');
  const forged = await open();
  await tamperWithAuthorization(forged, 'state', 'forged-state');
  await forged.click(signInButton);
  await forged.waitForSelector('#sign-in-problem .notice.error');
  assert.match(await problem(forged), /does not carry the state this tab sent/);
  assert.equal(await forged.locator('#role').count(), 0);
  await forged.context().close();

  step('a code whose verifier does not match its challenge is refused by the provider');
  const mismatched = await open();
  await tamperWithAuthorization(mismatched, 'code_challenge', 'A'.repeat(43));
  await mismatched.click(signInButton);
  await mismatched.waitForSelector('#sign-in-problem .notice.error');
  assert.match(await problem(mismatched), new RegExp(`${providerName} refused the sign-in \\(invalid_grant: PKCE`));
  assert.equal(await mismatched.evaluate(() => sessionStorage.getItem('weft.token')), null);
  await mismatched.screenshot({ path: join(artifacts, 'sign-in-refused.png') });
  await mismatched.context().close();

  console.log('the sign-in test passed');
} finally {
  await browser.close();
}
