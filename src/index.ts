/**
 * The package's main entry, `import { tensor, noGrad } from "gradlens"`: the engine's public API.
 * The trace lives at "gradlens/trace", rendering at "gradlens/render".
 */
export * from "./engine/index.ts";
