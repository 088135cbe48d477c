/** The example programs as text, bundled by Vite (browser and Vitest). */
const files = import.meta.glob("./*.py", { query: "?raw", import: "default", eager: true }) as Record<
  string,
  string
>;

export function exampleSource(id: string): string | undefined {
  return files[`./${id}.py`];
}
