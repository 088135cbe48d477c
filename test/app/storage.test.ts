import { describe, expect, it } from "vitest";
import { createStore, readSetting } from "../../src/app/storage.ts";

/** A Storage over a Map, optionally refusing writes as a full quota or a private window does. */
function fakeStorage(
  opts: { refuseWrites?: boolean; refuseAfter?: number } = {},
): Storage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  let writes = 0;
  return {
    map,
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    key: (i: number) => [...map.keys()][i] ?? null,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => {
      writes++;
      if (opts.refuseWrites || (opts.refuseAfter !== undefined && writes > opts.refuseAfter)) {
        throw new DOMException("quota exceeded", "QuotaExceededError");
      }
      map.set(k, v);
    },
    removeItem: (k: string) => void map.delete(k),
  };
}

describe("settings store", () => {
  it("keeps values in localStorage under a prefix", () => {
    const backing = fakeStorage();
    const s = createStore(backing);
    s.set("program.python", "x = 1");
    expect(backing.map.get("gradlens.program.python")).toBe("x = 1");
    expect(createStore(backing).get("program.python")).toBe("x = 1");
    expect(s.persistent).toBe(true);
    s.remove("program.python");
    expect(s.get("program.python")).toBeNull();
  });

  it("falls back to memory when storage refuses every write", () => {
    const s = createStore(fakeStorage({ refuseWrites: true }));
    expect(s.persistent).toBe(false);
    s.set("theme", "dark");
    expect(s.get("theme")).toBe("dark");
  });

  it("falls back to memory when storage is missing", () => {
    const s = createStore(null);
    expect(s.get("theme")).toBeNull();
    s.set("theme", "dark");
    expect(s.get("theme")).toBe("dark");
    expect(s.persistent).toBe(false);
  });

  it("keeps a value that no longer fits (quota full) in memory, and says it is not persistent", () => {
    const backing = fakeStorage({ refuseAfter: 2 });
    const s = createStore(backing);
    s.set("a", "1");
    s.set("program.python", "a long program");
    expect(s.get("program.python")).toBe("a long program");
    expect(backing.map.has("gradlens.program.python")).toBe(false);
    expect(s.persistent).toBe(false);
  });

  it("survives a storage whose reads throw", () => {
    const backing = fakeStorage();
    const s = createStore(backing);
    backing.getItem = () => {
      throw new Error("SecurityError");
    };
    expect(s.get("x")).toBeNull();
  });

  it("readSetting parses or falls back", () => {
    const s = createStore(null);
    const speed = (t: string) => (Number.isFinite(Number(t)) && Number(t) > 0 ? Number(t) : undefined);
    expect(readSetting(s, "speed", speed, 2)).toBe(2);
    s.set("speed", "garbage");
    expect(readSetting(s, "speed", speed, 2)).toBe(2);
    s.set("speed", "8");
    expect(readSetting(s, "speed", speed, 2)).toBe(8);
  });
});
