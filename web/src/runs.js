// A list of runs, newest first, filterable by workflow and status, kept
// live by the event stream of every run (GET /api/v1/events): a new run
// appears and a run's state changes without a reload.
import { get, subscribe } from './api.js';
import { badge, duration, h, link, notice, replace, when, RUN_STATES } from './dom.js';

const PAGE = 50;

// filters: {workflow, status}; fixedWorkflow hides the workflow filter.
// onFilter(filters) is told when the reader changes them.
export function runList(container, signal, { workflows = [], filters = {}, fixedWorkflow = null, onFilter = () => {} }) {
  const rows = new Map(); // run id -> {run, row}
  const body = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, 'More runs');
  const problem = h('div');
  const live = h('span', { class: 'live', title: 'the list follows the event stream' });
  let cursor = null;
  const workflow = fixedWorkflow || filters.workflow || '';
  const status = filters.status || '';

  const workflowFilter = h('select', { name: 'workflow', id: 'filter-workflow' },
    h('option', { value: '' }, 'every workflow'),
    workflows.map((name) => h('option', { value: name, selected: name === workflow }, name)));
  const statusFilter = h('select', { name: 'status', id: 'filter-status' },
    h('option', { value: '' }, 'any status'),
    RUN_STATES.map((s) => h('option', { value: s, selected: s === status }, s)));
  const changed = () => onFilter({ workflow: fixedWorkflow ? '' : workflowFilter.value, status: statusFilter.value });
  workflowFilter.addEventListener('change', changed);
  statusFilter.addEventListener('change', changed);

  replace(container,
    h('div', { class: 'filters' }, fixedWorkflow ? '' : workflowFilter, statusFilter, live),
    h('table', { class: 'runs', id: 'runs' },
      h('thead', {}, h('tr', {}, ['run', 'workflow', 'version', 'status', 'created', 'took'].map((t) => h('th', {}, t)))),
      body),
    more, problem);

  const render = (run) => h('tr', { dataset: { run: run.id } },
    h('td', {}, link(`#/runs/${encodeURIComponent(run.id)}`, run.id)),
    h('td', {}, link(`#/workflows/${encodeURIComponent(run.workflow)}`, run.workflow)),
    h('td', {}, run.version ?? 'ad hoc'),
    h('td', {}, badge(run.status)),
    h('td', {}, when(run.created_at)),
    h('td', {}, duration(run.started_at, run.finished_at)));

  const matches = (run) => (!workflow || run.workflow === workflow) && (!status || run.status === status);

  function put(run, { atTop = false } = {}) {
    const known = rows.get(run.id);
    const merged = known ? { ...known.run, ...run } : run;
    const row = render(merged);
    if (known) known.row.replaceWith(row);
    else if (atTop) body.prepend(row);
    else body.append(row);
    rows.set(run.id, { run: merged, row });
  }

  async function load(next) {
    const query = new URLSearchParams({ limit: PAGE });
    if (workflow) query.set('workflow', workflow);
    if (status) query.set('status', status);
    if (next) query.set('cursor', next);
    const page = await get(`/api/v1/runs?${query}`, signal);
    page.items.forEach((run) => put(run));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener('click', () => load(cursor).catch((e) => replace(problem, notice(e.message))));

  // A run that leaves the filter stays listed until the next load: rows
  // do not vanish under the reader's pointer.
  function onEvent({ type, data }) {
    if (type === 'reset') {
      body.replaceChildren();
      rows.clear();
      load(null).catch((e) => replace(problem, notice(e.message)));
    } else if (type === 'run' && (rows.has(data.id) || matches(data))) {
      put(data, { atTop: true });
    }
  }
  const stream = workflow ? `/api/v1/events?workflow=${encodeURIComponent(workflow)}` : '/api/v1/events';
  const loaded = load(null);
  // Subscribed after the first page is asked for: a run created between
  // the two is in the page or comes as an event, and put() keeps one row.
  subscribe(stream, signal, onEvent, (state, error) => {
    live.dataset.state = state;
    live.textContent = state === 'open' ? 'live' : state;
    if (error) live.title = error.message;
  });
  return loaded;
}
