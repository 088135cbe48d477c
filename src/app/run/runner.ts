/**
 * The page's side of running a program: one worker, reused between runs; a time limit counted from
 * the moment the program starts (not while Pyodide loads); Stop and the limit first interrupt Python
 * (KeyboardInterrupt through Pyodide's interrupt buffer, when the page is cross-origin isolated) and,
 * if the program does not give up within a grace period, terminate the worker. A terminated worker is
 * replaced on the next run, so the page always keeps working.
 */
import type { Trace } from "../../trace/schema.ts";
import type { Language } from "../hash.ts";
import type { FromWorker, ProgramError, ToWorker } from "./protocol.ts";

/** What the runner needs of a Worker (a fake in tests). */
export interface WorkerLike {
  postMessage(msg: ToWorker): void;
  terminate(): void;
  onmessage: ((ev: MessageEvent<FromWorker>) => void) | null;
  onerror: ((ev: ErrorEvent) => void) | null;
}

export interface RunOutcome {
  stdout: string;
  stderr: string;
  error: ProgramError | null;
  trace: Trace | null;
  elapsedMs: number;
  /** Why the run ended early: the time limit, or the user's Stop. */
  stopped: "timeout" | "user" | null;
}

export interface RunCallbacks {
  onLoading?: (what: string) => void;
  onStarted?: () => void;
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
}

export interface RunnerOptions {
  /** The program's time limit in ms. */
  timeLimitMs?: number;
  /** After an interrupt, how long the program gets to stop before the worker is terminated. */
  graceMs?: number;
  /** Timers (tests drive them by hand). */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export const DEFAULT_TIME_LIMIT_MS = 5000;

interface Pending {
  id: number;
  resolve: (r: RunOutcome) => void;
  callbacks: RunCallbacks;
  stdout: string;
  stderr: string;
  stopped: "timeout" | "user" | null;
  timers: unknown[];
}

export function stoppedMessage(why: "timeout" | "user", limitMs: number): ProgramError {
  return why === "timeout"
    ? {
        type: "TimeoutError",
        message: `The program was stopped after ${limitMs / 1000} s: it ran too long (an endless loop?). Fix it and run again.`,
        traceback: "",
        line: null,
      }
    : { type: "KeyboardInterrupt", message: "Stopped.", traceback: "", line: null };
}

export class Runner {
  private worker: WorkerLike | null = null;
  private interrupt: Int32Array | null = null;
  private pending: Pending | null = null;
  private nextId = 1;
  readonly timeLimitMs: number;
  private readonly graceMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(
    private readonly makeWorker: () => WorkerLike,
    opts: RunnerOptions = {},
  ) {
    this.timeLimitMs = opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    this.graceMs = opts.graceMs ?? 1500;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  get running(): boolean {
    return this.pending !== null;
  }

  private ensureWorker(): WorkerLike {
    if (this.worker) return this.worker;
    const w = this.makeWorker();
    w.onmessage = (ev) => this.onMessage(ev.data);
    w.onerror = (ev) => {
      // a worker that failed to load (or crashed) is replaced on the next run
      this.finish({
        type: "WorkerError",
        message: ev.message || "the run worker failed",
        traceback: "",
        line: null,
      });
      this.kill();
    };
    // SharedArrayBuffer exists only on a cross-origin isolated page
    if (
      typeof SharedArrayBuffer === "function" &&
      (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated
    ) {
      const buffer = new SharedArrayBuffer(4);
      this.interrupt = new Int32Array(buffer);
      w.postMessage({ type: "interrupt-buffer", buffer });
    } else {
      this.interrupt = null;
    }
    this.worker = w;
    return w;
  }

  private kill(): void {
    this.worker?.terminate();
    this.worker = null;
    this.interrupt = null;
  }

  /** Runs a program; a run already going is stopped first. Never rejects. */
  run(
    language: Language,
    source: string,
    title: string | null,
    callbacks: RunCallbacks = {},
  ): Promise<RunOutcome> {
    if (this.pending) this.abandon("user");
    const w = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<RunOutcome>((resolve) => {
      this.pending = { id, resolve, callbacks, stdout: "", stderr: "", stopped: null, timers: [] };
      w.postMessage({ type: "run", id, language, source, title, timeoutMs: this.timeLimitMs });
    });
  }

  /** Stops the running program: interrupt first, terminate after the grace period. */
  stop(why: "timeout" | "user" = "user"): void {
    const p = this.pending;
    if (!p || p.stopped) return;
    p.stopped = why;
    if (this.interrupt) {
      Atomics.store(this.interrupt, 0, 2);
      p.timers.push(this.setTimer(() => this.pending === p && this.abandon(why), this.graceMs));
    } else {
      this.abandon(why);
    }
  }

  /** Gives up on the worker: terminate it and answer the run now. */
  private abandon(why: "timeout" | "user"): void {
    const p = this.pending;
    if (!p) return;
    p.stopped = why;
    this.kill();
    this.finish(stoppedMessage(why, this.timeLimitMs));
  }

  private finish(error: ProgramError | null, done?: Extract<FromWorker, { type: "done" }>): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    for (const t of p.timers) this.clearTimer(t);
    p.resolve({
      stdout: done ? done.stdout : p.stdout,
      stderr: done ? done.stderr : p.stderr,
      error,
      trace: done ? done.trace : null,
      elapsedMs: done ? done.elapsedMs : 0,
      stopped: p.stopped,
    });
  }

  private onMessage(msg: FromWorker): void {
    const p = this.pending;
    if (!p || msg.id !== p.id) return;
    switch (msg.type) {
      case "loading":
        p.callbacks.onLoading?.(msg.what);
        return;
      case "started":
        p.callbacks.onStarted?.();
        // the program's own limit (checked between Python lines) comes first; this one catches the rest
        p.timers.push(
          this.setTimer(() => this.pending === p && this.stop("timeout"), this.timeLimitMs + this.graceMs),
        );
        return;
      case "output":
        if (msg.stream === "stdout") p.stdout += msg.text;
        else p.stderr += msg.text;
        p.callbacks.onOutput?.(msg.stream, msg.text);
        return;
      case "done": {
        // a stop (the user's, the page's limit, or the program's own limit: Python raises
        // KeyboardInterrupt or TimeoutError at the line it was on) reads as one clear message
        const interrupted =
          isInterrupt(msg.error) &&
          (p.stopped !== null || /gradlens stopped|ran longer/i.test(msg.error!.message));
        if (interrupted && p.stopped !== "user") p.stopped = "timeout";
        const error =
          interrupted && p.stopped
            ? {
                ...stoppedMessage(p.stopped, this.timeLimitMs),
                line: msg.error!.line,
                traceback: msg.error!.traceback,
              }
            : msg.error;
        this.finish(error, msg);
        return;
      }
    }
  }

  dispose(): void {
    if (this.pending) this.abandon("user");
    this.kill();
  }
}

function isInterrupt(e: ProgramError | null): boolean {
  return e?.type === "KeyboardInterrupt" || isTimeout(e);
}

function isTimeout(e: ProgramError | null): boolean {
  return e?.type === "TimeoutError";
}
