/** The tfjs-cpu peer: @tensorflow/tfjs-core with the CPU backend, in production mode, gradients registered. */
import { register } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

export const PEER = "tfjs-cpu";

let ready: Promise<typeof tf> | null = null;

export function loadTf(): Promise<typeof tf> {
  ready ??= (async () => {
    // tfjs-core's Node bundle has no gradients; they come from its ESM build (as @tensorflow/tfjs
    // imports them), which needs bundler-style resolution. Registries are global, so one copy serves.
    register("./tfjs-resolve.mjs", import.meta.url);
    await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
    // production mode: no debug checks, and no "install tfjs-node" banner among our JSON lines
    tf.enableProdMode();
    await tf.setBackend("cpu");
    await tf.ready();
    return tf;
  })();
  return ready;
}
