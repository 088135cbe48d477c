/**
 * buildScene: the graph at a step + the layout of the whole run → plain geometry (Scene). Nothing
 * here measures a DOM or reads a clock, so Node and the browser get the same scene from the same input.
 */
import { pyExp } from "../engine/pyformat.ts";
import { BADGE_ROOM, BOX, type BoxLine, badgeWidth, boxLines, countText, numelOf } from "../layout/box.ts";
import { MONO_STACK, SANS_STACK, fitText, textWidth } from "../layout/text.ts";
import type { Layout, LayoutBox, LayoutNodeSpec, Point } from "../layout/types.ts";
import type { Graph, GraphEdge, GraphNode, StepState } from "../trace/graph.ts";
import { type NonFiniteReport, type Origin, nonFiniteOrigin } from "../analysis/origin.ts";
import { type AccumulateEvent, type Trace, baseTensorId } from "../trace/schema.ts";
import { type NonFinite, previewValues } from "../trace/values.ts";
import { valueText } from "./format.ts";
import { type Theme, type ThemeName, themeOf } from "./theme.ts";
import type {
  Scene,
  SceneEdge,
  SceneKind,
  SceneLegend,
  SceneNode,
  SceneScope,
  SceneShape,
  SceneText,
} from "./types.ts";

export interface SceneOptions {
  theme?: ThemeName;
  /** Draw values and grads on nodes (the layout must have been sized with values for them to fit). Default: as laid out. */
  showValues?: boolean;
  /** Width the SVG asks for, px; the height follows. Default: the layout's own size. */
  width?: number | null;
  /** Default true. */
  legend?: boolean;
  title?: string | null;
  /**
   * Draw one iteration of a training loop (trace/graph.ts's `iterations`: a backward() call and the
   * ops before it, from 0): only its nodes are drawn. Lay out the same slice (sliceIteration) for a
   * picture without the other iterations' room.
   */
  iteration?: number | null;
}

/** The nodes of iteration `k` and the edges among them (a value from an earlier iteration is a stub there). */
export function sliceIteration(graph: Graph, k: number): Graph {
  const nodes = graph.nodes.filter((n) => n.iteration === k);
  const ids = new Set(nodes.map((n) => n.id));
  const edges = graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  return { ...graph, nodes, edges };
}

export interface SceneState {
  /** Values and grads are read from its tensor records. */
  trace: Trace;
  /** stateAt(trace, step, view) when animating: what this step changed. */
  step?: StepState | null;
  /** Graph node ids to mark as non-finite origins (from analysis); by default found by findOrigins. */
  origins?: readonly string[] | null;
  /**
   * The scene built before from the same layout (the previous step): every node, edge and scope
   * whose data did not change keeps its object from it, so keyed views update nothing for it, and
   * a node is not drawn again when nothing it shows changed. Ignored when made from another layout.
   */
  previous?: Scene | null;
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

const NF_RANK: Record<string, number> = { nan: 3, inf: 2, "-inf": 1 };

/** The flag that wins: nan over inf over -inf. */
export function worstNonFinite(...flags: NonFinite[]): NonFinite {
  let best: NonFinite = null;
  for (const f of flags) if (f && (!best || NF_RANK[f] > NF_RANK[best])) best = f;
  return best;
}

// ---- gradient magnitudes ----

const DOMAINS = new WeakMap<Trace, [number, number] | null>();

/** L2 norm of a grad record (its finite part); null when it holds no finite element. */
export function gradMagnitude(trace: Trace, rec: string | null): number | null {
  if (!rec) return null;
  const s = trace.tensors[rec]?.summary;
  if (!s || s.norm === null) return null;
  return s.norm;
}

/**
 * [lo, hi] → [0, 1] on a log scale, clamped: d3's scaleLog().domain([lo, hi]).clamp(true) to the bit
 * (log of the clamped value, then normalized), without loading d3-scale's time and format modules.
 */
export function logScale([lo, hi]: [number, number]): (x: number) => number {
  const a = Math.log(lo);
  const b = Math.log(hi) - a;
  return (x) => (b ? (Math.log(Math.max(lo, Math.min(hi, x))) - a) / b : 0.5);
}

/** [min, max] of the non-zero grad magnitudes the whole run sends along edges: one scale for every step. */
export function gradDomain(trace: Trace): [number, number] | null {
  if (DOMAINS.has(trace)) return DOMAINS.get(trace)!;
  let lo = Infinity;
  let hi = 0;
  const see = (rec: string | null) => {
    const m = gradMagnitude(trace, rec);
    if (m !== null && m > 0 && Number.isFinite(m)) {
      lo = Math.min(lo, m);
      hi = Math.max(hi, m);
    }
  };
  for (const e of trace.events) {
    if (e.kind === "backward") {
      e.grad_outputs.forEach(see);
      e.grad_inputs.forEach(see);
    } else if (e.kind === "backward-start") see(e.grad);
    else if (e.kind === "accumulate") see(e.incoming);
  }
  let d: [number, number] | null = null;
  if (hi > 0) d = lo === hi ? [lo / 10, hi * 10] : [lo, hi];
  DOMAINS.set(trace, d);
  return d;
}

// ---- non-finite origins ----

const ORIGINS = new WeakMap<Trace, NonFiniteReport>();

/** analysis' non-finite report, found once per trace (a step shows the origins at or before it). */
export function originReport(trace: Trace): NonFiniteReport {
  let r = ORIGINS.get(trace);
  if (!r) ORIGINS.set(trace, (r = nonFiniteOrigin(trace)));
  return r;
}

/** The graph node that stands for an origin in a view, if drawn. */
function originNode(trace: Trace, o: Origin, graph: Graph, ids: Set<string>): string | null {
  let id: string | null | undefined;
  if (o.direction === "forward") {
    if (o.kind === "create") id = graph.view === "values" ? o.tensor : baseTensorId(o.tensor);
    else id = graph.view === "values" ? `op${o.event}` : o.node;
  } else if (o.kind === "accumulate") {
    const leaf = (trace.events[o.event] as AccumulateEvent).tensor;
    id = graph.view === "values" ? leaf : o.node;
  } else {
    id =
      graph.view === "values" ? graph.nodes.find((n) => n.kind === "op" && n.gradFn === o.node)?.id : o.node;
  }
  return id && ids.has(id) ? id : null;
}

/**
 * Where nan / ±inf were born, as analysis names them (the first op that made one out of finite
 * inputs; the backward node anomaly mode would name), up to the graph's step, as graph node ids.
 */
export function findOrigins(trace: Trace, graph: Graph): string[] {
  const { forward, backward } = originReport(trace);
  const ids = new Set(graph.nodes.map((n) => n.id));
  const out: string[] = [];
  for (const o of [forward, backward]) {
    if (!o || o.event > graph.step) continue;
    const id = originNode(trace, o, graph, ids);
    if (id && !out.includes(id)) out.push(id);
  }
  return out;
}

// ---- geometry helpers ----

function shape(
  kind: SceneShape["shape"],
  b: { x: number; y: number; w: number; h: number },
  style: { fill: string | null; stroke: string | null; strokeWidth: number },
  rx = 0,
  dash: string | null = null,
): SceneShape {
  return {
    shape: kind,
    x: r2(b.x),
    y: r2(b.y),
    w: r2(b.w),
    h: r2(b.h),
    rx: kind === "pill" ? r2(b.h / 2) : rx,
    fill: style.fill,
    stroke: style.stroke,
    strokeWidth: style.strokeWidth,
    dash,
  };
}

function text(
  x: number,
  y: number,
  s: string,
  size: number,
  fill: string,
  opts: Partial<Pick<SceneText, "font" | "weight" | "anchor" | "role">> = {},
): SceneText {
  return {
    x: r2(x),
    y: r2(y),
    text: s,
    size,
    font: opts.font ?? "sans",
    weight: opts.weight ?? 400,
    fill,
    anchor: opts.anchor ?? "middle",
    role: opts.role ?? "label",
  };
}

/** Orthogonal path with rounded bends, cut short at the arrow's base; the arrow as a triangle. */
export function edgePath(points: Point[], arrowLength = 7, arrowHalf = 3.5): { d: string; arrow: Point[] } {
  const p = points.map((q) => ({ x: q.x, y: q.y }));
  const n = p.length;
  const end = p[n - 1];
  const prev = p[n - 2];
  const len = Math.hypot(end.x - prev.x, end.y - prev.y) || 1;
  const ux = (end.x - prev.x) / len;
  const uy = (end.y - prev.y) / len;
  const cut = Math.min(arrowLength, len);
  const base = { x: end.x - ux * cut, y: end.y - uy * cut };
  const arrow = [
    { x: r2(end.x), y: r2(end.y) },
    { x: r2(base.x - uy * arrowHalf), y: r2(base.y + ux * arrowHalf) },
    { x: r2(base.x + uy * arrowHalf), y: r2(base.y - ux * arrowHalf) },
  ];
  p[n - 1] = base;
  let d = `M${r2(p[0].x)} ${r2(p[0].y)}`;
  for (let i = 1; i < n - 1; i++) {
    const a = p[i - 1];
    const b = p[i];
    const c = p[i + 1];
    const l1 = Math.hypot(b.x - a.x, b.y - a.y);
    const l2 = Math.hypot(c.x - b.x, c.y - b.y);
    const r = Math.min(4, l1 / 2, l2 / 2);
    if (r <= 0.01) {
      d += `L${r2(b.x)} ${r2(b.y)}`;
      continue;
    }
    const s = { x: b.x - ((b.x - a.x) / l1) * r, y: b.y - ((b.y - a.y) / l1) * r };
    const t = { x: b.x + ((c.x - b.x) / l2) * r, y: b.y + ((c.y - b.y) / l2) * r };
    d += `L${r2(s.x)} ${r2(s.y)}Q${r2(b.x)} ${r2(b.y)} ${r2(t.x)} ${r2(t.y)}`;
  }
  d += `L${r2(p[n - 1].x)} ${r2(p[n - 1].y)}`;
  return { d, arrow };
}

// ---- nodes ----

const SHAPES: Record<SceneKind, { shape: SceneShape["shape"]; rx: number }> = {
  leaf: { shape: "rect", rx: 6 },
  constant: { shape: "rect", rx: 6 },
  tensor: { shape: "rect", rx: 6 },
  op: { shape: "pill", rx: 0 },
  "grad-fn": { shape: "rect", rx: 0 },
  "accumulate-grad": { shape: "octagon", rx: 0 },
  scope: { shape: "rect", rx: 3 },
};

const BADGE_TEXT: Record<string, string> = { nan: "nan", inf: "inf", "-inf": "-inf" };

/** A box's lines depend only on its spec (part of a layout, never changed): measured once. */
const LINES = new WeakMap<LayoutNodeSpec, BoxLine[]>();

interface NodeInput {
  spec: LayoutNodeSpec;
  box: LayoutBox;
  g: GraphNode | null;
  nonfinite: NonFinite;
  members: number;
}

/** What a node was built from: when all of it is the same at the next step, so is the node. */
interface NodeMemo {
  spec: LayoutNodeSpec;
  box: LayoutBox;
  trace: Trace;
  theme: Theme;
  showValues: boolean;
  tensor: string | null;
  grad: string | null;
  stubFor: string | null;
  scope: string | null;
  line: number | null;
  isNew: boolean;
  nonfinite: NonFinite;
  members: number;
  origin: boolean;
  changed: boolean;
}

const NODE_MEMO = new WeakMap<SceneNode, NodeMemo>();
/** What a legend was drawn from (the key: the facts and the room it had). */
interface LegendMemo {
  key: string;
  theme: Theme;
  domain: [number, number] | null;
}
const LEGEND_MEMO = new WeakMap<SceneLegend, LegendMemo>();
/** A scope's drawing depends on its spec and box (one layout), the theme and its flag only. */
const SCOPE_MEMO = new WeakMap<SceneScope, { spec: LayoutNodeSpec; theme: Theme }>();

function sameMembers(ids: readonly string[], edges: readonly GraphEdge[]): boolean {
  if (ids.length !== edges.length) return false;
  for (let i = 0; i < ids.length; i++) if (ids[i] !== edges[i].id) return false;
  return true;
}

/** Ramp colours by grad domain (one per trace, see gradDomain), theme and magnitude. */
const RAMP = new WeakMap<[number, number], Map<Theme, Map<number, string>>>();

/** The theme's ramp colour of a grad magnitude: the same magnitudes recur at every step, so each is mixed once. */
function rampColor(
  theme: Theme,
  domain: [number, number],
  scale: (x: number) => number,
  mag: number,
): string {
  let byTheme = RAMP.get(domain);
  if (!byTheme) RAMP.set(domain, (byTheme = new Map()));
  let byMag = byTheme.get(theme);
  if (!byMag) byTheme.set(theme, (byMag = new Map()));
  let c = byMag.get(mag);
  if (c === undefined) byMag.set(mag, (c = theme.ramp(scale(mag))));
  return c;
}

function buildNode(
  inp: NodeInput,
  trace: Trace,
  theme: Theme,
  showValues: boolean,
  laidWithValues: boolean,
  origin: boolean,
  changed: boolean,
): SceneNode {
  const { spec, box, g, nonfinite } = inp;
  const kind: SceneKind = spec.kind === "scope" ? "scope" : spec.kind;
  const base =
    spec.kind === "scope" ? theme.collapsed : spec.small ? theme.kinds.constant : theme.kinds[spec.kind];
  const style = nonfinite
    ? { fill: theme.nonfinite.fill, stroke: theme.nonfinite.stroke, strokeWidth: 2.5 }
    : { fill: base.fill, stroke: base.stroke, strokeWidth: base.strokeWidth };
  const textFill = nonfinite ? theme.nonfinite.text : base.text;
  const sh = spec.small ? { shape: "pill" as const, rx: 0 } : SHAPES[kind];
  const body = shape(sh.shape, box, style, sh.rx, spec.stub ? "4 3" : null);

  let lines = LINES.get(spec);
  if (!lines) LINES.set(spec, (lines = boxLines(spec, laidWithValues)));
  const contentH = lines.reduce((a, l) => a + l.height, 0);
  let y = box.y + (box.h - contentH) / 2;
  const pill = sh.shape === "pill";
  // a pill that keeps badge room draws its text left of it, whether or not the badge shows now
  const room = pill && spec.badge ? BADGE_ROOM : 0;
  const cx = box.x + (box.w - room) / 2;
  const inner = box.w - room - 2 * BOX.padX;
  const texts: SceneText[] = [];
  for (const l of lines) {
    const baseline = y + l.height / 2 + l.size * 0.35;
    y += l.height;
    let s: string | null = null;
    if (l.role === "title") s = fitText(l.text ?? "", l.size, inner + (pill ? 6 : 0), l.face);
    else if (l.role === "shape") s = l.text;
    else if (l.role === "count") s = countText(inp.members);
    else if (!showValues || !g) s = null;
    else if (l.role === "value") s = valueOf(trace, g.tensor, l.size, inner);
    else if (l.role === "grad" && g.grad) {
      const w = inner - textWidth(BOX.gradPrefix, l.size, "mono");
      s = BOX.gradPrefix + valueOf(trace, g.grad, l.size, w);
    }
    if (!s) continue;
    const fill = l.role === "shape" && !nonfinite ? theme.muted : textFill;
    texts.push(
      text(cx, baseline, s, l.size, fill, {
        font: l.face === "mono" ? "mono" : "sans",
        weight: l.face === "sans-bold" ? 700 : 400,
        role: l.role,
      }),
    );
  }

  let badge: SceneNode["badge"] = null;
  if (nonfinite) {
    const label = BADGE_TEXT[nonfinite];
    const bw = badgeWidth(label);
    const bh = BOX.badgeHeight;
    // inside a pill's room, right of its text; on a box, across its top-right corner, above the
    // first line (boxes keep BOX.padY above their text); a pill laid out without room (a layout of
    // another step), above its right end
    const bx = room ? box.x + box.w - BOX.badgeInset - bw : box.x + box.w - bw + 4;
    const by = room ? box.y + (box.h - bh) / 2 : pill ? box.y - bh + 2 : box.y - 7;
    badge = {
      shape: shape(
        "pill",
        { x: bx, y: by, w: bw, h: bh },
        { fill: theme.nonfinite.badge, stroke: null, strokeWidth: 0 },
      ),
      text: text(bx + bw / 2, by + 9.75, label, BOX.badgeSize, theme.nonfinite.badgeText, {
        weight: 700,
        role: "badge",
      }),
    };
  }
  // the tag sits above the halo's left end, and ends left of the box's middle, where an input
  // arrow arrives and a corner badge starts
  const tagW = textWidth("origin", BOX.badgeSize, "sans-bold");
  const tagX = Math.min(box.x - 4, box.x + box.w / 2 - 5 - tagW);
  const originMark = origin
    ? {
        shape: shape(
          "rect",
          { x: box.x - 4, y: box.y - 4, w: box.w + 8, h: box.h + 8 },
          { fill: null, stroke: theme.nonfinite.stroke, strokeWidth: 1.5 },
          sh.shape === "rect" ? 8 : 0,
          "3 2",
        ),
        text: text(tagX, box.y - 7, "origin", BOX.badgeSize, theme.nonfinite.stroke, {
          anchor: "start",
          weight: 700,
          role: "tag",
        }),
      }
    : null;
  if (originMark && sh.shape === "pill") originMark.shape.rx = r2((box.h + 8) / 2);

  return {
    id: spec.id,
    kind,
    node: spec.node,
    x: box.x,
    y: box.y,
    w: box.w,
    h: box.h,
    body,
    texts,
    nonfinite,
    badge,
    origin,
    originMark,
    stub: spec.stub,
    stubFor: g?.stubFor ?? (spec.node !== null && spec.node !== spec.id ? spec.node : null),
    small: spec.small,
    collapsed: spec.collapsed,
    tensor: g ? g.tensor : null,
    grad: g ? g.grad : null,
    scope: g ? g.scope : null,
    line: g ? g.line : null,
    isNew: g ? g.isNew : false,
    changed,
  };
}

const VALUE_TEXT = new WeakMap<Trace, Map<string, string>>();

/** A record's value text at a size and width; records never change, so each is formatted once per trace. */
function valueOf(trace: Trace, rec: string | null, size: number, width: number): string | null {
  if (!rec) return null;
  const r = trace.tensors[rec];
  if (!r) return null;
  let cache = VALUE_TEXT.get(trace);
  if (!cache) VALUE_TEXT.set(trace, (cache = new Map()));
  const key = `${rec}|${size}|${width}`;
  let text = cache.get(key);
  if (text === undefined) {
    text = valueText(
      {
        values: previewValues(r),
        numel: numelOf(r.shape),
        dtype: r.dtype,
        summary: r.summary,
        shape: r.shape,
      },
      size,
      width,
    );
    cache.set(key, text);
  }
  return text;
}

// ---- legend ----

const KIND_LABELS: Record<string, string> = {
  leaf: "leaf (requires grad)",
  constant: "constant",
  tensor: "tensor (from an op)",
  op: "op",
  "grad-fn": "grad_fn",
  "accumulate-grad": "AccumulateGrad",
  stub: "reused tensor (proxy)",
  small: "Python number",
  scope: "collapsed scope",
};

/** What the legend shows: the kinds present and which marks occur. */
interface LegendFacts {
  present: Set<string>;
  nonfinite: boolean;
  origin: boolean;
  /** Some edge carries a finite grad: the magnitude ramp is explained. */
  grads: boolean;
}

function legendFacts(scene: Pick<Scene, "nodes" | "edges">): LegendFacts {
  const present = new Set<string>();
  let nonfinite = false;
  let origin = false;
  for (const n of scene.nodes) {
    if (n.stub && !n.small) present.add("stub");
    else if (n.small) present.add("small");
    else present.add(n.kind);
    nonfinite ||= n.nonfinite !== null;
    origin ||= n.origin;
  }
  let grads = false;
  for (const e of scene.edges) {
    nonfinite ||= e.nonfinite !== null;
    grads ||= e.gradMagnitude !== null;
  }
  return { present, nonfinite, origin, grads };
}

function buildLegend(
  facts: LegendFacts,
  theme: Theme,
  domain: [number, number] | null,
  top: number,
  maxW: number,
): SceneLegend | null {
  const shapes: SceneShape[] = [];
  const texts: SceneText[] = [];
  const { present } = facts;
  const order = ["leaf", "constant", "tensor", "op", "grad-fn", "accumulate-grad", "small", "stub", "scope"];
  const items: { key: string; draw: (x: number, y: number) => void; label: string }[] = [];
  for (const k of order) {
    if (!present.has(k)) continue;
    items.push({
      key: k,
      label: KIND_LABELS[k],
      draw: (x, y) => {
        const b = { x, y, w: 22, h: 14 };
        if (k === "stub") shapes.push(shape("rect", b, { ...theme.kinds.tensor }, 4, "4 3"));
        else if (k === "small") shapes.push(shape("pill", b, theme.kinds.constant));
        else if (k === "scope") shapes.push(shape("rect", b, theme.collapsed, 3));
        else
          shapes.push(
            shape(
              SHAPES[k as SceneKind].shape,
              b,
              theme.kinds[k as SceneKind],
              SHAPES[k as SceneKind].rx > 0 ? 4 : 0,
            ),
          );
      },
    });
  }
  if (facts.nonfinite) {
    items.push({
      key: "nonfinite",
      label: "nan / ±inf",
      draw: (x, y) => {
        shapes.push(
          shape(
            "rect",
            { x, y, w: 22, h: 14 },
            { fill: theme.nonfinite.fill, stroke: theme.nonfinite.stroke, strokeWidth: 2 },
            4,
          ),
        );
      },
    });
  }
  if (facts.origin) {
    items.push({
      key: "origin",
      label: "origin of the first nan / inf",
      draw: (x, y) => {
        shapes.push(
          shape(
            "rect",
            { x, y, w: 22, h: 14 },
            { fill: null, stroke: theme.nonfinite.stroke, strokeWidth: 1.5 },
            4,
            "3 2",
          ),
        );
      },
    });
  }
  const rampW = 120;
  const hasGrad = domain !== null && facts.grads;
  if (!items.length && !hasGrad) return null;

  // rows as wide as the picture (`maxW`, its right padding included); an item wider than that
  // gets a row of its own
  const pad = 12;
  const gap = 18;
  const rowH = 20;
  const right = maxW - pad;
  let x = pad;
  let y = top + pad;
  let width = 0;
  /** Starts a new row unless the row is empty or `w` more px still fit. */
  const fit = (w: number) => {
    if (x > pad && x + w > right) {
      x = pad;
      y += rowH;
    }
  };
  for (const it of items) {
    const w = 22 + 6 + textWidth(it.label, 11, "sans");
    fit(w);
    it.draw(x, y);
    texts.push(text(x + 28, y + 11, it.label, 11, theme.text, { anchor: "start", role: "legend" }));
    width = Math.max(width, x + w);
    x += w + gap;
  }
  if (hasGrad) {
    const label = "|grad| (log scale)";
    const [lo, hi] = domain!;
    const labelW = textWidth(label, 11, "sans");
    const loW = textWidth(pyExp(lo, 1), 10, "mono");
    const hiW = textWidth(pyExp(hi, 1), 10, "mono");
    // the ramp shrinks (to 40 px) before the label leaves its row
    const ends = loW + 4 + 4 + hiW;
    const rampIn = (room: number) => Math.min(rampW, Math.max(40, room - ends));
    let ramp = rampIn(right - x - labelW - 8);
    if (x > pad && x + labelW + 8 + ends + ramp > right) {
      x = pad;
      y += rowH;
      ramp = rampIn(right - x - labelW - 8);
    }
    texts.push(text(x, y + 11, label, 11, theme.text, { anchor: "start", role: "legend" }));
    x += labelW + 8;
    if (x + ends + ramp > right) {
      // still too narrow: the scale goes under its label
      width = Math.max(width, x - 8);
      x = pad;
      y += rowH;
      ramp = rampIn(right - x);
    }
    texts.push(
      text(x, y + 11, pyExp(lo, 1), 10, theme.muted, { anchor: "start", font: "mono", role: "legend" }),
    );
    x += loW + 4;
    const steps = 24;
    for (let i = 0; i < steps; i++) {
      const fill = theme.ramp((i + 0.5) / steps);
      shapes.push(
        shape(
          "rect",
          { x: x + (i * ramp) / steps, y: y + 3, w: ramp / steps + 0.5, h: 8 },
          { fill, stroke: null, strokeWidth: 0 },
        ),
      );
    }
    x += ramp + 4;
    texts.push(
      text(x, y + 11, pyExp(hi, 1), 10, theme.muted, { anchor: "start", font: "mono", role: "legend" }),
    );
    x += hiW;
    width = Math.max(width, x);
  }
  return { x: 0, y: top, w: r2(width + pad), h: r2(y + rowH + pad - top), shapes, texts };
}

/** The legend wraps to the picture's width, but not narrower than this (a one-node graph). */
const LEGEND_MIN_WIDTH = 200;

// ---- the scene ----

/** What a layout's boxes, specs and edge drawings are, by id: a layout never changes, so made once. */
interface LayoutIndex {
  boxes: Map<string, LayoutBox>;
  specs: Map<string, LayoutNodeSpec>;
  scopeSpecs: Map<string, Layout["graph"]["scopes"][number]>;
  /** Per layout edge: its points and path, in `layout.graph.edges` order. */
  edges: { points: Point[]; d: string; arrow: Point[] }[];
}

const LAYOUT_INDEX = new WeakMap<Layout, LayoutIndex>();

function layoutIndex(layout: Layout): LayoutIndex {
  let ix = LAYOUT_INDEX.get(layout);
  if (!ix) {
    const lg = layout.graph;
    const paths = new Map(layout.edges.map((p) => [p.id, p]));
    ix = {
      boxes: new Map(layout.nodes.map((b) => [b.id, b])),
      specs: new Map(lg.nodes.map((n) => [n.id, n])),
      scopeSpecs: new Map(lg.scopes.map((x) => [x.id, x])),
      edges: lg.edges.map((le) => {
        const points = paths.get(le.id)!.points;
        return { points, ...edgePath(points) };
      }),
    };
    LAYOUT_INDEX.set(layout, ix);
  }
  return ix;
}

/**
 * What a scene was built from and where its parts are, for the next step's `previous`. When the next
 * graph has the same nodes and edges (a backward step, say), only what changed is built again.
 */
interface SceneMemo {
  layout: Layout;
  trace: Trace;
  theme: Theme;
  showValues: boolean;
  /** The graph drawn (null when drawn for one iteration: then the whole scene is compared part by part). */
  graph: Graph | null;
  origins: Set<string>;
  changedNodes: Set<string>;
  changedEdges: Set<string>;
  /** Graph node / edge id → its index in `graph`. */
  nodeAt: Map<string, number>;
  edgeAt: Map<string, number>;
  /** Scene node / edge id → its index in the scene's arrays. */
  nodePos: Map<string, number>;
  edgePos: Map<string, number>;
}

const SCENE_MEMO = new WeakMap<Scene, SceneMemo>();

/** Per layout: the boxes that show each graph node (itself, its stubs made here, a collapsed scope), and each edge's index. */
interface LayoutLinks {
  boxesOf: Map<string, string[]>;
  edgeIndex: Map<string, number>;
}

const LAYOUT_LINKS = new WeakMap<Layout, LayoutLinks>();

function layoutLinks(layout: Layout): LayoutLinks {
  let links = LAYOUT_LINKS.get(layout);
  if (!links) {
    const lg = layout.graph;
    const boxesOf = new Map<string, string[]>();
    const add = (node: string, box: string) => {
      const list = boxesOf.get(node);
      if (!list) boxesOf.set(node, [box]);
      else if (!list.includes(box)) list.push(box);
    };
    for (const spec of lg.nodes) if (spec.node !== null) add(spec.node, spec.id);
    for (const [node, box] of Object.entries(lg.nodeOf)) add(node, box);
    links = { boxesOf, edgeIndex: new Map(lg.edges.map((e, i) => [e.id, i])) };
    LAYOUT_LINKS.set(layout, links);
  }
  return links;
}

export function buildScene(
  fullGraph: Graph,
  layout: Layout,
  state: SceneState,
  opts: SceneOptions = {},
): Scene {
  const { trace } = state;
  const iteration = opts.iteration ?? null;
  const graph = iteration === null ? fullGraph : sliceIteration(fullGraph, iteration);
  const theme = themeOf(opts.theme);
  const lg = layout.graph;
  const laidWithValues = lg.showValues;
  const showValues = (opts.showValues ?? laidWithValues) && laidWithValues;
  const { boxes, specs, scopeSpecs, edges: edgeGeo } = layoutIndex(layout);
  const changedNodes = new Set(state.step?.changedNodes ?? []);
  const changedEdges = new Set(state.step?.changedEdges ?? []);
  const origins = new Set(state.origins ?? findOrigins(trace, graph));
  const domain = gradDomain(trace);
  const scale = domain ? logScale(domain) : null;
  const prevMemo = state.previous ? SCENE_MEMO.get(state.previous) : undefined;
  const prev = prevMemo && prevMemo.layout === layout ? prevMemo : null;
  const prevScene = prev ? state.previous! : null;

  // graph node / edge ids → index: the same as the previous scene's when its graph has the same ids
  let nodeAt: Map<string, number>;
  let edgeAt: Map<string, number>;
  const pg = prev?.graph;
  let sameShape =
    !!pg &&
    iteration === null &&
    pg.view === graph.view &&
    pg.nodes.length === graph.nodes.length &&
    pg.edges.length === graph.edges.length;
  /** Graph nodes and edges whose object differs from the previous graph's (graphAt keeps unchanged ones). */
  const movedNodes: string[] = [];
  const movedEdges: string[] = [];
  if (sameShape) {
    for (let i = 0; i < graph.nodes.length && sameShape; i++) {
      const a = graph.nodes[i];
      const b = pg!.nodes[i];
      if (a === b) continue;
      if (a.id !== b.id) sameShape = false;
      else movedNodes.push(a.id);
    }
    for (let i = 0; i < graph.edges.length && sameShape; i++) {
      const a = graph.edges[i];
      const b = pg!.edges[i];
      if (a === b) continue;
      if (a.id !== b.id) sameShape = false;
      else movedEdges.push(a.id);
    }
  }
  if (sameShape) {
    nodeAt = prev!.nodeAt;
    edgeAt = prev!.edgeAt;
  } else {
    nodeAt = new Map();
    graph.nodes.forEach((n, i) => nodeAt.set(n.id, i));
    edgeAt = new Map();
    graph.edges.forEach((e, i) => edgeAt.set(e.id, i));
  }
  const sameInputs = !!prev && prev.trace === trace && prev.theme === theme && prev.showValues === showValues;

  const members: GraphEdge[] = [];
  /** The drawing of layout edge `li`, or null when none of its graph edges is visible; `old` is kept if unchanged. */
  const edgeOf = (li: number, old: SceneEdge | undefined): SceneEdge | null => {
    const le = lg.edges[li];
    members.length = 0;
    for (const id of le.members) {
      const i = edgeAt.get(id);
      if (i !== undefined) members.push(graph.edges[i]);
    }
    if (!members.length) return null;
    let nonfinite: NonFinite = null;
    for (const e of members) nonfinite = worstNonFinite(nonfinite, e.gradNonfinite);
    let grad: string | null = null;
    let mag: number | null = null;
    let gradStep: number | null = null;
    for (const e of members) {
      if (!e.grad) continue;
      const m = gradMagnitude(trace, e.grad);
      if (
        grad === null ||
        (e.gradNonfinite && e.gradNonfinite === nonfinite) ||
        (m !== null && (mag === null || m > mag))
      ) {
        grad = e.grad;
        mag = m;
      }
      if (e.gradStep !== null) gradStep = Math.max(gradStep ?? -1, e.gradStep);
    }
    let stroke = theme.edge;
    let strokeWidth = 1.25;
    let dash: string | null = null;
    if (nonfinite) {
      stroke = theme.nonfinite.stroke;
      strokeWidth = 2.5;
    } else if (grad !== null && mag === 0) {
      stroke = theme.zeroGrad;
      strokeWidth = 1.5;
      dash = "3 3";
    } else if (grad !== null && mag !== null && domain && scale) {
      stroke = rampColor(theme, domain, scale, mag);
      strokeWidth = 2.25;
    }
    const gradMag = nonfinite ? null : mag;
    let isNew = false;
    let changed = false;
    for (const e of members) {
      isNew ||= e.isNew;
      changed ||= changedEdges.has(e.id);
    }
    // most edges are as they were: compared field by field before anything is allocated
    if (
      old &&
      old.points === edgeGeo[li].points &&
      old.kind === le.kind &&
      old.source === le.source &&
      old.target === le.target &&
      old.stroke === stroke &&
      old.strokeWidth === strokeWidth &&
      old.dash === dash &&
      old.grad === grad &&
      old.gradMagnitude === gradMag &&
      old.nonfinite === nonfinite &&
      old.gradStep === gradStep &&
      old.isNew === isNew &&
      old.changed === changed &&
      sameMembers(old.members, members)
    )
      return old;
    const { points, d, arrow } = edgeGeo[li];
    return {
      id: le.id,
      kind: le.kind,
      source: le.source,
      target: le.target,
      members: members.map((e) => e.id),
      points,
      d,
      arrow,
      stroke,
      strokeWidth,
      dash,
      grad,
      gradMagnitude: gradMag,
      nonfinite,
      gradStep,
      flow: le.kind === "forward" ? "reverse" : "along",
      isNew,
      changed,
    };
  };

  /** The graph nodes in each collapsed scope box, made on first use. */
  let inBox: Map<string, GraphNode[]> | null = null;
  const insideOf = (box: string): GraphNode[] | undefined => {
    if (!inBox) {
      inBox = new Map();
      for (const n of graph.nodes) {
        const b = lg.nodeOf[n.id];
        if (b && b !== n.id) {
          if (!inBox.has(b)) inBox.set(b, []);
          inBox.get(b)!.push(n);
        }
      }
    }
    return inBox.get(box);
  };

  /** The drawing of box `spec` (visible: the caller knows); `old` is kept when what it shows did not change. */
  const nodeOf = (spec: LayoutNodeSpec, g: GraphNode | null, old: SceneNode | undefined): SceneNode => {
    const box = boxes.get(spec.id)!;
    const inside = spec.kind === "scope" ? (insideOf(spec.id) ?? []) : undefined;
    let nonfinite: NonFinite;
    let isNew: boolean;
    let origin: boolean;
    let changed: boolean;
    if (inside) {
      nonfinite = worstNonFinite(...inside.flatMap((m) => [m.nonfinite, m.gradNonfinite]));
      isNew = inside.some((m) => m.isNew);
      origin = inside.some((m) => origins.has(m.id));
      changed = inside.some((m) => changedNodes.has(m.id));
    } else {
      nonfinite = worstNonFinite(g!.nonfinite, g!.gradNonfinite);
      isNew = g!.isNew;
      origin = !spec.stub && origins.has(g!.id);
      changed = changedNodes.has(g!.id);
    }
    const members = inside ? inside.length : 0;
    const m = old ? NODE_MEMO.get(old) : undefined;
    // most nodes show what they showed: compared field by field before anything is built
    if (
      old &&
      m &&
      m.spec === spec &&
      m.box === box &&
      m.trace === trace &&
      m.theme === theme &&
      m.showValues === showValues &&
      m.tensor === (g ? g.tensor : null) &&
      m.grad === (g ? g.grad : null) &&
      m.stubFor === (g ? g.stubFor : null) &&
      m.scope === (g ? g.scope : null) &&
      m.line === (g ? g.line : null) &&
      m.isNew === isNew &&
      m.nonfinite === nonfinite &&
      m.members === members &&
      m.origin === origin &&
      m.changed === changed
    )
      return old;
    const input: NodeInput = { spec, box, g, nonfinite, members };
    const node = buildNode(input, trace, theme, showValues, laidWithValues, g ? origin : false, changed);
    if (inside) {
      node.isNew = isNew;
      node.origin = origin;
    }
    NODE_MEMO.set(node, {
      spec,
      box,
      trace,
      theme,
      showValues,
      tensor: g ? g.tensor : null,
      grad: g ? g.grad : null,
      stubFor: g ? g.stubFor : null,
      scope: g ? g.scope : null,
      line: g ? g.line : null,
      isNew,
      nonfinite,
      members,
      origin,
      changed,
    });
    return node;
  };

  /** The graph node a (non-scope) box shows, if visible. */
  const shownBy = (spec: LayoutNodeSpec): GraphNode | null => {
    if (spec.node === null) return null;
    const i = nodeAt.get(spec.node);
    return i === undefined ? null : graph.nodes[i];
  };

  /** The frames of expanded scopes around visible boxes, non-finite when a box inside is. */
  const scopesFor = (nodes: readonly SceneNode[], old: Map<string, SceneScope> | null): SceneScope[] => {
    const shownScopes = new Set<string>();
    const scopeNonfinite = new Map<string, NonFinite>();
    for (const node of nodes) {
      for (let p = specs.get(node.id)?.parent ?? null; p; p = specs.get(p)?.parent ?? null) {
        shownScopes.add(p);
        scopeNonfinite.set(p, worstNonFinite(scopeNonfinite.get(p) ?? null, node.nonfinite));
      }
    }
    const scopes: SceneScope[] = [];
    if (!shownScopes.size) return scopes;
    for (const spec of lg.nodes) {
      if (spec.kind !== "scope" || spec.collapsed || !shownScopes.has(spec.id)) continue;
      const b = boxes.get(spec.id)!;
      const nf = scopeNonfinite.get(spec.id) ?? null;
      const o = old?.get(spec.id);
      const om = o ? SCOPE_MEMO.get(o) : undefined;
      if (o && om && om.spec === spec && om.theme === theme && o.nonfinite === nf) {
        scopes.push(o);
        continue;
      }
      const s = theme.kinds.scope;
      const sc = scopeSpecs.get(spec.id);
      const scope: SceneScope = {
        id: spec.id,
        path: sc ? sc.path : spec.title,
        x: b.x,
        y: b.y,
        w: b.w,
        h: b.h,
        body: shape(
          "rect",
          b,
          {
            fill: theme.scopeFill,
            stroke: nf ? theme.nonfinite.stroke : theme.scopeStroke,
            strokeWidth: s.strokeWidth,
          },
          6,
          "5 3",
        ),
        label: text(
          b.x + BOX.scopePad,
          b.y + 15,
          fitText(spec.title, BOX.titleSize, b.w - 2 * BOX.scopePad, "sans-bold"),
          BOX.titleSize,
          s.text,
          {
            anchor: "start",
            weight: 700,
            role: "scope",
          },
        ),
        nonfinite: nf,
      };
      SCOPE_MEMO.set(scope, { spec, theme });
      scopes.push(scope);
    }
    return scopes;
  };

  let nodes: SceneNode[];
  let edges: SceneEdge[];
  let scopes: SceneScope[];
  let nodePos: Map<string, number>;
  let edgePos: Map<string, number>;
  if (sameShape && sameInputs) {
    // the same boxes and edges are visible: only those whose graph object or flags changed are drawn again
    nodePos = prev!.nodePos;
    edgePos = prev!.edgePos;
    edges = prevScene!.edges.slice();
    const dirtyEdges = new Set(movedEdges);
    for (const id of changedEdges) dirtyEdges.add(id);
    for (const id of prev!.changedEdges) dirtyEdges.add(id);
    for (const id of dirtyEdges) {
      const le = lg.edgeOf[id];
      const pos = le === undefined ? undefined : edgePos.get(le);
      if (pos === undefined) continue;
      edges[pos] = edgeOf(layoutLinks(layout).edgeIndex.get(le!)!, edges[pos])!;
    }
    nodes = prevScene!.nodes.slice();
    const dirtyNodes = new Set(movedNodes);
    for (const id of changedNodes) dirtyNodes.add(id);
    for (const id of prev!.changedNodes) dirtyNodes.add(id);
    for (const id of origins) if (!prev!.origins.has(id)) dirtyNodes.add(id);
    for (const id of prev!.origins) if (!origins.has(id)) dirtyNodes.add(id);
    let nonfiniteMoved = false;
    const boxesOf = layoutLinks(layout).boxesOf;
    for (const id of dirtyNodes) {
      for (const boxId of boxesOf.get(id) ?? []) {
        const pos = nodePos.get(boxId);
        if (pos === undefined) continue;
        const spec = specs.get(boxId)!;
        const old = nodes[pos];
        const node = nodeOf(spec, spec.kind === "scope" ? null : shownBy(spec), old);
        nonfiniteMoved ||= node.nonfinite !== old.nonfinite;
        nodes[pos] = node;
      }
    }
    scopes = nonfiniteMoved
      ? scopesFor(nodes, new Map(prevScene!.scopes.map((x) => [x.id, x])))
      : prevScene!.scopes;
  } else {
    const oldEdges = prevScene ? new Map(prevScene.edges.map((x) => [x.id, x])) : null;
    const oldNodes = prevScene ? new Map(prevScene.nodes.map((x) => [x.id, x])) : null;
    // edges first: a proxy stub is visible when one of its edges is
    const touched = new Set<string>();
    edges = [];
    edgePos = new Map();
    for (let li = 0; li < lg.edges.length; li++) {
      const le = lg.edges[li];
      const edge = edgeOf(li, oldEdges?.get(le.id));
      if (!edge) continue;
      touched.add(le.source);
      touched.add(le.target);
      edgePos.set(edge.id, edges.length);
      edges.push(edge);
    }
    nodes = [];
    nodePos = new Map();
    for (const spec of lg.nodes) {
      if (spec.kind === "scope" && !spec.collapsed) continue;
      let g: GraphNode | null = null;
      if (spec.kind === "scope") {
        if (!insideOf(spec.id)) continue;
      } else {
        g = shownBy(spec);
        if (!g) continue;
        const madeHere = spec.id !== spec.node;
        if (madeHere && !touched.has(spec.id)) continue;
      }
      const node = nodeOf(spec, g, oldNodes?.get(spec.id));
      nodePos.set(node.id, nodes.length);
      nodes.push(node);
    }
    scopes = scopesFor(nodes, prevScene ? new Map(prevScene.scopes.map((x) => [x.id, x])) : null);
  }
  const memo: SceneMemo = {
    layout,
    trace,
    theme,
    showValues,
    graph: iteration === null ? graph : null,
    origins,
    changedNodes,
    changedEdges,
    nodeAt,
    edgeAt,
    nodePos,
    edgePos,
  };

  // nothing visible: a small picture that says so, rather than an empty or 0×0 one
  let areaW = layout.width;
  let areaH = layout.height;
  const message: SceneText[] = [];
  if (nodes.length === 0 && scopes.length === 0) {
    const why =
      layout.nodes.length > 0
        ? "nothing yet at this step"
        : graph.view === "autograd"
          ? "no op on a tensor that requires grad"
          : "no tensor was made";
    const head = "nothing to draw in this view";
    areaW = r2(Math.max(areaW, textWidth(head, 12, "sans") + 48, textWidth(why, 10, "sans") + 48));
    areaH = r2(Math.max(areaH, 64));
    message.push(
      text(areaW / 2, areaH / 2 - 2, head, 12, theme.text, { role: "message" }),
      text(areaW / 2, areaH / 2 + 13, why, 10, theme.muted, { role: "message" }),
    );
  }

  const wantLegend = opts.legend ?? true;
  let legend: SceneLegend | null = null;
  if (wantLegend) {
    const facts = legendFacts({ nodes, edges });
    const maxW = Math.max(areaW, LEGEND_MIN_WIDTH);
    const memo: LegendMemo = {
      key: `${[...facts.present].sort().join(",")}|${facts.nonfinite}|${facts.origin}|${facts.grads}|${areaH}|${maxW}`,
      theme,
      domain,
    };
    const old = state.previous?.legend;
    const oldMemo = old ? LEGEND_MEMO.get(old) : undefined;
    if (
      prev &&
      old &&
      oldMemo &&
      oldMemo.key === memo.key &&
      oldMemo.theme === theme &&
      oldMemo.domain === domain
    )
      legend = old;
    else {
      legend = buildLegend(facts, theme, domain, areaH, maxW);
      if (legend) LEGEND_MEMO.set(legend, memo);
    }
  }
  const width = r2(Math.max(areaW, legend ? legend.w : 0));
  const height = r2(areaH + (legend ? legend.h : 0));
  const displayWidth = opts.width ? r2(opts.width) : width;
  const displayHeight = opts.width ? r2((height * opts.width) / (width || 1)) : height;

  const total = trace.events.length;
  const viewText =
    graph.view === "values"
      ? "values view (tensors and the ops between them)"
      : "autograd view (grad_fn nodes that backward walks)";
  const nfNodes = nodes.filter((n) => n.nonfinite).length;
  const title = opts.title ?? trace.meta.title ?? "gradlens computation graph";
  const desc =
    `Computation graph, ${viewText}, ` +
    (iteration === null ? "" : `iteration ${iteration}, `) +
    `after step ${graph.step + 1} of ${total}: ` +
    `${nodes.length} nodes, ${edges.length} edges` +
    (nfNodes ? `; ${nfNodes} nodes hold nan or infinite values` : "") +
    ". Made by gradlens.";

  const scene: Scene = {
    width,
    height,
    displayWidth,
    displayHeight,
    theme: theme.name,
    title,
    desc,
    background: theme.background,
    fonts: { sans: SANS_STACK, mono: MONO_STACK },
    textColor: theme.text,
    scopes,
    edges,
    nodes,
    legend,
    message,
    gradDomain: domain,
  };
  SCENE_MEMO.set(scene, memo);
  return scene;
}
