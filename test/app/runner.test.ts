import { describe, expect, it } from "vitest";
import type { FromWorker, ToWorker } from "../../src/app/run/protocol.ts";
import { tracebackLine } from "../../src/app/run/protocol.ts";
import { Runner, type WorkerLike } from "../../src/app/run/runner.ts";

/** A worker the test answers by hand; records what the page sent and whether it was terminated. */
class FakeWorker implements WorkerLike {
  sent: ToWorker[] = [];
  terminated = false;
  onmessage: ((ev: MessageEvent<FromWorker>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  postMessage(msg: ToWorker): void {
    this.sent.push(msg);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(msg: FromWorker): void {
    this.onmessage?.({ data: msg } as MessageEvent<FromWorker>);
  }
  get lastId(): number {
    const runs = this.sent.filter((m) => m.type === "run");
    return runs.length ? (runs[runs.length - 1] as { id: number }).id : -1;
  }
}

/** Timers run by hand: `tick(ms)` fires what is due. */
function clock() {
  let now = 0;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  return {
    setTimer: (fn: () => void, ms: number) => {
      const id = next++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimer: (id: unknown) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    tick(ms: number) {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) {
        if (t.at <= now && timers.includes(t)) {
          timers.splice(timers.indexOf(t), 1);
          t.fn();
        }
      }
    },
  };
}

function setup(limit = 5000) {
  const workers: FakeWorker[] = [];
  const c = clock();
  const runner = new Runner(
    () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
    { timeLimitMs: limit, graceMs: 1500, setTimer: c.setTimer, clearTimer: c.clearTimer },
  );
  return { runner, workers, c };
}

const done = (id: number, extra: Partial<Extract<FromWorker, { type: "done" }>> = {}): FromWorker => ({
  type: "done",
  id,
  stdout: "",
  stderr: "",
  error: null,
  trace: null,
  elapsedMs: 3,
  ...extra,
});

describe("runner", () => {
  it("sends the program and resolves with what the worker answered, streaming output", async () => {
    const { runner, workers } = setup();
    const out: string[] = [];
    const p = runner.run("python", "print(1)", "t", { onOutput: (_s, text) => out.push(text) });
    const w = workers[0];
    expect(w.sent[0]).toMatchObject({ type: "run", language: "python", source: "print(1)", timeoutMs: 5000 });
    w.reply({ type: "started", id: w.lastId });
    w.reply({ type: "output", id: w.lastId, stream: "stdout", text: "1\n" });
    w.reply(done(w.lastId, { stdout: "1\n" }));
    const r = await p;
    expect(r).toMatchObject({ stdout: "1\n", error: null, stopped: null });
    expect(out).toEqual(["1\n"]);
    expect(runner.running).toBe(false);
  });

  it("keeps the worker (and its loaded Python) between runs", async () => {
    const { runner, workers } = setup();
    const a = runner.run("python", "a", null);
    workers[0].reply(done(workers[0].lastId));
    await a;
    const b = runner.run("python", "b", null);
    workers[0].reply(done(workers[0].lastId));
    await b;
    expect(workers).toHaveLength(1);
  });

  it("the time limit counts from the program's start, not while Python loads", async () => {
    const { runner, workers, c } = setup(5000);
    const p = runner.run("python", "while True: pass", null);
    const w = workers[0];
    w.reply({ type: "loading", id: w.lastId, what: "Python" });
    c.tick(20_000);
    expect(w.terminated).toBe(false);
    w.reply({ type: "started", id: w.lastId });
    c.tick(6499);
    expect(w.terminated).toBe(false);
    // past limit + grace, without cross-origin isolation there is no interrupt: terminate
    c.tick(2);
    expect(w.terminated).toBe(true);
    const r = await p;
    expect(r.stopped).toBe("timeout");
    expect(r.error?.type).toBe("TimeoutError");
    expect(r.error?.message).toMatch(/stopped after 5 s/);
  });

  it("a terminated worker is replaced on the next run", async () => {
    const { runner, workers, c } = setup(1000);
    const p = runner.run("python", "loop", null);
    workers[0].reply({ type: "started", id: workers[0].lastId });
    c.tick(5000);
    await p;
    const q = runner.run("python", "print(2)", null);
    expect(workers).toHaveLength(2);
    workers[1].reply(done(workers[1].lastId, { stdout: "2\n" }));
    expect((await q).stdout).toBe("2\n");
  });

  it("the program's own limit (KeyboardInterrupt from the runtime) reads as the same message, at its line", async () => {
    const { runner, workers } = setup();
    const p = runner.run("python", "while True:\n    pass", null);
    const w = workers[0];
    w.reply(
      done(w.lastId, {
        error: {
          type: "KeyboardInterrupt",
          message: "gradlens stopped the program: it ran longer than 5 s",
          traceback: "",
          line: 2,
        },
      }),
    );
    const r = await p;
    expect(r.stopped).toBe("timeout");
    expect(r.error).toMatchObject({ type: "TimeoutError", line: 2 });
    expect(w.terminated).toBe(false);
  });

  it("Stop ends the run at once; the program's own errors pass through unchanged", async () => {
    const { runner, workers } = setup();
    const p = runner.run("python", "loop", null);
    workers[0].reply({ type: "started", id: workers[0].lastId });
    runner.stop();
    const r = await p;
    expect(r.stopped).toBe("user");
    expect(r.error?.type).toBe("KeyboardInterrupt");
    expect(workers[0].terminated).toBe(true);

    const q = runner.run("python", "1/0", null);
    const w = workers[1];
    const err = { type: "ZeroDivisionError", message: "division by zero", traceback: "", line: 1 };
    w.reply(done(w.lastId, { error: err }));
    expect((await q).error).toEqual(err);
  });

  it("answers from an old run are ignored", async () => {
    const { runner, workers } = setup();
    const p = runner.run("python", "a", null);
    const w = workers[0];
    w.reply(done(w.lastId + 100, { stdout: "stale" }));
    expect(runner.running).toBe(true);
    w.reply(done(w.lastId, { stdout: "fresh" }));
    expect((await p).stdout).toBe("fresh");
  });

  it("a worker that fails to load answers the run with its error", async () => {
    const { runner, workers } = setup();
    const p = runner.run("python", "a", null);
    workers[0].onerror?.({ message: "SyntaxError in worker" } as ErrorEvent);
    const r = await p;
    expect(r.error).toMatchObject({ type: "WorkerError", message: "SyntaxError in worker" });
    expect(workers[0].terminated).toBe(true);
  });

  it("finds the program's line in a Python traceback", () => {
    const tb = `Traceback (most recent call last):\n  File "prog.py", line 12, in <module>\n    f()\n  File "prog.py", line 3, in f\n    x + y\nRuntimeError: boom`;
    expect(tracebackLine(tb, "prog.py")).toBe(3);
    expect(tracebackLine("no traceback", "prog.py")).toBeNull();
  });
});
