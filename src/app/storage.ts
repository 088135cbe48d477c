/**
 * Settings and the user's program, kept in localStorage. Storage can be missing or refuse writes
 * (private windows, a full quota, disabled cookies): then values live in memory for the session and
 * the app works the same, it only forgets on reload.
 */

export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
  /** False when values are kept in memory only. */
  readonly persistent: boolean;
}

const PREFIX = "gradlens.";

/** A store over `backing` (localStorage by default) that falls back to memory on any failure. */
export function createStore(backing?: Storage | null): KeyValueStore {
  const memory = new Map<string, string>();
  let storage: Storage | null = null;
  try {
    storage = backing === undefined ? (globalThis.localStorage ?? null) : backing;
    // Safari's private mode used to expose a localStorage that throws on every write
    if (storage) {
      storage.setItem(`${PREFIX}probe`, "1");
      storage.removeItem(`${PREFIX}probe`);
    }
  } catch {
    storage = null;
  }
  let persistent = storage !== null;
  return {
    get(key) {
      if (memory.has(key)) return memory.get(key)!;
      try {
        return storage ? storage.getItem(PREFIX + key) : null;
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        if (storage) {
          storage.setItem(PREFIX + key, value);
          memory.delete(key);
          return;
        }
      } catch {
        persistent = false;
      }
      memory.set(key, value);
    },
    remove(key) {
      memory.delete(key);
      try {
        storage?.removeItem(PREFIX + key);
      } catch {
        // nothing stored there to remove
      }
    },
    get persistent() {
      return persistent;
    },
  };
}

/** A stored value parsed by `read`, or `fallback` when absent or unreadable. */
export function readSetting<T>(
  store: KeyValueStore,
  key: string,
  read: (text: string) => T | undefined,
  fallback: T,
): T {
  const text = store.get(key);
  if (text === null) return fallback;
  const v = read(text);
  return v === undefined ? fallback : v;
}
