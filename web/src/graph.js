// A run drawn as its DAG in SVG: one box per node, laid out by dagre in a
// worker (layout-worker.js), coloured by the node's state through a CSS
// class. States change in place, batched to one update per frame, so a
// run of thousands of nodes stays live without a relayout.
import { h, svg } from './dom.js';

const WIDTH = 168;
const HEIGHT = 40;

function layout(nodes, edges) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./layout-worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data }) => {
      worker.terminate();
      resolve(data);
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(`the graph could not be laid out: ${event.message}`));
    };
    worker.postMessage({ nodes: nodes.map((n) => ({ id: n.id, width: WIDTH, height: HEIGHT })), edges });
  });
}

function clip(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function pathOf(points) {
  return points.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
}

// nodes: [{id, type, exit, forEach}]; edges: [[from, to]]. onSelect(id)
// when a node is clicked. Returns {element, ready (a promise that settles
// once drawn, with the timings), update(id, {status, progress})}.
export function runGraph(nodes, edges, onSelect) {
  const element = h('div', { class: 'graph', id: 'graph' });
  const canvas = svg('svg', { class: 'graph-canvas', role: 'img', 'aria-label': 'the run as a graph' });
  const world = svg('g');
  canvas.append(world);
  const tools = h('div', { class: 'graph-tools' });
  element.append(tools, canvas);
  const boxes = new Map();
  const states = new Map(); // node id -> {status, progress}, also before the boxes are drawn
  const dirty = new Set();
  let frame = 0;
  let selected = null;
  const view = { x: 0, y: 0, scale: 1 };
  const place = () => world.setAttribute('transform', `translate(${view.x},${view.y}) scale(${view.scale})`);

  function flush() {
    frame = 0;
    for (const id of dirty) {
      const box = boxes.get(id);
      const state = states.get(id);
      if (!box) continue;
      if (state.status) {
        box.group.setAttribute('class', `node s-${state.status}${box.group === selected ? ' selected' : ''}`);
        box.group.dataset.status = state.status;
      }
      if (state.progress !== undefined) box.sub.textContent = state.progress;
    }
    dirty.clear();
  }

  function update(id, state) {
    states.set(id, { ...states.get(id), ...state });
    dirty.add(id);
    if (!frame) frame = requestAnimationFrame(flush);
  }

  function draw(result) {
    const edgeLayer = svg('g', { class: 'edges' });
    result.edges.forEach((points) => edgeLayer.append(svg('path', { d: pathOf(points), 'marker-end': 'url(#arrow)' })));
    const nodeLayer = svg('g', { class: 'nodes' });
    for (const node of nodes) {
      const at = result.nodes[node.id];
      const group = svg('g', { class: 'node s-pending', transform: `translate(${at.x},${at.y})`, 'data-node': node.id, tabindex: 0 });
      const title = svg('title');
      title.textContent = node.id;
      const name = svg('text', { x: 8, y: 16, class: 'name' });
      name.textContent = clip(node.id, 22);
      const sub = svg('text', { x: 8, y: 32, class: 'sub' });
      sub.textContent = node.forEach ? 'for each' : node.exit ? `${node.type} · on exit` : node.type;
      group.append(title, svg('rect', { width: WIDTH, height: HEIGHT, rx: 5 }), name, sub);
      nodeLayer.append(group);
      boxes.set(node.id, { group, sub });
    }
    const defs = svg('defs');
    const marker = svg('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 6, markerHeight: 6, orient: 'auto' });
    marker.append(svg('path', { d: 'M0,0L8,4L0,8z' }));
    defs.append(marker);
    world.append(defs, edgeLayer, nodeLayer);
    nodeLayer.addEventListener('click', (event) => {
      const group = event.target.closest('g.node');
      if (!group) return;
      if (selected) selected.classList.remove('selected');
      selected = group;
      group.classList.add('selected');
      onSelect(group.dataset.node);
    });
    nodeLayer.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') event.target.closest('g.node')?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    });
  }

  // Fits the whole graph when that leaves the boxes readable, else shows
  // its start at full size.
  function fit(result, always) {
    const width = element.clientWidth || 800;
    const height = element.clientHeight || 500;
    const scale = Math.min(1, width / result.width, height / result.height);
    view.scale = always ? Math.max(scale, 0.02) : Math.max(scale, 0.5);
    view.x = (width - result.width * view.scale) / 2 > 0 ? (width - result.width * view.scale) / 2 : 0;
    view.y = 0;
    place();
  }

  function panAndZoom() {
    canvas.addEventListener('wheel', (event) => {
      event.preventDefault();
      const rect = canvas.getBoundingClientRect();
      const factor = Math.exp(-event.deltaY / 500);
      const scale = Math.min(4, Math.max(0.02, view.scale * factor));
      const px = event.clientX - rect.left;
      const py = event.clientY - rect.top;
      view.x = px - ((px - view.x) * scale) / view.scale;
      view.y = py - ((py - view.y) * scale) / view.scale;
      view.scale = scale;
      place();
    }, { passive: false });
    let drag = null;
    canvas.addEventListener('pointerdown', (event) => {
      if (event.target.closest('g.node')) return;
      drag = { x: event.clientX - view.x, y: event.clientY - view.y };
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener('pointermove', (event) => {
      if (!drag) return;
      view.x = event.clientX - drag.x;
      view.y = event.clientY - drag.y;
      place();
    });
    canvas.addEventListener('pointerup', () => {
      drag = null;
    });
  }

  const ready = (async () => {
    const asked = performance.now();
    const result = await layout(nodes, edges);
    const laidOut = performance.now();
    draw(result);
    fit(result, false);
    panAndZoom();
    const fitAll = h('button', { type: 'button', class: 'small' }, 'fit');
    fitAll.addEventListener('click', () => fit(result, true));
    const actual = h('button', { type: 'button', class: 'small' }, '1:1');
    actual.addEventListener('click', () => {
      view.scale = 1;
      place();
    });
    tools.append(fitAll, actual, h('span', { class: 'hint' }, `${nodes.length} nodes · drag to move, wheel to zoom`));
    states.forEach((_, id) => dirty.add(id));
    flush();
    // Drawn once the browser has laid out and painted the boxes.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const timings = { nodes: nodes.length, layout_ms: result.ms, layout_round_trip_ms: laidOut - asked,
      draw_ms: performance.now() - laidOut, total_ms: performance.now() - asked };
    element.dataset.ready = 'true';
    element.dataset.timings = JSON.stringify(timings);
    return timings;
  })();
  return { element, ready, update };
}
