// The web page in a real headless Chromium, against a weftd that
// web_page_test.cpp started (WEFT_URL) with the workflow web-gate stored:
//   - a bad token is refused at sign-in with weftd's message;
//   - an operator starts a run from the workflow's form; the graph shows
//     every node, coloured by state, and changes colour without a reload;
//   - a viewer, and an operator scoped to other workflows, see the same run
//     with no command button, where the operator has cancel and pause;
//     pause and resume work from the page;
//   - a task's log line appears while the page is open; for_each shows
//     done/total and lists its elements on demand;
//   - the runs list filters by status and shows a new run, live;
//   - a task answered from the node cache links to the task that ran;
//   - nothing is loaded from anywhere but weftd.
// Screenshots go to WEFT_ARTIFACTS. Exits non-zero on the first failure.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, launchChromium, step } from './page_harness.mjs';

const url = env('WEFT_URL');
const artifacts = env('WEFT_ARTIFACTS');
const gate = env('WEFT_GATE');

const STEP_TIMEOUT = 30_000;

const browser = await launchChromium();
const foreign = [];
try {
  const open = async (token) => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    page.on('request', (request) => {
      if (!request.url().startsWith(url)) foreign.push(request.url());
    });
    page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
    await page.goto(url);
    await page.fill('#token', token);
    await page.click('#sign-in button[type=submit]');
    return page;
  };
  const nodeStatus = (page, node) => page.getAttribute(`g.node[data-node="${node}"]`, 'data-status');
  const waitNode = (page, node, status) =>
    page.waitForSelector(`g.node[data-node="${node}"][data-status="${status}"]`);

  step('a bad token is refused at sign-in');
  const refused = await open('0'.repeat(64));
  await refused.waitForSelector('#sign-in .notice.error');
  assert.match(await refused.textContent('#sign-in .notice.error'), /not valid/);
  await refused.context().close();

  step('the operator starts a run from the workflow page');
  const operator = await open(env('WEFT_OPERATOR_TOKEN'));
  await operator.waitForSelector('#role[data-role=operator]');
  await operator.click('#workflows a:text("web-gate")');
  await operator.fill('#param-gate', gate);
  await operator.click('#start-run');
  await operator.waitForURL(/#\/runs\//);
  const runId = decodeURIComponent(operator.url().split('#/runs/')[1]);

  step('the graph shows every node, and wait turns running without a reload');
  await operator.waitForSelector('#graph[data-ready=true]');
  for (const node of ['prepare', 'fan', 'wait', 'report']) await operator.waitForSelector(`g.node[data-node="${node}"]`);
  await waitNode(operator, 'wait', 'running');
  await waitNode(operator, 'prepare', 'succeeded');
  const fill = (page, node) => page.$eval(`g.node[data-node="${node}"] rect`, (rect) => getComputedStyle(rect).fill);
  assert.equal(await fill(operator, 'prepare'), 'rgb(46, 157, 87)', 'a succeeded node is green');
  assert.equal(await fill(operator, 'wait'), 'rgb(47, 125, 225)', 'a running node is blue');
  assert.equal(await nodeStatus(operator, 'report'), 'pending');
  assert.equal(await fill(operator, 'report'), 'rgb(201, 206, 214)', 'a pending node is grey');

  step('the operator has cancel and pause; a viewer and an operator of other workflows have no button');
  await operator.waitForSelector('#run-cancel');
  await operator.waitForSelector('#run-pause');
  const viewer = await open(env('WEFT_VIEWER_TOKEN'));
  await viewer.waitForSelector('#role[data-role=viewer]');
  await viewer.goto(`${url}/#/runs/${encodeURIComponent(runId)}`);
  await viewer.waitForSelector('#graph[data-ready=true]');
  await waitNode(viewer, 'wait', 'running');
  assert.equal(await viewer.locator('#actions button').count(), 0, 'a viewer is offered no command');
  assert.equal(await viewer.locator('#run-again').count(), 0, 'a viewer is offered no start form');
  await viewer.screenshot({ path: join(artifacts, 'viewer-run.png') });
  const scoped = await open(env('WEFT_SCOPED_OPERATOR_TOKEN'));
  await scoped.waitForSelector('#role[data-role=operator]');
  await scoped.goto(`${url}/#/runs/${encodeURIComponent(runId)}`);
  await scoped.waitForSelector('#graph[data-ready=true]');
  assert.equal(await scoped.locator('#actions button').count(), 0, 'an operator of other workflows is offered no command');
  await scoped.context().close();

  step('pause and resume from the page');
  await operator.click('#run-pause');
  await operator.waitForSelector('#run-status [data-status=paused]');
  await viewer.waitForSelector('#run-status [data-status=paused]');
  await operator.click('#run-resume');
  await operator.waitForSelector('#run-status [data-status=running]');

  step('the task panel follows the log of wait; opening the gate shows its next line and its new state');
  await operator.click('g.node[data-node="wait"]');
  await operator.waitForSelector('#log:has-text("waiting for the gate")');
  await operator.screenshot({ path: join(artifacts, 'task-log.png') });
  writeFileSync(gate, '');
  await operator.waitForSelector('#log:has-text("the gate is open")');
  await waitNode(operator, 'wait', 'succeeded');
  await waitNode(viewer, 'wait', 'succeeded');

  step('the run ends succeeded; fan shows 3/3 and lists its elements on demand');
  await operator.waitForSelector('#run-status [data-status=succeeded]');
  await waitNode(operator, 'report', 'succeeded');
  assert.match(await operator.textContent('g.node[data-node="fan"] text.sub'), /3\/3 done/);
  assert.equal(await operator.locator('#run-cancel').count(), 0, 'a finished run has no cancel');
  await operator.click('g.node[data-node="fan"]');
  await operator.waitForSelector('#elements li[data-task="fan[2]"]');
  await operator.click('#elements li[data-task="fan[1]"] button');
  await operator.waitForSelector('#log:has-text("element 2")');
  await operator.click('g.node[data-node="report"]');
  await operator.waitForSelector('#output:has-text("done")');
  await operator.screenshot({ path: join(artifacts, 'run-graph.png') });

  step('the runs list filters by status, and shows a new run and its end without a reload');
  await operator.goto(`${url}/#/?status=succeeded`);
  await operator.waitForSelector(`#runs tr[data-run="${runId}"] [data-status=succeeded]`);
  await operator.screenshot({ path: join(artifacts, 'overview.png') });
  await operator.goto(`${url}/#/`);
  await operator.waitForSelector('.filters .live[data-state=open]');
  const started = await fetch(`${url}/api/v1/workflows/web-gate/runs`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${env('WEFT_OPERATOR_TOKEN')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ params: { gate } }),
  });
  const answer = await started.text();
  assert.equal(started.status, 201, answer);
  const second = JSON.parse(answer).id;
  await operator.waitForSelector(`#runs tr[data-run="${second}"] [data-status=succeeded]`);

  step('a task answered from the node cache links to the task that ran');
  await operator.goto(`${url}/#/runs/${encodeURIComponent(second)}`);
  await waitNode(operator, 'prepare', 'succeeded');  // the page has its tasks, not only its graph
  await operator.click('g.node[data-node="prepare"]');
  await operator.waitForSelector('#cached-from');
  assert.equal(await operator.textContent('#cached-from'), `${runId} prepare`);
  assert.equal(await operator.getAttribute('#cached-from a', 'href'), `#/runs/${encodeURIComponent(runId)}`);

  assert.deepEqual(foreign, [], 'the page loads nothing from elsewhere');
  console.log('the web page test passed');
} finally {
  await browser.close();
}
