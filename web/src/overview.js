// The first view: workflows with their versions and schedules, queues
// when weftd has them, and the runs, filterable and live.
import { get } from './api.js';
import { h, link, replace, when } from './dom.js';
import { runList } from './runs.js';

export async function overviewView(container, signal, params) {
  const [workflows, schedules] = await Promise.all([
    get('/api/v1/workflows', signal),
    get('/api/v1/schedules', signal),
  ]);
  const scheduleOf = new Map(schedules.items.map((s) => [s.workflow, s]));
  const runs = h('section', { class: 'runs-section' });
  const queues = h('section', { hidden: true, id: 'queues' });
  replace(container,
    h('section', {},
      h('h2', {}, 'Workflows'),
      workflows.items.length === 0
        ? h('p', { class: 'hint' }, 'No workflow is stored yet: ', h('code', {}, 'weft apply -f workflow.json'))
        : workflowTable(workflows.items, scheduleOf)),
    queues,
    h('section', {}, h('h2', {}, 'Runs'), runs));
  showQueues(queues, signal);
  const filters = { workflow: params.get('workflow') || '', status: params.get('status') || '' };
  return runList(runs, signal, {
    workflows: workflows.items.map((w) => w.name),
    filters,
    onFilter: (f) => {
      const query = new URLSearchParams(Object.entries(f).filter(([, v]) => v));
      location.hash = `#/?${query}`;
    },
  });
}

function workflowTable(items, scheduleOf) {
  return h('table', { id: 'workflows' },
    h('thead', {}, h('tr', {}, ['workflow', 'version', 'description', 'schedule', 'next firing'].map((t) => h('th', {}, t)))),
    h('tbody', {}, items.map((w) => {
      const schedule = scheduleOf.get(w.name);
      return h('tr', { dataset: { workflow: w.name } },
        h('td', {}, link(`#/workflows/${encodeURIComponent(w.name)}`, w.name)),
        h('td', {}, w.version),
        h('td', {}, w.description ?? ''),
        h('td', {}, schedule ? scheduleText(schedule) : '–'),
        h('td', {}, schedule ? when(schedule.next_firing) : '–'));
    })));
}

export function scheduleText(schedule) {
  const state = schedule.paused ? ' (paused)' : schedule.enabled ? '' : ' (disabled)';
  return `${schedule.cron}${state}`;
}

// Queues are listed where weftd serves GET /api/v1/queues; a weftd
// without queues answers 404 and the section stays hidden.
async function showQueues(section, signal) {
  let queues;
  try {
    queues = await get('/api/v1/queues', signal);
  } catch {
    return;
  }
  const items = Array.isArray(queues.items) ? queues.items : [];
  const columns = [...new Set(items.flatMap((q) => Object.keys(q)))].filter((c) => c !== 'name');
  const cell = (value) => h('td', {}, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value ?? ''));
  const rows = items.map((q) => h('tr', {}, h('td', {}, q.name), columns.map((c) => cell(q[c]))));
  replace(section,
    h('h2', {}, 'Queues'),
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'queue'), columns.map((c) => h('th', {}, c.replaceAll('_', ' '))))),
      h('tbody', {}, rows)));
  section.hidden = false;
}
