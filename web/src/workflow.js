// One workflow: its versions (each readable), schedule, nodes, params with
// the form to start a run, and its runs.
import { get, post } from './api.js';
import { h, notice, replace, when } from './dom.js';
import { scheduleText } from './overview.js';
import { runList } from './runs.js';
import { may } from './session.js';
import { startForm } from './start-form.js';

export async function workflowView(container, signal, name, params) {
  const version = params.get('version');
  const path = `/api/v1/workflows/${encodeURIComponent(name)}`;
  const [latest, schedules] = await Promise.all([get(path, signal), get('/api/v1/schedules', signal)]);
  const shown = version ? await get(`${path}?version=${encodeURIComponent(version)}`, signal) : latest;
  const document = shown.document;
  const versions = h('select', { id: 'version' },
    Array.from({ length: latest.version }, (_, i) => latest.version - i).map((v) =>
      h('option', { value: v, selected: v === shown.version }, `version ${v}${v === latest.version ? ' (latest)' : ''}`)));
  versions.addEventListener('change', () => {
    location.hash = `#/workflows/${encodeURIComponent(name)}?version=${versions.value}`;
  });
  const schedule = schedules.items.find((s) => s.workflow === name);
  const runs = h('div');
  replace(container,
    h('h1', {}, name, ' ', versions),
    h('p', {}, document.description ?? '', ' ', h('span', { class: 'hint' }, `stored ${when(shown.created_at)}, digest ${shown.digest.slice(0, 12)}`)),
    schedule ? scheduleSection(schedule, signal) : '',
    h('h2', {}, 'Nodes'),
    nodeTable(document),
    h('h2', {}, 'Params'),
    may('operator', name) && shown.version === latest.version
      ? startForm(name, document.params || {})
      : paramTable(document.params || {}),
    h('h2', {}, 'Runs'),
    runs);
  return runList(runs, signal, { fixedWorkflow: name, filters: { status: params.get('status') || '' },
    onFilter: (f) => {
      location.hash = `#/workflows/${encodeURIComponent(name)}${f.status ? `?status=${f.status}` : ''}`;
    } });
}

function nodeTable(document) {
  const nodes = [...(document.nodes || []), ...(document.on_exit || []).map((n) => ({ ...n, exit: true }))];
  return h('table', {},
    h('thead', {}, h('tr', {}, ['node', 'type', 'after', 'for each'].map((t) => h('th', {}, t)))),
    h('tbody', {}, nodes.map((n) => h('tr', {},
      h('td', {}, n.id, n.exit ? h('span', { class: 'hint' }, ' (on exit)') : ''),
      h('td', {}, n.type),
      h('td', {}, (n.depends_on || []).join(', ')),
      h('td', {}, n.for_each ?? '')))));
}

export function paramTable(values) {
  const names = Object.keys(values);
  if (names.length === 0) return h('p', { class: 'hint' }, 'none');
  return h('table', { class: 'params' }, names.map((name) =>
    h('tr', {}, h('th', {}, name), h('td', {}, h('code', {}, JSON.stringify(values[name]))))));
}

function scheduleSection(schedule, signal) {
  const section = h('section', { id: 'schedule' });
  const render = (s) => {
    const action = s.paused ? 'resume' : 'pause';
    const button = may('operator', s.workflow) ? h('button', { type: 'button', id: `schedule-${action}` }, `${action} schedule`) : '';
    const problem = h('span');
    if (button) {
      button.addEventListener('click', async () => {
        try {
          render(await post(`/api/v1/schedules/${encodeURIComponent(s.workflow)}/${action}`, undefined, signal));
        } catch (error) {
          replace(problem, notice(error.message));
        }
      });
    }
    replace(section, h('h2', {}, 'Schedule'),
      h('p', {}, h('code', {}, scheduleText(s)), ` · next firing ${when(s.next_firing)} · last run `,
        s.last_run ? h('a', { href: `#/runs/${encodeURIComponent(s.last_run.id)}` }, s.last_run.id) : '–', ' ', button, problem));
  };
  render(schedule);
  return section;
}
