/** Render: graph + layout + step → Scene (plain geometry) → standalone SVG. Browser-safe: no ELK here. */
export * from "./types.ts";
export {
  buildScene,
  sliceIteration,
  logScale,
  findOrigins,
  originReport,
  gradDomain,
  gradMagnitude,
  worstNonFinite,
  edgePath,
  type SceneOptions,
  type SceneState,
} from "./scene.ts";
export { sceneToSvg, num, type SvgOptions } from "./svg.ts";
export { escapeXml } from "./escape.ts";
export { formatValues, formatScalar, floatMode, valueText, type ValueSource } from "./format.ts";
export { THEMES, themeOf, type Theme, type ThemeName, type KindStyle } from "./theme.ts";
