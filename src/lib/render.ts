/**
 * `gradlens/render`: traces to pictures in Node. renderSvg(trace, opts) is the one-call API (bundled
 * ELK, the app's renderer, same bytes for the same input); renderPng rasterizes with resvg.
 */
export * from "../render/index.ts";
export {
  renderSvg,
  layoutTrace,
  resolveStep,
  resolveIteration,
  type RenderOptions,
  type StepSpec,
} from "../render/export.ts";
export { svgToPng, type PngOptions } from "./png.ts";
