// One run: its state and params, the commands an operator may give it,
// its graph kept live by the run's event stream, and the task (or the
// elements of a for_each node) the reader picks.
import { get, post, subscribe } from './api.js';
import { badge, duration, h, link, notice, replace, when, FINAL_RUN, FINAL_TASK } from './dom.js';
import { runGraph } from './graph.js';
import { may } from './session.js';
import { startForm } from './start-form.js';
import { taskPanel } from './task.js';
import { paramTable } from './workflow.js';

const ELEMENT_PAGE = 100;

// The commands that fit a run's state (docs/api.md "Run commands").
const COMMANDS = {
  created: ['start', 'cancel'],
  queued: ['pause', 'cancel'],
  running: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
  failed: ['retry'],
  cancelled: ['retry'],
  succeeded: [],
};

// The nodes of the run's document, or for an ad-hoc run (whose document
// the API does not serve) the nodes its tasks name, without edges.
async function graphOf(run, signal) {
  if (run.version !== null) {
    const workflow = await get(`/api/v1/workflows/${encodeURIComponent(run.workflow)}?version=${run.version}`, signal);
    const doc = workflow.document;
    const nodes = [
      ...(doc.nodes || []).map((n) => ({ id: n.id, type: n.type, forEach: Boolean(n.for_each), after: n.depends_on || [] })),
      ...(doc.on_exit || []).map((n) => ({ id: n.id, type: n.type, exit: true, forEach: Boolean(n.for_each), after: n.depends_on || [] })),
    ];
    const edges = nodes.flatMap((n) => n.after.map((from) => [from, n.id]));
    return { nodes, edges, declared: doc.params || {} };
  }
  const tasks = await get(`/api/v1/runs/${encodeURIComponent(run.id)}/tasks`, signal);
  const nodes = new Map();
  for (const t of tasks.items) {
    const known = nodes.get(t.node);
    nodes.set(t.node, { id: t.node, type: known?.type ?? t.executor ?? '', forEach: Boolean(known?.forEach) || t.index !== null });
  }
  return { nodes: [...nodes.values()], edges: [], declared: null };
}

export async function runView(container, signal, id) {
  let run = await get(`/api/v1/runs/${encodeURIComponent(id)}`, signal);
  const { nodes, edges, declared } = await graphOf(run, signal);
  const forEach = new Set(nodes.filter((n) => n.forEach).map((n) => n.id));

  const head = h('div', { class: 'run-head' });
  const actions = h('div', { class: 'actions', id: 'actions' });
  const problem = h('div');
  const live = h('span', { class: 'live', id: 'run-live' });
  const panel = h('aside', { class: 'panel', id: 'panel' }, h('p', { class: 'hint' }, 'Pick a node to see its tasks, logs and output.'));
  const graph = runGraph(nodes, edges, select);
  const again = may('operator', run.workflow) && declared
    ? h('details', { id: 'run-again' }, h('summary', {}, 'Run again with these params'), startForm(run.workflow, declared, run.params))
    : '';
  replace(container,
    head, actions, problem,
    h('div', { class: 'run-body' }, h('div', { class: 'graph-box' }, live, graph.element), panel),
    h('h2', {}, 'Params'), paramTable(run.params || {}), again);

  function showHead() {
    replace(head,
      h('h1', {}, 'Run ', h('code', {}, run.id), ' ', h('span', { id: 'run-status' }, badge(run.status))),
      h('p', {}, link(`#/workflows/${encodeURIComponent(run.workflow)}`, run.workflow),
        run.version === null ? ' (ad hoc)' : ` version ${run.version}`,
        ` · created ${when(run.created_at)} · started ${when(run.started_at)} · finished ${when(run.finished_at)}`,
        run.started_at ? ` · ${duration(run.started_at, run.finished_at)}` : ''),
      run.error ? notice(run.error) : '');
    if (!may('operator', run.workflow)) return replace(actions);
    replace(actions, (COMMANDS[run.status] || []).map((command) => {
      const button = h('button', { type: 'button', id: `run-${command}`, class: command === 'cancel' ? 'danger' : '' }, command);
      button.addEventListener('click', async () => {
        button.disabled = true;
        replace(problem);
        try {
          await post(`/api/v1/runs/${encodeURIComponent(run.id)}/${command}`, undefined, signal);
        } catch (error) {
          replace(problem, notice(error.message));
          button.disabled = false;
        }
      });
      return button;
    }));
  }
  showHead();

  // Every task row as the stream tells it; per for_each node, how many of
  // its elements there are and how many are final, counted as they change.
  const tasks = new Map();
  const elements = new Map(); // node -> {total, final}
  let chosen = null; // {id, panel} of the task shown, or {node} of the elements shown

  function progressOf(node) {
    const count = elements.get(node) || { total: 0, final: 0 };
    return `for each · ${count.final}/${count.total} done`;
  }

  function onTask(task) {
    const previous = tasks.get(task.id);
    tasks.set(task.id, task);
    if (task.index !== null) {
      const count = elements.get(task.node) || { total: 0, final: 0 };
      if (!previous) count.total += 1;
      count.final += Number(FINAL_TASK.has(task.status)) - Number(Boolean(previous) && FINAL_TASK.has(previous.status));
      elements.set(task.node, count);
      graph.update(task.node, { progress: progressOf(task.node) });
    } else {
      graph.update(task.node, { status: task.status, ...(forEach.has(task.node) ? { progress: progressOf(task.node) } : {}) });
    }
    if (chosen?.id === task.id) chosen.panel.update(task);
    if (chosen?.node === task.node && task.index !== null) {
      if (previous) chosen.refresh(task);
      else chosen.grow();
    }
  }

  subscribe(`/api/v1/runs/${encodeURIComponent(id)}/events`, signal, ({ type, data }) => {
    if (type === 'task') onTask(data);
    else if (type === 'run') {
      run = { ...run, ...data };
      showHead();
    }
  }, (state, error) => {
    live.dataset.state = state;
    live.textContent = state === 'open' ? 'live' : state === 'ended' ? (FINAL_RUN.has(run.status) ? 'final' : 'ended') : state;
    if (error) replace(problem, notice(error.message));
  });

  function selectTask(taskId, panelSignal) {
    const task = tasks.get(taskId);
    if (!task) return replace(panel, h('p', { class: 'hint' }, `${taskId} has no task yet.`));
    const shown = taskPanel(run.id, task, panelSignal);
    chosen = { id: taskId, panel: shown };
    replace(panel, shown.element);
  }

  // The elements of a for_each node, a page at a time, read from what the
  // stream has told (no request per element), their states kept live.
  function selectElements(node, panelSignal) {
    const list = h('ol', { class: 'elements', id: 'elements', start: 0 });
    const more = h('button', { type: 'button' }, 'More elements');
    const badges = new Map(); // task id -> the element's badge holder
    let wanted = ELEMENT_PAGE;
    const grow = () => {
      const count = elements.get(node)?.total || 0;
      for (let i = badges.size; i < Math.min(count, wanted); i++) {
        const taskId = `${node}[${i}]`;
        const holder = h('span', {}, badge(tasks.get(taskId)?.status || 'pending'));
        const open = h('button', { type: 'button', class: 'link' }, taskId);
        open.addEventListener('click', () => selectTask(taskId, panelSignal));
        list.append(h('li', { dataset: { task: taskId } }, open, ' ', holder));
        badges.set(taskId, holder);
      }
      more.hidden = count <= wanted;
    };
    more.addEventListener('click', () => {
      wanted += ELEMENT_PAGE;
      grow();
    });
    const own = tasks.get(node);
    replace(panel, h('section', { class: 'task-panel', id: 'elements-panel', dataset: { node } },
      h('h2', {}, node), h('p', {}, own ? badge(own.status) : '', ' ', progressOf(node)),
      own?.error ? notice(own.error) : '', list, more));
    chosen = { node, grow, refresh: (task) => badges.has(task.id) && replace(badges.get(task.id), badge(task.status)) };
    grow();
  }

  let panelScope = null;
  function select(node) {
    if (panelScope) panelScope.abort();
    panelScope = new AbortController();
    signal.addEventListener('abort', () => panelScope.abort(), { once: true });
    if (forEach.has(node)) selectElements(node, panelScope.signal);
    else selectTask(node, panelScope.signal);
  }

  return graph.ready;
}
