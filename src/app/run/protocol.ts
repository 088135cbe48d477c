/** Messages between the page and the run worker. Plain data only (structured clone). */
import type { Trace } from "../../trace/schema.ts";
import type { Language } from "../hash.ts";

export interface RunRequest {
  type: "run";
  id: number;
  language: Language;
  source: string;
  title: string | null;
  /** The program's own time limit (checked between its lines); the page also keeps a hard limit. */
  timeoutMs: number;
}

/** The page gives the worker a buffer it can write 2 (SIGINT) into, when the page is cross-origin isolated. */
export interface InterruptSetup {
  type: "interrupt-buffer";
  buffer: SharedArrayBuffer;
}

export type ToWorker = RunRequest | InterruptSetup;

/** An uncaught error of the program. */
export interface ProgramError {
  /** `RuntimeError`, `SyntaxError`, `TimeoutError`, ... */
  type: string;
  message: string;
  traceback: string;
  /** The program line it points at, when known. */
  line: number | null;
}

export type FromWorker =
  /** The runtime for this language is loading (Pyodide's first start takes seconds). */
  | { type: "loading"; id: number; what: string }
  /** The program itself started: the page's time limit counts from here. */
  | { type: "started"; id: number }
  | { type: "output"; id: number; stream: "stdout" | "stderr"; text: string }
  | {
      type: "done";
      id: number;
      stdout: string;
      stderr: string;
      error: ProgramError | null;
      trace: Trace | null;
      elapsedMs: number;
    };

/** The last `File "prog.py", line N` of a Python traceback: where the program itself failed. */
export function tracebackLine(traceback: string, filename: string): number | null {
  const re = new RegExp(`File "${filename.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}", line (\\d+)`, "g");
  let line: number | null = null;
  for (const m of traceback.matchAll(re)) line = Number(m[1]);
  return line;
}
