/** The timeline's keys: ←/→ step, Shift+←/→ jump 10, space plays or pauses, Home/End go to the ends. */

export type KeyAction =
  | { kind: "step"; delta: number }
  | { kind: "first" }
  | { kind: "last" }
  | { kind: "toggle-play" }
  | { kind: "escape" };

/** What keyAction reads from a KeyboardEvent (a plain object in tests). */
export interface KeyInput {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** The focused element's tag, lower case (`input`, `textarea`, `button`, ...). */
  targetTag?: string;
  /** The input's type when targetTag is `input` (`range`, `text`, ...). */
  targetType?: string;
  /** The focus is in something editable: the code editor, a contenteditable. */
  targetEditable?: boolean;
}

const TEXT_TAGS = new Set(["textarea", "select"]);

export function keyAction(e: KeyInput): KeyAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const tag = e.targetTag ?? "";
  if (e.key === "Escape") return { kind: "escape" };
  // typing in the editor or a field keeps every key for itself
  if (e.targetEditable || TEXT_TAGS.has(tag)) return null;
  if (tag === "input" && e.targetType !== "range" && e.targetType !== "checkbox" && e.targetType !== "radio")
    return null;
  // a focused slider already moves on arrows/Home/End: its input event steps the timeline once
  if (tag === "input" && e.targetType === "range" && e.key !== " ") return null;
  switch (e.key) {
    case "ArrowRight":
      return { kind: "step", delta: e.shiftKey ? 10 : 1 };
    case "ArrowLeft":
      return { kind: "step", delta: e.shiftKey ? -10 : -1 };
    case "Home":
      return { kind: "first" };
    case "End":
      return { kind: "last" };
    case " ":
    case "Spacebar":
      // space on a focused button or link activates it; do not also toggle playback
      if (tag === "button" || tag === "a" || tag === "summary") return null;
      return { kind: "toggle-play" };
    default:
      return null;
  }
}

/** Reads a DOM KeyboardEvent into KeyInput. */
export function keyInputOf(e: KeyboardEvent): KeyInput {
  const t = e.target as HTMLElement | null;
  const tag = t?.tagName?.toLowerCase() ?? "";
  return {
    key: e.key,
    shiftKey: e.shiftKey,
    ctrlKey: e.ctrlKey,
    metaKey: e.metaKey,
    altKey: e.altKey,
    targetTag: tag,
    targetType: tag === "input" ? (t as HTMLInputElement).type : undefined,
    targetEditable: !!t && (t.isContentEditable === true || !!t.closest?.(".cm-editor")),
  };
}
