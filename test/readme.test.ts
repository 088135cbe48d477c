/** The README's TypeScript example runs and prints what its comment says. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

test("the README's TypeScript API example prints the loss and grad its comment promises", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## The TypeScript API"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1];
  const promised = /\/\/ (tensor\(.*)$/m.exec(code)![1];
  const file = join(mkdtempSync(join(tmpdir(), "gradlens-readme-")), "example.ts");
  writeFileSync(file, code.replace('from "gradlens"', `from ${JSON.stringify(join(root, "src/index.ts"))}`));
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: root, encoding: "utf8" });
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.stdout.trim()).toBe(promised.trim());
});
