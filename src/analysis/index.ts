/**
 * Analysis over a trace (issue 5): where non-finite values are born and how they spread, per-node
 * health, gradient magnitudes, training runs and their compaction, gradient checks and what-if
 * replays. Plain functions over a Trace; no DOM.
 */
export { type Cause, type CauseStep, explainBackward, explainCreate, explainForward } from "./explain.ts";
export { elementName, expr, fmt } from "./format.ts";
export { type Health, health, healthOfSummary, nodeHealth, normOf } from "./health.ts";
export {
  DEFAULT_EXPLODE_ABOVE,
  DEFAULT_VANISH_BELOW,
  type EdgeMagnitude,
  gradMagnitudes,
  type GradMagnitudes,
  type LeafMagnitude,
  logDomain,
  logScale01,
  type MagnitudeFlag,
  magnitudeFlag,
  type MagnitudeOptions,
  type Thresholds,
} from "./magnitude.ts";
export {
  backwardOrigin,
  forwardOrigin,
  nonFiniteOrigin,
  type NonFiniteReport,
  type Origin,
} from "./origin.ts";
export { spreadPath, type SpreadPath, type SpreadView } from "./spread.ts";
export {
  type BadIteration,
  type CompactOptions,
  type CompactRun,
  compactTrace,
  firstBadIteration,
  type IterationStats,
  keptIterations,
  type Param,
  parseRun,
  serializeRun,
  subTrace,
  trainingRun,
  type TrainingRun,
} from "./training.ts";
export { gradcheck, type GradcheckOptions, type GradcheckResult, type GradcheckRow } from "./gradcheck.ts";
export {
  change,
  type ChangedRecord,
  type Editable,
  editables,
  replay,
  type ReplayChanges,
  ReplayError,
  type ReplayResult,
  whatIf,
  type WhatIfResult,
} from "./replay.ts";
export { type CheckReport, checkReport } from "./report.ts";
