/**
 * ELK for the browser: layout runs in a Web Worker so the page never freezes on a big graph. The
 * worker script is ELK's own (a classic script), served by Vite as an asset URL.
 */
/// <reference types="vite/client" />
import ELK from "elkjs/lib/elk-api.js";
import elkWorkerUrl from "elkjs/lib/elk-worker.min.js?url";
import type { ElkLike } from "./elk.ts";

/** A worker-backed ELK; `terminate()` stops the worker (e.g. to abandon a layout that takes too long). */
export function createWorkerElk(): ElkLike & { terminate(): void } {
  const elk = new ELK({
    workerUrl: elkWorkerUrl,
    workerFactory: (url?: string) => new Worker(url ?? elkWorkerUrl),
  });
  return {
    layout: (graph) => elk.layout(graph),
    terminate: () => elk.terminateWorker(),
  };
}
