/** Every op of the engine, as plain functions over tensors. Each file registers its ops. */
export * from "./elementwise.ts";
export * from "./reduce.ts";
export * from "./linalg.ts";
export * from "./view.ts";
export * from "./nn.ts";
export * from "./creation.ts";
export * from "./indexing.ts";
export * from "./norm.ts";
export * from "./conv.ts";
export * from "./math.ts";
