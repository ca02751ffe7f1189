// One task of a run: its state, its attempts, its logs followed live
// (stdout or stderr, the latest attempt or an earlier one) and its output.
import { encodeTask, followLog, get } from './api.js';
import { badge, h, link, notice, replace, when, FINAL_TASK } from './dom.js';

// Holds at most this much of a log on the page; older text is dropped.
const LOG_LIMIT = 2_000_000;

export function taskPanel(runId, task, signal) {
  const base = `/api/v1/runs/${encodeURIComponent(runId)}/tasks/${encodeTask(task.id)}`;
  const summary = h('dl', { class: 'summary' });
  const attempts = h('div', { id: 'attempts' });
  const output = h('pre', { class: 'output', id: 'output' });
  const log = h('pre', { class: 'log', id: 'log', 'aria-live': 'polite' });
  const logState = h('span', { class: 'hint', id: 'log-state' });
  const stream = h('select', { id: 'log-stream' }, h('option', { value: 'stdout' }, 'stdout'), h('option', { value: 'stderr' }, 'stderr'));
  const attemptChoice = h('select', { id: 'log-attempt' }, h('option', { value: '' }, 'latest attempt'));
  const element = h('section', { class: 'task-panel', id: 'task-panel', dataset: { task: task.id } },
    h('h2', {}, task.id),
    summary,
    h('h3', {}, 'Attempts'), attempts,
    h('h3', {}, 'Log ', stream, ' ', attemptChoice, ' ', logState), log,
    h('h3', {}, 'Output'), output);

  let current = task;
  let following = null;

  function showSummary() {
    const t = current;
    replace(summary,
      h('dt', {}, 'status'), h('dd', {}, badge(t.status)),
      h('dt', {}, 'attempt'), h('dd', {}, t.attempt),
      h('dt', {}, 'exit code'), h('dd', {}, t.exit_code ?? '–'),
      h('dt', {}, 'executor'), h('dd', {}, t.executor ?? '–', t.external_id ? ` (${t.external_id})` : ''),
      t.cached_from ? [h('dt', {}, 'cached from'), h('dd', { id: 'cached-from' },
        link(`#/runs/${encodeURIComponent(t.cached_from.run_id)}`, t.cached_from.run_id), ' ',
        t.cached_from.index === null ? t.cached_from.node : `${t.cached_from.node}[${t.cached_from.index}]`)] : '',
      h('dt', {}, 'started'), h('dd', {}, when(t.started_at)),
      h('dt', {}, 'finished'), h('dd', {}, when(t.finished_at)),
      t.error ? [h('dt', {}, 'error'), h('dd', { class: 'error' }, t.error)] : '');
  }

  async function showAttempts() {
    try {
      const list = await get(`${base}/attempts`, signal);
      const known = attemptChoice.value;
      replace(attemptChoice, h('option', { value: '' }, 'latest attempt'),
        list.items.map((a) => h('option', { value: a.attempt, selected: String(a.attempt) === known }, `attempt ${a.attempt}`)));
      replace(attempts, list.items.length === 0 ? h('p', { class: 'hint' }, 'none yet') : h('table', {},
        h('thead', {}, h('tr', {}, ['#', 'status', 'exit', 'started', 'finished', 'error'].map((c) => h('th', {}, c)))),
        h('tbody', {}, list.items.map((a) => h('tr', {},
          h('td', {}, a.attempt), h('td', {}, badge(a.status)), h('td', {}, a.exit_code ?? '–'),
          h('td', {}, when(a.started_at)), h('td', {}, when(a.finished_at)), h('td', {}, a.error ?? ''))))));
    } catch (error) {
      // A store of ABI 2.0 keeps no attempts: weftd's 409 says so.
      if (!signal.aborted) replace(attempts, notice(error.message));
    }
  }

  function showLog() {
    if (following) following.abort();
    following = new AbortController();
    const stop = following.signal;
    signal.addEventListener('abort', () => following.abort(), { once: true });
    log.textContent = '';
    const query = new URLSearchParams({ stream: stream.value, follow: '1' });
    if (attemptChoice.value) query.set('attempt', attemptChoice.value);
    logState.textContent = 'following';
    followLog(`${base}/logs?${query}`, stop, (text) => {
      const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      log.append(text);
      if (log.textContent.length > LOG_LIMIT) log.textContent = log.textContent.slice(-LOG_LIMIT / 2);
      if (atEnd) log.scrollTop = log.scrollHeight;
    }).then(() => {
      logState.textContent = log.textContent ? 'complete' : 'empty';
    }, (error) => {
      if (!stop.aborted) logState.textContent = error.message;
    });
  }

  async function showOutput() {
    if (current.status !== 'succeeded') {
      output.textContent = FINAL_TASK.has(current.status) ? 'none' : 'not yet';
      return;
    }
    try {
      const results = await get(`/api/v1/runs/${encodeURIComponent(runId)}/results`, signal);
      const value = results.outputs[current.node];
      const mine = current.index === null ? value : Array.isArray(value) ? value[current.index] : null;
      output.textContent = JSON.stringify(mine ?? null, null, 2);
    } catch (error) {
      if (!signal.aborted) output.textContent = error.message;
    }
  }

  stream.addEventListener('change', showLog);
  attemptChoice.addEventListener('change', showLog);
  showSummary();
  showAttempts();
  showLog();
  showOutput();

  // A newer state of the task, from the run's event stream.
  function update(next) {
    const previous = current;
    current = next;
    showSummary();
    if (next.attempt !== previous.attempt || next.status !== previous.status) showAttempts();
    if (next.status !== previous.status) showOutput();
  }
  return { element, update };
}
