// The web page at scale, in Debian's headless Chromium (playwright-core
// from web/node_modules): weft-bench-web starts weftd and runs
//   node bench/web_page.mjs URL TOKEN WORKFLOW REPEAT
// Each time: a run of WORKFLOW is created (not started), its page opened
// and timed until the graph is drawn (the page's own timings: dagre's
// layout in its worker, drawing the SVG); then the run is started and timed
// until every box shows succeeded, live. Prints one JSON line per run and
// the medians.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [url, token, workflow, repeatText] = process.argv.slice(2);
const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing: scripts/install-deps.sh installs Debian's chromium`);
  process.exit(1);
}
const driver = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'node_modules', 'playwright-core', 'index.mjs');
const { chromium } = await import(pathToFileURL(driver));

const api = async (method, path, body) => {
  const response = await fetch(url + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--disable-gpu'] });
const results = [];
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript((t) => sessionStorage.setItem('weft.token', t), token);
  const page = await context.newPage();
  page.setDefaultTimeout(300_000);
  for (let i = 0; i < Number(repeatText || 3); i++) {
    const run = await api('POST', `/api/v1/workflows/${workflow}/runs`, { start: false });
    const opened = Date.now();
    await page.goto(`${url}/#/runs/${run.id}`);
    await page.waitForSelector('#graph[data-ready=true]');
    const shown_ms = Date.now() - opened;
    const timings = JSON.parse(await page.getAttribute('#graph', 'data-timings'));
    const nodes = timings.nodes;
    const started = Date.now();
    await api('POST', `/api/v1/runs/${run.id}/start`);
    await page.waitForFunction((n) => document.querySelectorAll('g.node[data-status=succeeded]').length === n, nodes,
      { polling: 100 });
    const live_ms = Date.now() - started;
    const result = { nodes, open_to_drawn_ms: shown_ms, layout_ms: Math.round(timings.layout_ms),
      draw_ms: Math.round(timings.draw_ms), start_to_all_green_ms: live_ms };
    console.log(JSON.stringify(result));
    results.push(result);
  }
} finally {
  await browser.close();
}
const keys = ['open_to_drawn_ms', 'layout_ms', 'draw_ms', 'start_to_all_green_ms'];
console.log(JSON.stringify({ medians: Object.fromEntries(keys.map((k) => [k, median(results.map((r) => r[k]))])) }));
