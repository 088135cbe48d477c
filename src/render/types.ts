/**
 * The Scene: everything drawn, as plain serializable geometry (xyflow style). The SVG export
 * serializes it; the app's components only bind it to markup. Coordinates are the layout's, in px.
 */
import type { Point } from "../layout/types.ts";
import type { NonFinite } from "../trace/values.ts";
import type { ThemeName } from "./theme.ts";

export type ShapeKind = "rect" | "pill" | "octagon";

export interface SceneShape {
  shape: ShapeKind;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Corner radius (rect). */
  rx: number;
  fill: string | null;
  stroke: string | null;
  strokeWidth: number;
  /** SVG dash array, or null for a solid line. */
  dash: string | null;
}

export interface SceneText {
  x: number;
  y: number;
  text: string;
  size: number;
  font: "sans" | "mono";
  weight: 400 | 700;
  fill: string;
  anchor: "start" | "middle" | "end";
  /** What the line says: title, shape, value, grad, count, badge, tag, legend, scope. */
  role: string;
}

export interface SceneBadge {
  shape: SceneShape;
  text: SceneText;
}

/** `data-kind` values: the node kinds of the issue, plus op nodes (values view) and collapsed scopes. */
export type SceneKind = "leaf" | "constant" | "tensor" | "grad-fn" | "accumulate-grad" | "op" | "scope";

export interface SceneNode {
  /** Layout box id: the graph node id, a stub id `<node>@<consumer>`, or a collapsed scope's id. */
  id: string;
  kind: SceneKind;
  /** The graph node whose content is shown (a stub: its original); null for collapsed scopes. */
  node: string | null;
  x: number;
  y: number;
  w: number;
  h: number;
  body: SceneShape;
  texts: SceneText[];
  /** nan / inf / -inf when the value or the grad holds one (nan wins over inf, inf over -inf). */
  nonfinite: NonFinite;
  badge: SceneBadge | null;
  /** The first op that made a non-finite number out of finite ones (forward or backward). */
  origin: boolean;
  /** Drawn around an origin: a halo and an "origin" tag. */
  originMark: { shape: SceneShape; text: SceneText } | null;
  stub: boolean;
  /** For a stub: the graph node it stands for. */
  stubFor: string | null;
  small: boolean;
  collapsed: boolean;
  /** Tensor record shown (values), the grad record reached here, for the inspector. */
  tensor: string | null;
  grad: string | null;
  scope: string | null;
  line: number | null;
  /** Appeared, or changed (grad arrived), at this very step: the app animates these. */
  isNew: boolean;
  changed: boolean;
}

export interface SceneEdge {
  id: string;
  kind: "forward" | "backward";
  source: string;
  target: string;
  /** Graph edges drawn by this one (several when merged into a collapsed scope). */
  members: string[];
  points: Point[];
  /** SVG path data, orthogonal with rounded bends, ending at the arrow's base. */
  d: string;
  arrow: Point[];
  stroke: string;
  strokeWidth: number;
  dash: string | null;
  /** The grad record that flowed along this edge in the current backward pass, and its L2 norm. */
  grad: string | null;
  gradMagnitude: number | null;
  nonfinite: NonFinite;
  /** Event at which the grad passed: the order of the backward animation. */
  gradStep: number | null;
  /** "reverse": gradients travel from target to source (values view: forward edges, backward drawn on them). */
  flow: "along" | "reverse";
  isNew: boolean;
  changed: boolean;
}

export interface SceneScope {
  id: string;
  path: string;
  x: number;
  y: number;
  w: number;
  h: number;
  body: SceneShape;
  label: SceneText;
  nonfinite: NonFinite;
}

export interface SceneLegend {
  x: number;
  y: number;
  w: number;
  h: number;
  shapes: SceneShape[];
  texts: SceneText[];
}

export interface Scene {
  /** The viewBox is `0 0 width height`. */
  width: number;
  height: number;
  /** The size the SVG asks for (the `width` option scales the picture). */
  displayWidth: number;
  displayHeight: number;
  theme: ThemeName;
  title: string;
  desc: string;
  background: string | null;
  fonts: { sans: string; mono: string };
  textColor: string;
  scopes: SceneScope[];
  edges: SceneEdge[];
  nodes: SceneNode[];
  legend: SceneLegend | null;
  /** Centered lines saying why nothing is drawn (no node visible in this view at this step); else empty. */
  message: SceneText[];
  /** Magnitude scale of the edge colours (log10 domain), null when no grad has flowed. */
  gradDomain: [number, number] | null;
}
