// Building the page's elements without innerHTML: every text from the API
// (names, logs, errors) is a text node, never markup.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag, attributes = {}) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

export function badge(status) {
  return h('span', { class: `badge s-${status}`, dataset: { status } }, status);
}

// RFC 3339 from the API, shown in the reader's time zone; null is a dash.
export function when(timestamp) {
  if (!timestamp) return '–';
  return new Date(timestamp).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function duration(from, to) {
  if (!from) return '';
  const ms = (to ? new Date(to) : new Date()) - new Date(from);
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

export function link(href, ...children) {
  return h('a', { href }, ...children);
}

export function notice(message, kind = 'error') {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
}

export const FINAL_RUN = new Set(['succeeded', 'failed', 'cancelled']);
export const FINAL_TASK = new Set(['succeeded', 'failed', 'skipped', 'cancelled', 'upstream_failed']);
export const RUN_STATES = ['created', 'queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];
