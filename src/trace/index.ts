/** The trace: gradlens' file format, the recorder that writes it, and the graph model read from it. */
export * from "./schema.ts";
export {
  decodeValue,
  encodeData,
  encodeValue,
  formatFloat32,
  type NonFinite,
  nonFiniteOf,
  previewValues,
  summarize,
  tensorValues,
} from "./values.ts";
export { record, Recorder, type RecorderOptions, type RecordResult } from "./recorder.ts";
export {
  type EdgeKind,
  type Graph,
  type GraphEdge,
  type GraphNode,
  type GraphOptions,
  graphAt,
  graphFull,
  type Iteration,
  iterationOf,
  iterations,
  type NodeKind,
  stateAt,
  type StepState,
  type View,
} from "./graph.ts";
export { parseTrace, serializeTrace, TraceFormatError } from "./io.ts";
