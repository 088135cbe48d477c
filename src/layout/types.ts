/**
 * The layout's plain data: what is laid out (LayoutGraph, from the trace's graph model) and where
 * it went (Layout). Both are JSON-serializable so a worker can post them and a test can snapshot them.
 */
import type { DType } from "../trace/schema.ts";
import type { EdgeKind, NodeKind, View } from "../trace/graph.ts";

export type Direction = "DOWN" | "RIGHT";
export type BoxKind = NodeKind | "scope";

export interface Point {
  x: number;
  y: number;
}

export interface Size {
  w: number;
  h: number;
}

/** One box ELK places: a graph node, a proxy stub, or a scope (expanded: compound; collapsed: one box). */
export interface LayoutNodeSpec {
  /** Graph node id; a stub made here `<original>@<consumer>`; a scope `scope:<path>#<n>` or `iter:<k>`. */
  id: string;
  kind: BoxKind;
  /** The enclosing expanded scope, or null at top level. */
  parent: string | null;
  /** The graph node whose content this box shows (a stub: its original), null for scopes. */
  node: string | null;
  /** A proxy drawn where a far-away tensor is used (graph.ts's `stubFor`, or made here). */
  stub: boolean;
  /** A wrapped Python number (`x * 2.0`): a small pill with its value. */
  small: boolean;
  /** Scopes: drawn as one box standing for `members` graph nodes. */
  collapsed: boolean;
  members: number;
  /** Text measured for the box: a name, an op name, a grad_fn name, a scope name. */
  title: string;
  shape: number[] | null;
  dtype: DType | null;
  /** The box reserves a line for a grad (values: tensors grads reach; autograd: every node). */
  mayHaveGrad: boolean;
  /** A pill that keeps room beside its text for a nan / ±inf badge (it shows one at some step). */
  badge: boolean;
}

/** One edge ELK routes; `members` are the graph edges it draws (several when merged into a collapsed scope). */
export interface LayoutEdgeSpec {
  id: string;
  source: string;
  target: string;
  kind: EdgeKind;
  members: string[];
}

export interface ScopeSpec {
  id: string;
  /** Scope path (`model/fc1`), or `iteration <k>` for a synthetic iteration group. */
  path: string;
  label: string;
  depth: number;
  parent: string | null;
  collapsed: boolean;
  /** Graph nodes inside, at any depth. */
  members: number;
}

export interface LayoutGraph {
  view: View;
  direction: Direction;
  /** Parents before children; otherwise in graph order (ELK is deterministic for a given order). */
  nodes: LayoutNodeSpec[];
  edges: LayoutEdgeSpec[];
  scopes: ScopeSpec[];
  /** Graph node id → the layout box that shows it (itself, or the collapsed scope hiding it). */
  nodeOf: Record<string, string>;
  /** Graph edge id → the layout edge that draws it; absent when hidden inside a collapsed scope. */
  edgeOf: Record<string, string>;
  /** Graph node id → stubs made here for it (its uses drawn by proxy). */
  stubsOf: Record<string, string[]>;
  /** True when even the most collapsed form has more boxes than `maxNodes`. */
  oversize: boolean;
  showValues: boolean;
}

export interface LayoutBox {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  parent: string | null;
}

export interface LayoutPath {
  id: string;
  /** Absolute coordinates from the source box's border to the target box's border. */
  points: Point[];
}

/** Where everything went: absolute coordinates, rounded to 1/100 px; order as in `graph`. */
export interface Layout {
  nodes: LayoutBox[];
  edges: LayoutPath[];
  width: number;
  height: number;
  graph: LayoutGraph;
}
