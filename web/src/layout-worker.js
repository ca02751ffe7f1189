// Lays a run's graph out off the page's thread, so that a large workflow
// (thousands of nodes) never freezes the page while dagre works.
// In: {nodes: [{id, width, height}], edges: [[from, to]]}.
// Out: {nodes: {id: {x, y}} (top-left corners), edges: [[x, y]…] per edge, width, height, ms}.
import dagre from '@dagrejs/dagre';

self.onmessage = ({ data }) => {
  const started = performance.now();
  const graph = new dagre.graphlib.Graph();
  // tight-tree ranks as well as network-simplex for workflow graphs at a
  // tenth of the time on thousands of nodes (bench/README.md).
  graph.setGraph({ rankdir: 'LR', nodesep: 12, ranksep: 48, marginx: 16, marginy: 16, ranker: 'tight-tree' });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of data.nodes) graph.setNode(node.id, { width: node.width, height: node.height });
  for (const [from, to] of data.edges) graph.setEdge(from, to);
  dagre.layout(graph);
  const nodes = {};
  for (const id of graph.nodes()) {
    const n = graph.node(id);
    nodes[id] = { x: n.x - n.width / 2, y: n.y - n.height / 2 };
  }
  const edges = data.edges.map(([from, to]) => graph.edge(from, to).points.map((p) => [p.x, p.y]));
  const { width, height } = graph.graph();
  self.postMessage({ nodes, edges, width, height, ms: performance.now() - started });
};
