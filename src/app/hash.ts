/**
 * The shareable URL: `#example=mlp-nan&step=end&view=autograd`, or a pasted program as `#code=...`.
 *
 * A program travels deflate-compressed (`code=z.<base64url>`) when the browser can compress, else as
 * plain base64url of its UTF-8 (`code=<base64url>`); `.` is outside the base64url alphabet, so the
 * two never collide. Parsing never throws: a hash that makes no sense yields what could be read.
 */

export type Language = "python" | "javascript";
export type View = "values" | "autograd";
/** A step as the URL spells it: a number, or a landmark resolved against the trace. */
export type StepSpec = number | "start" | "end" | "forward";

export interface HashState {
  example?: string;
  /** The program text, decoded. */
  code?: string;
  lang?: Language;
  step?: StepSpec;
  view?: View;
  /** The selected node's data-id. */
  node?: string;
}

const EXAMPLE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const NODE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export function parseStep(text: string): StepSpec | undefined {
  if (text === "start" || text === "end" || text === "forward") return text;
  if (/^\d{1,9}$/.test(text)) return Number(text);
  return undefined;
}

/** Reads the URL hash (with or without its `#`). Async because a compressed program is inflated. */
export async function parseHash(hash: string): Promise<HashState> {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const out: HashState = {};
  const example = params.get("example");
  if (example && EXAMPLE_ID.test(example)) out.example = example;
  const code = params.get("code");
  if (code) {
    const text = await decodeProgram(code);
    if (text !== null) out.code = text;
  }
  const lang = params.get("lang");
  if (lang === "python" || lang === "javascript") out.lang = lang;
  const step = params.get("step");
  if (step !== null) {
    const s = parseStep(step);
    if (s !== undefined) out.step = s;
  }
  const view = params.get("view");
  if (view === "values" || view === "autograd") out.view = view;
  const node = params.get("node");
  if (node && NODE_ID.test(node)) out.node = node;
  return out;
}

/** The hash for a state, `#`-prefixed, keys in a fixed order; an example wins over code. */
export async function serializeHash(state: HashState, opts: { compress?: boolean } = {}): Promise<string> {
  const parts: string[] = [];
  if (state.example) parts.push(`example=${encodeURIComponent(state.example)}`);
  else if (state.code !== undefined)
    parts.push(`code=${await encodeProgram(state.code, opts.compress ?? true)}`);
  if (state.lang && state.lang !== "python") parts.push(`lang=${state.lang}`);
  if (state.step !== undefined) parts.push(`step=${state.step}`);
  if (state.view) parts.push(`view=${state.view}`);
  if (state.node) parts.push(`node=${encodeURIComponent(state.node)}`);
  return parts.length ? `#${parts.join("&")}` : "";
}

// ---- program codec ----

export function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** base64url (padding optional; standard `+/` also accepted, as pasted links sometimes carry them). */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_\-+/]*={0,2}$/.test(text)) return null;
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (b64.length % 4 === 1) return null;
  try {
    const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

function hasCompression(): boolean {
  return typeof CompressionStream === "function" && typeof DecompressionStream === "function";
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

export async function encodeProgram(source: string, compress = true): Promise<string> {
  const bytes = new TextEncoder().encode(source);
  if (compress && hasCompression()) {
    const z = await pipe(bytes, new CompressionStream("deflate-raw"));
    // tiny programs grow when compressed: keep whichever link is shorter
    if (z.length < bytes.length) return `z.${toBase64Url(z)}`;
  }
  return toBase64Url(bytes);
}

/** The program in a `code=` value, or null when it cannot be decoded (bad base64, bad deflate, bad UTF-8). */
export async function decodeProgram(value: string): Promise<string | null> {
  const compressed = value.startsWith("z.");
  const bytes = fromBase64Url(compressed ? value.slice(2) : value);
  if (!bytes) return null;
  let raw = bytes;
  if (compressed) {
    if (!hasCompression()) return null;
    try {
      raw = await pipe(bytes, new DecompressionStream("deflate-raw"));
    } catch {
      return null;
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return null;
  }
}
