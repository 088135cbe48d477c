/**
 * The app's state: the program, the run, the trace and where the timeline stands. Big immutable data
 * (the trace, the layout) is `$state.raw`; everything the graph view draws is derived from it.
 */
import { onGraph, spreadPath, type SpreadView } from "../analysis/spread.ts";
import { DEFAULT_EXAMPLE, findExample } from "../examples/index.ts";
import { exampleSource } from "../examples/sources.ts";
import { graphAt, type Graph, type StepState, stateAt, type View } from "../trace/graph.ts";
import { parseTrace } from "../trace/io.ts";
import type { Trace } from "../trace/schema.ts";
import { type HashState, type Language, parseHash, serializeHash, type StepSpec } from "./hash.ts";
import type { Layout } from "../layout/types.ts";
import { buildScene } from "../render/scene.ts";
import type { ThemeName } from "../render/theme.ts";
import type { Scene } from "../render/types.ts";
import { AUTO, type Collapse } from "./collapse.ts";
import type { Layouts } from "./layouts.svelte.ts";
import { Player } from "./player.svelte.ts";
import type { ProgramError } from "./run/protocol.ts";
import { type RunOutcome, Runner } from "./run/runner.ts";
import { createStore, type KeyValueStore, readSetting } from "./storage.ts";
import { clampStep, lastStep, resolveStep, sourceLineAt, stepSpecOf } from "./timeline.ts";

export type Theme = "light" | "dark";
export type RunStatus = "idle" | "loading" | "running";
export type StepHow = "user" | "play" | "jump";

export interface Notice {
  kind: "error" | "info";
  title: string;
  text: string;
}

const JS_STARTER = `import { tensor, sigmoid } from "gradlens";

// The engine's TypeScript API, run as JavaScript: every op is recorded.
const x = tensor(0.5, { requiresGrad: true });
const w = tensor(2.5, { requiresGrad: true });
const y = sigmoid(w.mul(x));
const loss = y.neg().add(1).pow(2);
loss.backward();
print(loss, x.grad, w.grad);
`;

/** A what-if replay on screen: what was changed, and the records whose values differ from the original run. */
export interface WhatIfShown {
  label: string;
  /** Record ids (the same in both traces: the replay is aligned) whose values changed. */
  changed: ReadonlySet<string>;
}

function changedNodeIds(graph: Graph, changed: ReadonlySet<string>): ReadonlySet<string> {
  return new Set(
    graph.nodes
      .filter((n) => (n.tensor && changed.has(n.tensor)) || (n.grad && changed.has(n.grad)))
      .map((n) => n.id),
  );
}

export class AppState {
  readonly store: KeyValueStore;
  readonly player: Player;
  private runner: Runner | null = null;

  language = $state<Language>("python");
  source = $state("");
  /** The gallery example the editor holds, while unedited. */
  exampleId = $state<string | null>(null);
  /** The name of an opened trace file, while it is shown. */
  traceFile = $state<string | null>(null);

  status = $state<RunStatus>("idle");
  statusText = $state("");
  stdout = $state("");
  stderr = $state("");
  error = $state.raw<ProgramError | null>(null);
  elapsedMs = $state<number | null>(null);
  /** Runs finished so far (tests and tools wait on it). */
  runs = $state(0);
  notice = $state.raw<Notice | null>(null);

  trace = $state.raw<Trace | null>(null);
  /** While a what-if replay is shown: the run it was replayed from, and what changed. */
  original = $state.raw<Trace | null>(null);
  whatIf = $state.raw<WhatIfShown | null>(null);
  view = $state<View>("values");
  step = $state(-1);
  /** How the step last changed: playback and single steps animate, jumps do not. */
  stepHow = $state<StepHow>("jump");
  /** The step before the last change (for the direction of the animation). */
  prevStep = $state(-1);
  selected = $state<string | null>(null);
  /** Which scopes of the graph are folded. */
  collapse = $state.raw<Collapse>(AUTO);
  theme = $state<Theme>("light");
  examplesOpen = $state(false);

  readonly events = $derived(this.trace?.events ?? []);
  readonly lastStep = $derived(lastStep(this.events));
  readonly stepState: StepState | null = $derived(
    this.trace ? stateAt(this.trace, this.step, this.view) : null,
  );
  readonly graph: Graph | null = $derived(this.trace ? graphAt(this.trace, this.step, this.view) : null);
  readonly currentLine = $derived(sourceLineAt(this.events, this.step));
  /** Where non-finite values spread (computed once per trace), on the graph at this step and view. */
  readonly spread = $derived(this.trace ? spreadPath(this.trace) : null);
  readonly spreadView: SpreadView | null = $derived.by(() => {
    if (!this.spread || !this.graph) return null;
    // the path on the graph depends only on which nodes and edges are drawn (a prefix of the run's),
    // not on grads: while backward steps add nothing, it is the same object, and nothing redraws for it
    const path = this.spread[this.view];
    const { nodes, edges } = this.graph;
    const m = this.lastSpread;
    if (m && m.path === path && m.nodes === nodes.length && m.edges === edges.length) return m.view;
    const view = onGraph(path, this.graph);
    this.lastSpread = { path, nodes: nodes.length, edges: edges.length, view };
    return view;
  });
  private lastSpread: { path: object; nodes: number; edges: number; view: SpreadView } | null = null;
  /** Graph nodes whose value or grad differs in the shown what-if replay. */
  readonly changedNodes: ReadonlySet<string> | null = $derived(
    this.whatIf && this.graph ? changedNodeIds(this.graph, this.whatIf.changed) : null,
  );
  /** The program line of the selected node. */
  readonly selectedLine: number | null = $derived(
    this.selected && this.graph ? (this.graph.nodes.find((n) => n.id === this.selected)?.line ?? null) : null,
  );
  /** Lays graphs out (ELK in a worker); attached by the app, absent in unit tests. */
  layouts = $state.raw<Layouts | null>(null);
  /** The layout of the current trace and view, once ready (never one made for another trace). */
  readonly layout: Layout | null = $derived(this.layouts ? this.layouts.for(this.trace, this.view) : null);
  /** What the graph view draws at this step; unchanged nodes keep their objects (buildScene's `previous`). */
  readonly scene: Scene | null = $derived.by(() => {
    const s = this.sceneFor(this.theme, true, this.lastScene);
    this.lastScene = s;
    return s;
  });
  private lastScene: Scene | null = null;
  readonly title = $derived(
    this.traceFile ??
      (this.exampleId ? (findExample(this.exampleId)?.title ?? this.exampleId) : "Your program"),
  );

  constructor(store: KeyValueStore = createStore()) {
    this.store = store;
    this.player = new Player(this);
    this.theme = readSetting(store, "theme", (t) => (t === "dark" || t === "light" ? t : undefined), "light");
    this.player.speed = readSetting(
      store,
      "speed",
      (t) => (Number(t) > 0 && Number(t) <= 64 ? Number(t) : undefined),
      2,
    );
  }

  /**
   * The scene at this step in a theme (the view draws the app's theme; export may ask for print).
   * `previous`: a scene built before, whose unchanged parts are kept (same layout only).
   */
  sceneFor(theme: ThemeName, legend = true, previous: Scene | null = null): Scene | null {
    if (!this.trace || !this.graph || !this.layout) return null;
    return buildScene(
      this.graph,
      this.layout,
      { trace: this.trace, step: this.stepState, previous },
      { theme, legend },
    );
  }

  // ---- program ----

  /** Loads the program: the URL first, then what the user had, else the MLP example. */
  async init(hash: string): Promise<HashState> {
    const h = await parseHash(hash);
    if (h.code !== undefined) {
      this.setProgram(h.code, h.lang ?? "python", null);
    } else if (h.example && exampleSource(h.example) !== undefined) {
      this.loadExample(h.example, false);
    } else {
      const lang = readSetting(
        this.store,
        "lang",
        (t) => (t === "python" || t === "javascript" ? t : undefined),
        "python",
      );
      const saved = this.store.get(`program.${lang}`);
      const savedExample = this.store.get("example");
      if (savedExample && exampleSource(savedExample) === saved) this.loadExample(savedExample, false);
      else if (saved !== null && saved.trim() !== "") this.setProgram(saved, lang, null);
      else this.loadExample(DEFAULT_EXAMPLE, false);
    }
    if (h.view) this.view = h.view;
    return h;
  }

  setProgram(source: string, language: Language, exampleId: string | null): void {
    this.language = language;
    this.source = source;
    this.exampleId = exampleId;
  }

  loadExample(id: string, persist = true): void {
    const src = exampleSource(id);
    if (src === undefined) return;
    this.setProgram(src, "python", id);
    if (persist) this.persistProgram();
  }

  /** The user typed in the editor. */
  edit(source: string): void {
    if (source === this.source) return;
    this.source = source;
    if (this.exampleId && exampleSource(this.exampleId) !== source) this.exampleId = null;
    this.persistProgram();
  }

  setLanguage(lang: Language): void {
    if (lang === this.language) return;
    this.persistProgram();
    const saved = this.store.get(`program.${lang}`);
    this.setProgram(
      saved && saved.trim() ? saved : lang === "python" ? (exampleSource(DEFAULT_EXAMPLE) ?? "") : JS_STARTER,
      lang,
      null,
    );
    if (lang === "python" && !(saved && saved.trim())) this.exampleId = DEFAULT_EXAMPLE;
    this.store.set("lang", lang);
  }

  private persistProgram(): void {
    this.store.set(`program.${this.language}`, this.source);
    this.store.set("lang", this.language);
    if (this.exampleId) this.store.set("example", this.exampleId);
    else this.store.remove("example");
  }

  // ---- running ----

  attachRunner(runner: Runner): void {
    this.runner = runner;
  }

  get running(): boolean {
    return this.status !== "idle";
  }

  /** Runs the program and shows its trace at `step` (default: the end). */
  async run(step?: StepSpec): Promise<RunOutcome | null> {
    if (!this.runner) return null;
    this.player.pause();
    this.status = "running";
    this.statusText = "Running…";
    this.stdout = "";
    this.stderr = "";
    this.error = null;
    this.notice = null;
    const out = await this.runner.run(this.language, this.source, this.title, {
      onLoading: (what) => {
        this.status = "loading";
        this.statusText = `Loading ${what}…`;
      },
      onStarted: () => {
        this.status = "running";
        this.statusText = "Running…";
      },
      onOutput: (stream, text) => {
        if (stream === "stdout") this.stdout += text;
        else this.stderr += text;
      },
    });
    this.status = "idle";
    this.statusText = "";
    this.stdout = out.stdout;
    this.stderr = out.stderr;
    this.error = out.error;
    this.elapsedMs = out.elapsedMs;
    if (out.trace) this.showTrace(out.trace, null, step);
    this.runs++;
    return out;
  }

  stop(): void {
    this.runner?.stop("user");
  }

  // ---- traces ----

  showTrace(trace: Trace, file: string | null, step?: StepSpec): void {
    this.original = null;
    this.whatIf = null;
    this.trace = trace;
    this.traceFile = file;
    this.collapse = AUTO;
    this.selected = null;
    this.prevStep = -1;
    this.stepHow = "jump";
    this.step = resolveStep(step, trace.events);
  }

  /** Shows a what-if replay of the current run in its place, at the same step and selection. */
  showWhatIf(replayed: Trace, shown: WhatIfShown): void {
    if (!this.trace) return;
    this.player.pause();
    if (!this.original) this.original = this.trace;
    this.whatIf = shown;
    this.trace = replayed;
    this.step = clampStep(this.step, replayed.events);
  }

  /** Leaves the what-if and shows the run it was replayed from again. */
  backToOriginal(): void {
    if (!this.original) return;
    this.trace = this.original;
    this.original = null;
    this.whatIf = null;
    this.step = clampStep(this.step, this.trace.events);
  }

  /**
   * Opens a trace file. A malformed one is refused with the field it failed on, and nothing the user
   * had (program, trace, step) changes.
   */
  openTraceText(text: string, name: string): boolean {
    let trace: Trace;
    try {
      trace = parseTrace(text);
    } catch (e) {
      this.notice = { kind: "error", title: `Could not open ${name}`, text: (e as Error).message };
      return false;
    }
    this.player.pause();
    this.notice = null;
    this.error = null;
    this.stdout = "";
    this.stderr = "";
    const prog = trace.meta.program;
    if (prog && (prog.language === "python" || prog.language === "javascript")) {
      // shown, not saved: the user's own program stays in storage
      this.language = prog.language;
      this.source = prog.source;
      this.exampleId = null;
    }
    this.showTrace(trace, name);
    return true;
  }

  // ---- timeline ----

  setStep(step: number, how: StepHow = "user"): void {
    const s = clampStep(step, this.events);
    if (s === this.step) return;
    this.prevStep = this.step;
    this.stepHow = how;
    this.step = s;
  }

  stepBy(delta: number): void {
    this.player.pause();
    this.setStep(this.step + delta, Math.abs(delta) === 1 ? "user" : "jump");
  }

  first(): void {
    this.player.pause();
    this.setStep(-1, "jump");
  }

  last(): void {
    this.player.pause();
    this.setStep(this.lastStep, "jump");
  }

  setView(view: View): void {
    this.view = view;
  }

  select(id: string | null): void {
    this.selected = id;
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.store.set("theme", theme);
  }

  setSpeed(speed: number): void {
    this.player.speed = speed;
    this.store.set("speed", String(speed));
  }

  /** The shareable URL hash for what is on screen. */
  hash(): Promise<string> {
    const state: HashState = {};
    if (this.exampleId) state.example = this.exampleId;
    else state.code = this.source;
    if (this.language !== "python") state.lang = this.language;
    if (this.trace) state.step = stepSpecOf(this.step, this.events);
    if (this.view !== "values") state.view = this.view;
    if (this.selected) state.node = this.selected;
    return serializeHash(state);
  }
}
