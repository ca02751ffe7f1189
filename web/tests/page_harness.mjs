// What the page's tests share: Debian's headless Chromium, driven by
// playwright-core from web/node_modules (exits saying how to install
// whichever is missing), and the settings web_page_test.cpp passes.
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    console.error(`${CHROMIUM} is missing: install Debian's chromium with scripts/install-deps.sh (apt-get install chromium chromium-driver)`);
    process.exit(1);
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (error) {
    console.error(`playwright-core is missing from web/node_modules: run scripts/install-deps.sh (${error.message})`);
    process.exit(1);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--disable-gpu'] });
}

// A setting from web_page_test.cpp's environment.
export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through web_page_test.cpp (ctest -R WebPage)`);
  return value;
}

// Prints a step of the test as it starts, so that a failure's place is plain.
export function step(text) {
  console.log(`- ${text}`);
}
