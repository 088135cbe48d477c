/** `gradlens <command>`: the command-line entry point (bin/gradlens.mjs). */
import { runCommand } from "./run.ts";

const USAGE = `usage: gradlens run FILE.py [--trace OUT.json] [--timeout SECONDS] [--check]
       gradlens check TRACE.json [--explode-above X] [--vanish-below Y]
       gradlens export FILE.py|FILE.ts|TRACE.json --svg OUT.svg [--png OUT.png] [options]

  run    runs a PyTorch program on the gradlens engine, printing what Python prints;
         --trace writes the recorded trace as JSON; --check then prints on stderr where the
         first nan/inf was born (op, line N, iteration K), how it spread, and exploding /
         vanishing grads (--explode-above X, default 1e3; --vanish-below Y, default 1e-7)
  check  the same findings for a recorded trace, on stdout
  export draws the program's computation graph into SVG / PNG figures (gradlens export --help)

  exit codes: 0 ok; 1 the program raised an uncaught exception (or sys.exit's code);
              2 usage error or unreadable input; 3 --check / check found a nan or inf
              (when the program itself exited 0)`;

/** Runs the command line `args` (without node and the script); returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === "run") return runCommand(rest);
  // loaded on demand: checking a trace needs neither Python nor layout
  if (command === "check") return (await import("./run.ts")).checkCommand(rest);
  // loaded on demand: layout and render are not needed to run a program
  if (command === "export") return (await import("./export.ts")).exportCommand(rest);
  if (command === "-h" || command === "--help" || command === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  process.stderr.write((command ? `gradlens: unknown command '${command}'\n` : "") + USAGE + "\n");
  return 2;
}
