/** Layout: graph model → prepared graph (stubs, scopes, collapse) → ELK JSON → positions. ELK is injected. */
export * from "./types.ts";
export {
  BOX,
  boxLines,
  boxSize,
  shapeText,
  numelOf,
  valueChars,
  countText,
  type BoxLine,
  type LineRole,
} from "./box.ts";
export { SANS_STACK, MONO_STACK, textWidth, fitText, charAdvance, type FontFace } from "./text.ts";
export {
  prepareGraph,
  longestPathLayers,
  MAX_NODES,
  STUB_SPAN,
  PART_SIZE,
  COST_FACTOR,
  CROSSING_COST,
  type PrepareOptions,
} from "./prepare.ts";
export {
  toElk,
  fromElk,
  elkOptions,
  measureGraph,
  layoutGraph,
  layoutModel,
  components,
  packComponents,
  type ElkLike,
  type ElkAdapterOptions,
} from "./elk.ts";
