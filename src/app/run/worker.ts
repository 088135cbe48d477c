/// <reference lib="webworker" />
/**
 * The run worker: runs one program at a time off the page's thread, Python on Pyodide (loaded on
 * first use and kept) or JavaScript on the engine directly, and posts back the output and the trace.
 */
import { browserRuntime } from "../../python/browser.ts";
import type { PythonRuntime } from "../../python/runtime.ts";
import { runJavaScript } from "./javascript.ts";
import {
  type FromWorker,
  type ProgramError,
  type RunRequest,
  type ToWorker,
  tracebackLine,
} from "./protocol.ts";

const scope = self as unknown as DedicatedWorkerGlobalScope;
let interrupt: Int32Array | null = null;
let runtime: PythonRuntime | null = null;

function post(msg: FromWorker): void {
  scope.postMessage(msg);
}

/** Pyodide's files, served beside the app (see vite.config.ts). */
function pyodideIndexURL(): string {
  return new URL(`${import.meta.env.BASE_URL}pyodide/`, scope.location.origin).href;
}

async function runPython(req: RunRequest): Promise<void> {
  if (!runtime) {
    post({ type: "loading", id: req.id, what: "Python (Pyodide)" });
    runtime = await browserRuntime(pyodideIndexURL());
    if (interrupt) runtime.pyodide.setInterruptBuffer(interrupt);
  }
  if (interrupt) Atomics.store(interrupt, 0, 0);
  post({ type: "started", id: req.id });
  const filename = "prog.py";
  const res = runtime.run(req.source, {
    filename,
    timeoutMs: req.timeoutMs,
    trace: { title: req.title },
    onStdout: (text) => post({ type: "output", id: req.id, stream: "stdout", text }),
    onStderr: (text) => post({ type: "output", id: req.id, stream: "stderr", text }),
  });
  const error: ProgramError | null = res.error
    ? { ...res.error, line: tracebackLine(res.error.traceback, filename) }
    : null;
  post({
    type: "done",
    id: req.id,
    stdout: res.stdout,
    stderr: res.stderr,
    error,
    trace: res.trace,
    elapsedMs: res.elapsedMs,
  });
}

function runJs(req: RunRequest): void {
  post({ type: "started", id: req.id });
  const res = runJavaScript(req.source, {
    title: req.title,
    onStdout: (text) => post({ type: "output", id: req.id, stream: "stdout", text }),
    onStderr: (text) => post({ type: "output", id: req.id, stream: "stderr", text }),
  });
  post({ type: "done", id: req.id, ...res });
}

scope.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === "interrupt-buffer") {
    interrupt = new Int32Array(msg.buffer);
    runtime?.pyodide.setInterruptBuffer(interrupt);
    return;
  }
  try {
    if (msg.language === "python") await runPython(msg);
    else runJs(msg);
  } catch (e) {
    const ex = e instanceof Error ? e : new Error(String(e));
    post({
      type: "done",
      id: msg.id,
      stdout: "",
      stderr: "",
      error: { type: ex.name, message: ex.message, traceback: String(ex.stack ?? ex.message), line: null },
      trace: null,
      elapsedMs: 0,
    });
  }
};
