/** `gradlens <command>`: the command-line entry point (bin/gradlens.mjs). */
import { runCommand } from "./run.ts";

const USAGE = `usage: gradlens run FILE.py [--trace OUT.json] [--timeout SECONDS]
       gradlens export FILE.py|FILE.ts|TRACE.json --svg OUT.svg [--png OUT.png] [options]

  run    runs a PyTorch program on the gradlens engine, printing what Python prints;
         --trace writes the recorded trace as JSON
  export draws the program's computation graph into SVG / PNG figures (gradlens export --help)`;

/** Runs the command line `args` (without node and the script); returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === "run") return runCommand(rest);
  // loaded on demand: layout and render are not needed to run a program
  if (command === "export") return (await import("./export.ts")).exportCommand(rest);
  if (command === "-h" || command === "--help" || command === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  process.stderr.write((command ? `gradlens: unknown command '${command}'\n` : "") + USAGE + "\n");
  return 2;
}
