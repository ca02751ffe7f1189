// The form that starts a run of a stored workflow with its params
// (POST /api/v1/workflows/{name}/runs), shown to operators and admins.
// A param whose default is a string is sent as typed; any other is read
// as JSON, so numbers, lists and objects keep their type.
import { post } from './api.js';
import { h, notice, replace } from './dom.js';

function shown(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function read(typed, declared) {
  if (typeof declared === 'string') return typed;
  try {
    return JSON.parse(typed);
  } catch {
    throw new Error(`'${typed}' is not JSON, as the default ${shown(declared)} is`);
  }
}

// declared: the workflow's params with their defaults; values: what to
// fill in (a run's params, to run it again), else the defaults.
export function startForm(workflow, declared, values = declared) {
  const names = Object.keys(declared || {});
  const inputs = new Map(names.map((name) => [name,
    h('input', { name, id: `param-${name}`, value: shown(values[name] ?? declared[name]), size: 40 })]));
  const problem = h('div');
  const form = h('form', { class: 'start-form', id: 'start-form' },
    names.length === 0 ? h('p', { class: 'hint' }, 'This workflow declares no params.') : '',
    h('table', {}, names.map((name) => h('tr', {},
      h('th', {}, h('label', { for: `param-${name}` }, name)),
      h('td', {}, inputs.get(name)),
      h('td', { class: 'hint' }, `default ${shown(declared[name])}`)))),
    h('button', { type: 'submit', id: 'start-run' }, `Start a run of ${workflow}`),
    problem);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(problem);
    try {
      const params = {};
      for (const [name, input] of inputs) {
        if (input.value !== shown(declared[name])) params[name] = read(input.value, declared[name]);
      }
      const created = await post(`/api/v1/workflows/${encodeURIComponent(workflow)}/runs`, { params });
      location.hash = `#/runs/${encodeURIComponent(created.id)}`;
    } catch (error) {
      replace(problem, notice(error.message));
    }
  });
  return form;
}
