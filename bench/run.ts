/**
 * `npm run bench [-- NAME...]`: runs the benchmark suites (all of them, or those named: a suite or
 * a group) and prints one JSON object per line on stdout:
 * {"bench", "unit", "ours", "peer", "peer_value", ...extra} (peer only where something comparable
 * exists; times are medians after a warm-up). `npm run bench -- --help` lists the suites.
 * Suites live in their own modules (bench/engine.ts, ...) and are listed here.
 */
import { analysisBench } from "./analysis.ts";
import { appSuite } from "./app.ts";
import { engineSuites } from "./engine.ts";
import { exportSuite } from "./export.ts";
import { report, type Suite } from "./harness.ts";
import { layoutSuites } from "./layout.ts";
import { layoutBrowserSuite } from "./layout-browser.ts";
import { pythonSuites } from "./python.ts";
import { pythonBrowserSuite } from "./python-browser.ts";

const analysisSuite: Suite = {
  name: "analysis",
  run(report) {
    for (const row of analysisBench()) report(row);
  },
};

interface Entry {
  suite: Suite;
  group: string;
  /** What it measures, for --help. */
  about: string;
}

/** What each suite measures, for --help. */
const ABOUT: Record<string, string> = {
  elementwise: "add/mul/exp/sigmoid/tanh/relu on 1e6 elements, a broadcast bias add; vs tfjs-cpu",
  matmul: "matmul 64², 256², 512²; vs tfjs-cpu",
  mlp: "a 2-layer MLP forward+backward; vs tfjs-cpu",
  recording: "the cost of recording a trace while the engine runs",
  "python-start": "Pyodide cold start with the torch shim",
  "python-run": "a warm run of the seed notebooks, with and without a trace",
  "python-ops": "1,000 ops through Python vs the TS API (Node: Pyodide's JS call trampoline)",
  "python-ops-browser": "start, seed notebooks, 1,000 ops vs the TS API in a Chromium worker, as the app",
  layout: "ELK vs dagre at 100 / 1,000 / 5,000 nodes; scene + SVG per step at 1,000",
  "layout-browser": "ELK (warm worker) vs dagre (main thread) at 100 / 1,000 / 5,000 nodes in Chromium",
  export: "export SVG at 10 / 100 / 1,000 nodes: in process, the CLI on a trace, the CLI on a .py",
  app: "the app in Chromium, ~1,000 nodes: worker layout, step to painted frame, fps while animating",
  analysis: "analysing a 1,000-iteration MLP run; trace size of a 10,000-iteration run, compacted",
};

const entries = (group: string, suites: Suite[]): Entry[] =>
  suites.map((suite) => ({ suite, group, about: ABOUT[suite.name] ?? "" }));

const ENTRIES: Entry[] = [
  ...entries("engine", engineSuites),
  ...entries("python", [...pythonSuites, pythonBrowserSuite]),
  ...entries("layout", [...layoutSuites, layoutBrowserSuite]),
  ...entries("export", [exportSuite]),
  ...entries("analysis", [analysisSuite]),
  ...entries("app", [appSuite]),
];

function usage(): string {
  const groups = [...new Set(ENTRIES.map((e) => e.group))];
  const lines = [
    "usage: npm run bench [-- [--list] [NAME...]]",
    "",
    "  Runs the benchmark suites and prints one JSON object per line on stdout:",
    '  {"bench", "unit": "ms" | "MB" | "fps", "ours", "peer", "peer_value"} (peer only where one exists;',
    "  times are medians after a warm-up), and each suite's duration on stderr.",
    "  NAME is a suite or a group of suites (default: all of them, about 4 minutes on 2 busy cores;",
    "  the longest are python-ops, python-ops-browser, export and layout, 40-50 s each).",
    "  --list: the suite names, one a line",
    "",
  ];
  const width = Math.max(...ENTRIES.map((e) => e.suite.name.length)) + 2;
  for (const g of groups) {
    lines.push(`  ${g}`);
    for (const e of ENTRIES.filter((x) => x.group === g)) {
      lines.push(`    ${e.suite.name.padEnd(width)}${e.about}`);
    }
  }
  return lines.join("\n");
}

/** The suites to run, or an error text. */
function select(args: string[]): Entry[] | string {
  const names = args.filter((a) => !a.startsWith("-"));
  const unknown = names.filter((n) => !ENTRIES.some((e) => e.suite.name === n || e.group === n));
  if (unknown.length) {
    const known = [...new Set(ENTRIES.flatMap((e) => [e.group, e.suite.name]))];
    return `unknown suite(s): ${unknown.join(", ")}; known: ${known.join(", ")}`;
  }
  if (!names.length) return ENTRIES;
  return ENTRIES.filter((e) => names.includes(e.suite.name) || names.includes(e.group));
}

async function main(args: string[]): Promise<number> {
  const bad = args.find((a) => a.startsWith("-") && !["--list", "--help", "-h"].includes(a));
  if (bad) {
    process.stderr.write(`unknown option '${bad}'\n${usage()}\n`);
    return 2;
  }
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (args.includes("--list")) {
    process.stdout.write(ENTRIES.map((e) => `${e.suite.name}\n`).join(""));
    return 0;
  }
  const chosen = select(args);
  if (typeof chosen === "string") {
    process.stderr.write(`${chosen}\n`);
    return 2;
  }
  let failed = 0;
  for (const { suite } of chosen) {
    const t0 = performance.now();
    try {
      await suite.run(report);
    } catch (e) {
      // one broken suite must not hide the others' numbers
      failed++;
      process.stderr.write(
        `bench suite '${suite.name}' failed: ${e instanceof Error ? (e.stack ?? e.message) : e}\n`,
      );
    }
    // progress on stderr: stdout stays one JSON object per line
    process.stderr.write(`bench: ${suite.name} took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
