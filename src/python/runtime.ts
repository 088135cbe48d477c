/**
 * Python mode: real CPython (Pyodide) running the user's program with a `torch` package written in
 * Python (src/python/py/) that forwards every call to the gradlens engine.
 *
 * This module is shared by Node and the browser: it imports nothing Node-only. The shim's Python
 * sources come from the caller (node.ts reads them from disk, browser.ts bundles them with Vite).
 */
import { loadPyodide, type PyodideInterface } from "pyodide";
import { addListener } from "../engine/events.ts";
import { Recorder, type RecorderOptions } from "../trace/recorder.ts";
import type { Trace } from "../trace/schema.ts";
import { type Bridge, createBridge } from "./bridge.ts";

/** Where the shim's packages live in Pyodide's file system (first on sys.path). */
export const SHIM_DIR = "/gradlens";
/** The name the shim imports the engine bridge by. */
export const BRIDGE_MODULE = "_gradlens_engine";

export interface LoadOptions {
  /** The folder (Node) or URL (browser) of the pyodide package's files. */
  indexURL: string;
  /** The shim's Python files by path relative to src/python/py/ (`torch/__init__.py`). */
  sources: Record<string, string>;
}

export interface RunOptions {
  /** The name tracebacks and warnings show for the program. Default `prog.py`. */
  filename?: string;
  /** Record a trace (default true); recorder options may be given. */
  trace?: boolean | RecorderOptions;
  /**
   * Stop a program that runs longer than this (checked between the program's lines, so a loop
   * without Python lines in it, e.g. inside a C builtin, is not stopped). Default: no limit.
   */
  timeoutMs?: number;
  /** Text as the program writes it, for streaming; the result has it all as well. */
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
}

/** An exception the program did not catch. */
export interface PyError {
  /** The Python exception type (`RuntimeError`). */
  type: string;
  message: string;
  /** The traceback as Python prints it, with the shim's own frames left out. */
  traceback: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  error: PyError | null;
  /** What `python prog.py` would exit with: 0, 1 after an uncaught exception, or sys.exit's code. */
  exitCode: number;
  trace: Trace | null;
  /** Wall time of the program alone, in ms. */
  elapsedMs: number;
}

interface Stream {
  text: string;
  decoder: TextDecoder;
  listener: ((text: string) => void) | undefined;
}

function newStream(listener?: (text: string) => void): Stream {
  return { text: "", decoder: new TextDecoder(), listener };
}

/** A loaded Pyodide with the shim installed. Runs one program at a time (Pyodide is single-threaded). */
export class PythonRuntime {
  readonly pyodide: PyodideInterface;
  readonly bridge: Bridge;
  private readonly runner: { run: (...args: unknown[]) => { toJs(): unknown[]; destroy(): void } };
  private out: Stream = newStream();
  private err: Stream = newStream();

  private constructor(pyodide: PyodideInterface, bridge: Bridge) {
    this.pyodide = pyodide;
    this.bridge = bridge;
    const write = (which: () => Stream) => (buf: Uint8Array) => {
      const s = which();
      const text = s.decoder.decode(buf, { stream: true });
      s.text += text;
      s.listener?.(text);
      return buf.length;
    };
    pyodide.setStdout({ write: write(() => this.out) });
    pyodide.setStderr({ write: write(() => this.err) });
    // input() fails instead of waiting for a terminal that is not there
    pyodide.setStdin({ error: true });
    this.runner = pyodide.pyimport("gradlens_runner") as never;
  }

  static async load(opts: LoadOptions): Promise<PythonRuntime> {
    const pyodide = await loadPyodide({ indexURL: opts.indexURL, fullStdLib: false });
    installSources(pyodide, opts.sources);
    // Pyodide's internal module: its HEAP32 view is replaced when wasm memory grows, so read it each time
    const module = (pyodide as unknown as { _module: { HEAP32: Int32Array; HEAPF64: Float64Array } })._module;
    const bridge = createBridge(
      () => module.HEAP32,
      () => module.HEAPF64,
    );
    pyodide.registerJsModule(BRIDGE_MODULE, bridge);
    pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(SHIM_DIR)})`);
    return new PythonRuntime(pyodide, bridge);
  }

  /** Runs a whole program, as `python prog.py` would, on a fresh `__main__`. */
  run(source: string, opts: RunOptions = {}): RunResult {
    const filename = opts.filename ?? "prog.py";
    const recOpts = typeof opts.trace === "object" ? opts.trace : {};
    const recorder =
      opts.trace === false ? null : new Recorder({ program: { language: "python", source }, ...recOpts });
    // ahead of the recorder's own listener: each event gets the line that made it
    const unlisten = recorder ? addListener(this.bridge.syncLine) : null;
    recorder?.start();
    this.out = newStream(opts.onStdout);
    this.err = newStream(opts.onStderr);
    this.bridge.setHooks(recorder);
    this.bridge.collectWarnings(true);
    const t0 = performance.now();
    let res: unknown[];
    try {
      const proxy = this.runner.run(
        source,
        filename,
        opts.timeoutMs ? opts.timeoutMs / 1000 : undefined,
        recorder !== null,
      );
      res = proxy.toJs();
      proxy.destroy();
    } finally {
      this.bridge.collectWarnings(false);
      this.bridge.setHooks(null);
      unlisten?.();
    }
    const elapsedMs = performance.now() - t0;
    const trace = recorder ? recorder.stop() : null;
    const [type, message, traceback, exitCode] = res as [string | undefined, string, string, number];
    return {
      stdout: this.out.text + this.out.decoder.decode(),
      stderr: this.err.text + this.err.decoder.decode(),
      error: type ? { type, message, traceback } : null,
      exitCode,
      trace,
      elapsedMs,
    };
  }
}

function installSources(pyodide: PyodideInterface, sources: Record<string, string>): void {
  for (const [path, text] of Object.entries(sources)) {
    const full = `${SHIM_DIR}/${path}`;
    pyodide.FS.mkdirTree(full.slice(0, full.lastIndexOf("/")));
    pyodide.FS.writeFile(full, text);
  }
}
