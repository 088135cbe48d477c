/**
 * The ELK adapter (sprotty-elk style): pure functions around an injected ELK, so Node and tests use
 * bundled ELK (elk-node.ts) and the browser a worker (elk-worker.ts), with the same positions.
 */
import type { ElkExtendedEdge, ElkNode, LayoutOptions as ElkOptions } from "elkjs/lib/elk-api.js";
import { BOX, boxSize, scopeMinSize } from "./box.ts";
import { type PrepareOptions, prepareGraph } from "./prepare.ts";
import type { Graph } from "../trace/graph.ts";
import type {
  Layout,
  LayoutBox,
  LayoutEdgeSpec,
  LayoutGraph,
  LayoutNodeSpec,
  LayoutPath,
  Point,
  Size,
} from "./types.ts";

/** What the adapter needs of ELK: bundled or worker, both have it. */
export interface ElkLike {
  layout(graph: ElkNode): Promise<ElkNode>;
}

export interface ElkAdapterOptions {
  /** Space between boxes in a layer, px. */
  nodeSpacing?: number;
  /** Space between layers, px. */
  layerSpacing?: number;
  /** More ELK options, winning over ours (e.g. for experiments). Never NETWORK_SIMPLEX / LONGEST_PATH: 10-20× slower. */
  extra?: ElkOptions;
}

/**
 * Layered, thoroughness 1, default Brandes-Köpf placement and default layering (DESIGN.md measured
 * the alternatives 10-20× slower). Coordinates come back absolute (ROOT), so nothing adds offsets.
 * Linear-segments placement keeps a 1,000-box chain a 213 px column (Brandes-Köpf walks it 2,048 px
 * sideways) but bends 2.5× as many edges, and was no faster (CPU time, warm): not used.
 */
export function elkOptions(lg: LayoutGraph, opts: ElkAdapterOptions = {}): ElkOptions {
  const node = opts.nodeSpacing ?? 16;
  const layer = opts.layerSpacing ?? 26;
  const o: ElkOptions = {
    "elk.algorithm": "layered",
    "elk.direction": lg.direction,
    "elk.layered.thoroughness": "1",
    "elk.edgeRouting": "ORTHOGONAL",
    "elk.spacing.nodeNode": String(node),
    "elk.layered.spacing.nodeNodeBetweenLayers": String(layer),
    "elk.spacing.edgeNode": "10",
    "elk.spacing.edgeEdge": "8",
    "elk.layered.spacing.edgeNodeBetweenLayers": "10",
    "elk.layered.spacing.edgeEdgeBetweenLayers": "8",
    "elk.spacing.componentComponent": "28",
    // inputs left to right in argument order (`a - b`: a on the left), as the program reads
    "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
    "elk.padding": "[top=12,left=12,bottom=12,right=12]",
    "org.eclipse.elk.json.edgeCoords": "ROOT",
    "org.eclipse.elk.json.shapeCoords": "ROOT",
  };
  if (lg.nodes.some((n) => n.kind === "scope" && !n.collapsed))
    o["elk.hierarchyHandling"] = "INCLUDE_CHILDREN";
  return { ...o, ...opts.extra };
}

/** Sizes of every box ELK sizes itself not (leaf boxes and collapsed scopes), from the text they hold. */
export function measureGraph(lg: LayoutGraph): Record<string, Size> {
  const sizes: Record<string, Size> = {};
  for (const n of lg.nodes) {
    if (n.kind === "scope" && !n.collapsed) sizes[n.id] = scopeMinSize(n);
    else sizes[n.id] = boxSize(n, lg.showValues);
  }
  return sizes;
}

/** Connected components over top-level boxes (a scope and everything in it stay together), in model order. */
export function components(lg: LayoutGraph): string[][] {
  const parentOf = new Map(lg.nodes.map((n) => [n.id, n.parent]));
  const top = (id: string): string => {
    let t = id;
    for (let p = parentOf.get(t) ?? null; p; p = parentOf.get(p) ?? null) t = p;
    return t;
  };
  const root = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (root.get(r) !== r) r = root.get(r)!;
    for (let y = x; root.get(y) !== r;) {
      const next = root.get(y)!;
      root.set(y, r);
      y = next;
    }
    return r;
  };
  const tops: string[] = [];
  for (const n of lg.nodes) {
    if (n.parent === null) {
      root.set(n.id, n.id);
      tops.push(n.id);
    }
  }
  for (const e of lg.edges) {
    const a = find(top(e.source));
    const b = find(top(e.target));
    // the earlier box stays the representative: components keep model order
    if (a !== b) {
      if (tops.indexOf(a) < tops.indexOf(b)) root.set(b, a);
      else root.set(a, b);
    }
  }
  const groups = new Map<string, string[]>();
  for (const t of tops) {
    const r = find(t);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(t);
  }
  return [...groups.values()];
}

const COMPONENT = "component:";
const COMPONENT_GAP = 28;
const PAD = 12;

/**
 * The ELK JSON of a prepared graph: compound nodes for expanded scopes, each edge in its lowest common
 * container. Several connected components (iterations of a loop, a `zero_()` on a grad) each go in a
 * container ELK lays out on its own; fromElk then packs them left to right in program order.
 */
export function toElk(lg: LayoutGraph, sizes: Record<string, Size>, opts: ElkAdapterOptions = {}): ElkNode {
  const options = elkOptions(lg, opts);
  const root: ElkNode = { id: "root", layoutOptions: options, children: [], edges: [] };
  const elkById = new Map<string, ElkNode>();
  const parentOf = new Map<string, string | null>();
  const comps = components(lg);
  const containerOf = new Map<string, ElkNode>();
  if (comps.length > 1) {
    root.layoutOptions = { ...options, "elk.hierarchyHandling": "SEPARATE_CHILDREN" };
    comps.forEach((tops, k) => {
      const c: ElkNode = {
        id: `${COMPONENT}${k}`,
        children: [],
        edges: [],
        layoutOptions: { ...options, "elk.padding": "[top=0,left=0,bottom=0,right=0]" },
      };
      root.children!.push(c);
      for (const t of tops) containerOf.set(t, c);
    });
  }
  for (const n of lg.nodes) {
    const size = sizes[n.id];
    if (!size) throw new Error(`layout: no size for node ${n.id}`);
    const compound = n.kind === "scope" && !n.collapsed;
    const e: ElkNode = compound
      ? {
          id: n.id,
          children: [],
          edges: [],
          // with INCLUDE_CHILDREN ELK ignores a compound's minimum size but not its labels: the label
          // (drawn by render, not by ELK) keeps the box as wide as the scope's name
          labels: [{ text: "", width: size.w - 2 * BOX.scopePad, height: BOX.scopeHeader - 4 }],
          layoutOptions: {
            "elk.padding": `[top=${BOX.scopeHeader + 4},left=${BOX.scopePad},bottom=${BOX.scopePad},right=${BOX.scopePad}]`,
            "elk.nodeSize.constraints": "[MINIMUM_SIZE, NODE_LABELS]",
            "elk.nodeSize.minimum": `(${size.w}, ${size.h})`,
            "elk.nodeLabels.placement": "[H_LEFT, V_TOP, INSIDE]",
          },
        }
      : { id: n.id, width: size.w, height: size.h };
    elkById.set(n.id, e);
    parentOf.set(n.id, n.parent);
    const container = n.parent ? elkById.get(n.parent) : (containerOf.get(n.id) ?? root);
    if (!container) throw new Error(`layout: parent ${n.parent} of ${n.id} comes after it`);
    container.children!.push(e);
  }
  const chain = (id: string): string[] => {
    const out: string[] = [];
    for (let p: string | null = id; p; p = parentOf.get(p) ?? null) out.push(p);
    return out;
  };
  for (const e of lg.edges) {
    const a = chain(e.source).slice(1);
    const b = new Set(chain(e.target).slice(1));
    const lca = a.find((p) => b.has(p));
    const top = chain(e.source).pop()!;
    const container = lca ? elkById.get(lca)! : (containerOf.get(top) ?? root);
    const edge: ElkExtendedEdge = { id: e.id, sources: [e.source], targets: [e.target] };
    container.edges!.push(edge);
  }
  return root;
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * Places component boxes in rows, left to right in program order, wrapping at the width that makes
 * the whole picture about 1.6 times as wide as high. Returns each box's offset and the total size.
 */
export function packComponents(
  sizes: Size[],
  gap = COMPONENT_GAP,
): { offsets: Point[]; width: number; height: number } {
  const area = sizes.reduce((a, s) => a + (s.w + gap) * (s.h + gap), 0);
  const widest = Math.max(0, ...sizes.map((s) => s.w));
  const rowMax = Math.max(widest, Math.sqrt(area * 1.6));
  const offsets: Point[] = [];
  let x = 0;
  let y = 0;
  let rowH = 0;
  let width = 0;
  for (const s of sizes) {
    if (x > 0 && x + s.w > rowMax) {
      x = 0;
      y += rowH + gap;
      rowH = 0;
    }
    offsets.push({ x, y });
    x += s.w + gap;
    rowH = Math.max(rowH, s.h);
    width = Math.max(width, x - gap);
  }
  return { offsets, width, height: y + rowH };
}

/** Positions from ELK's answer, in the prepared graph's order, rounded to 1/100 px. */
export function fromElk(result: ElkNode, lg: LayoutGraph): Layout {
  const boxes = new Map<string, ElkNode>();
  const paths = new Map<string, ElkExtendedEdge>();
  /** Node or edge id → the shift of its component. */
  const shift = new Map<string, Point>();
  let width = result.width ?? 0;
  let height = result.height ?? 0;
  const comps = (result.children ?? []).filter((c) => c.id.startsWith(COMPONENT));
  const packed =
    comps.length > 0 ? packComponents(comps.map((c) => ({ w: c.width ?? 0, h: c.height ?? 0 }))) : null;
  const walk = (n: ElkNode, d: Point): void => {
    for (const c of n.children ?? []) {
      boxes.set(c.id, c);
      shift.set(c.id, d);
      walk(c, d);
    }
    for (const e of n.edges ?? []) {
      paths.set(e.id, e);
      shift.set(e.id, d);
    }
  };
  if (packed) {
    comps.forEach((c, k) =>
      walk(c, { x: PAD + packed.offsets[k].x - (c.x ?? 0), y: PAD + packed.offsets[k].y - (c.y ?? 0) }),
    );
    width = packed.width + 2 * PAD;
    height = packed.height + 2 * PAD;
  } else {
    walk(result, { x: 0, y: 0 });
  }
  const nodes: LayoutBox[] = lg.nodes.map((n) => {
    const b = boxes.get(n.id);
    if (!b) throw new Error(`layout: ELK returned no position for ${n.id}`);
    const d = shift.get(n.id)!;
    return {
      id: n.id,
      x: r2((b.x ?? 0) + d.x),
      y: r2((b.y ?? 0) + d.y),
      w: r2(b.width ?? 0),
      h: r2(b.height ?? 0),
      parent: n.parent,
    };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges: LayoutPath[] = lg.edges.map((e) => {
    const points: Point[] = [];
    const d = shift.get(e.id) ?? { x: 0, y: 0 };
    for (const s of paths.get(e.id)?.sections ?? []) {
      for (const p of [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]) {
        const q = { x: r2(p.x + d.x), y: r2(p.y + d.y) };
        const last = points[points.length - 1];
        if (!last || last.x !== q.x || last.y !== q.y) points.push(q);
      }
    }
    if (points.length < 2) {
      // ELK leaves no route only in degenerate cases: draw centre to centre
      const a = byId.get(e.source)!;
      const b = byId.get(e.target)!;
      points.length = 0;
      points.push(
        { x: r2(a.x + a.w / 2), y: r2(a.y + a.h / 2) },
        { x: r2(b.x + b.w / 2), y: r2(b.y + b.h / 2) },
      );
    }
    return { id: e.id, points };
  });
  return { nodes, edges, width: r2(width), height: r2(height), graph: lg };
}

/** Lays out a prepared graph with the given ELK. */
export async function layoutGraph(
  elk: ElkLike,
  lg: LayoutGraph,
  opts: ElkAdapterOptions = {},
): Promise<Layout> {
  const json = toElk(lg, measureGraph(lg), opts);
  return fromElk(await elk.layout(json), lg);
}

/** Prepares and lays out a graph model in one call. */
export async function layoutModel(
  elk: ElkLike,
  graph: Graph,
  opts: PrepareOptions & ElkAdapterOptions = {},
): Promise<Layout> {
  return layoutGraph(elk, prepareGraph(graph, opts), opts);
}

/**
 * The warm-up's graphs (warmUpGraph), smallest first: a real layout asked for meanwhile waits for one
 * piece at most. In a fresh V8 (CPU ms): a 1,000-box program's layout took 2,600-2,800 cold, 1,260
 * after 60, 150 and 450 boxes, 690-1,040 after these (fully warm: ~450); the pieces take 3.7-4.5 s
 * of CPU in all, while Pyodide's first load takes several seconds (`npm run bench -- layout`:
 * layout-elk-first-*).
 */
export const ELK_WARM_UP_BOXES: readonly number[] = [60, 150, 450, 1000];

/**
 * A made-up graph of about `boxes` boxes shaped like a traced program (a chain of `tanh(h * w + b)`
 * with constants, every fourth link adding a skip from three links back), for warming ELK up: its
 * first layouts in a fresh worker pay for loading and JIT-compiling ELK, several times a warm one.
 */
export function warmUpGraph(boxes: number): LayoutGraph {
  const nodes: LayoutNodeSpec[] = [];
  const edges: LayoutEdgeSpec[] = [];
  const box = (kind: LayoutNodeSpec["kind"], title: string, small = false): string => {
    const id = `w${nodes.length}`;
    const tensor = kind !== "op" && !small;
    nodes.push({
      id,
      kind,
      parent: null,
      node: id,
      stub: false,
      small,
      collapsed: false,
      members: 0,
      title,
      shape: tensor ? [] : null,
      dtype: tensor ? "float32" : null,
      mayHaveGrad: tensor,
      badge: false,
    });
    return id;
  };
  const edge = (source: string, target: string): void => {
    const id = `e${edges.length}`;
    edges.push({ id, source, target, kind: "forward", members: [id] });
  };
  const op = (title: string, inputs: string[]): string => {
    const o = box("op", title);
    for (const i of inputs) edge(i, o);
    const t = box("tensor", "");
    edge(o, t);
    return t;
  };
  const chain = [box("leaf", "x")];
  for (let k = 0; nodes.length < boxes; k++) {
    let h = op("mul", [chain[chain.length - 1], box("constant", "1.5", true)]);
    h = op("add", [h, box("constant", "0.1", true)]);
    if (k % 4 === 3) h = op("add", [h, chain[chain.length - 3]]);
    chain.push(op("tanh", [h]));
  }
  return {
    view: "values",
    direction: "DOWN",
    nodes,
    edges,
    scopes: [],
    nodeOf: Object.fromEntries(nodes.map((n) => [n.id, n.id])),
    edgeOf: Object.fromEntries(edges.map((e) => [e.id, e.id])),
    stubsOf: {},
    oversize: false,
    showValues: true,
  };
}
