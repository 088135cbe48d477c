/** The engine's public API: `import { tensor, noGrad } from "gradlens"`. */
export { Tensor, type Operand, type TensorStorage } from "./tensor.ts";
export * from "./ops/index.ts";
export {
  noGrad,
  enableGrad,
  isGradEnabled,
  setGradEnabled,
  setDetectAnomaly,
  isAnomalyEnabled,
  runBackward,
  Node,
  AccumulateGrad,
} from "./autograd.ts";
export { addListener, type EngineEvent, type EngineListener } from "./events.ts";
export { TorchError, MSG, type PyErrorType } from "./errors.ts";
export type { DType } from "./dtype.ts";
export { reprTensor } from "./repr.ts";
