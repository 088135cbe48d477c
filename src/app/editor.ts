/**
 * CodeMirror 6 setup: the language switch, the current step's line, and the error shown at its line
 * (a line mark plus the message as a block under it). Markers are plain state, set by effects.
 */
import { javascript } from "@codemirror/lang-javascript";
import { python } from "@codemirror/lang-python";
import { Compartment, type Extension, StateEffect, StateField } from "@codemirror/state";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Decoration, type DecorationSet, EditorView, WidgetType } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";
import type { Language } from "./hash.ts";

export interface Marks {
  stepLine: number | null;
  /** The line that made the node selected in the graph. */
  selectedLine: number | null;
  error: { line: number; text: string } | null;
}

export const setMarks = StateEffect.define<Marks>();

class ErrorWidget extends WidgetType {
  constructor(readonly text: string) {
    super();
  }
  override eq(other: ErrorWidget): boolean {
    return other.text === this.text;
  }
  toDOM(): HTMLElement {
    const el = document.createElement("div");
    el.className = "cm-error-message";
    // program and error text are always text, never markup
    el.textContent = this.text;
    return el;
  }
}

function decorate(
  view: { doc: { lines: number; line(n: number): { from: number; to: number } } },
  m: Marks,
): DecorationSet {
  const ranges = [];
  const lines = view.doc.lines;
  const err = m.error && m.error.line >= 1 && m.error.line <= lines ? m.error : null;
  const step = m.stepLine !== null && m.stepLine >= 1 && m.stepLine <= lines ? m.stepLine : null;
  const byLine = new Map<number, string[]>();
  if (step !== null) byLine.set(step, ["cm-step-line"]);
  const sel =
    m.selectedLine !== null && m.selectedLine >= 1 && m.selectedLine <= lines ? m.selectedLine : null;
  if (sel !== null) byLine.set(sel, [...(byLine.get(sel) ?? []), "cm-selected-line"]);
  if (err) byLine.set(err.line, [...(byLine.get(err.line) ?? []), "cm-error-line"]);
  for (const [n, classes] of [...byLine].sort((a, b) => a[0] - b[0])) {
    const line = view.doc.line(n);
    ranges.push(Decoration.line({ class: classes.join(" ") }).range(line.from));
    if (err && err.line === n) {
      ranges.push(
        Decoration.widget({ widget: new ErrorWidget(err.text), block: true, side: 1 }).range(line.to),
      );
    }
  }
  return Decoration.set(ranges, true);
}

export const marksField = StateField.define<{ marks: Marks; deco: DecorationSet }>({
  create: () => ({ marks: { stepLine: null, selectedLine: null, error: null }, deco: Decoration.none }),
  update(value, tr) {
    let marks = value.marks;
    for (const e of tr.effects) if (e.is(setMarks)) marks = e.value;
    if (marks === value.marks && !tr.docChanged) return value;
    // an edit moves lines: drop the error (it belonged to the old text), keep the step line
    if (tr.docChanged && marks === value.marks) marks = { ...marks, error: null };
    return { marks, deco: decorate(tr.state, marks) };
  },
  provide: (f) => EditorView.decorations.from(f, (v) => v.deco),
});

export const languageCompartment = new Compartment();

export function languageExtension(lang: Language): Extension {
  return lang === "python" ? python() : javascript({ typescript: true });
}

export const editorTheme = EditorView.theme({
  "&": { height: "100%", fontSize: "12.5px", backgroundColor: "var(--panel)", color: "var(--text)" },
  ".cm-scroller": { fontFamily: "var(--font-mono)", lineHeight: "1.6" },
  ".cm-gutters": { backgroundColor: "var(--panel)", color: "var(--muted)", border: "none" },
  ".cm-activeLineGutter": { backgroundColor: "transparent", color: "var(--text)" },
  ".cm-activeLine": { backgroundColor: "transparent" },
  "&.cm-focused .cm-activeLine": { backgroundColor: "var(--panel-2)" },
  ".cm-content": { caretColor: "var(--text)" },
  ".cm-cursor": { borderLeftColor: "var(--text)" },
  "&.cm-focused": { outline: "none" },
  ".cm-selectionBackground, &.cm-focused .cm-selectionBackground, ::selection": {
    backgroundColor: "var(--accent-2) !important",
  },
  ".cm-step-line": {
    backgroundColor: "var(--step-line) !important",
    boxShadow: "inset 3px 0 0 var(--step-line-border)",
  },
  ".cm-selected-line": {
    outline: "1.5px solid var(--accent)",
    outlineOffset: "-1.5px",
    borderRadius: "3px",
  },
  ".cm-error-line": {
    backgroundColor: "var(--danger-bg) !important",
    boxShadow: "inset 3px 0 0 var(--danger)",
  },
  ".cm-error-message": {
    margin: "2px 0 4px 0",
    padding: "4px 10px",
    borderLeft: "3px solid var(--danger)",
    backgroundColor: "var(--danger-bg)",
    color: "var(--danger)",
    fontFamily: "var(--font-mono)",
    fontSize: "12px",
    whiteSpace: "pre-wrap",
  },
  ".cm-matchingBracket": { backgroundColor: "var(--accent-2)", outline: "none" },
});

/** Token colours from the theme's variables, so light and dark both read well. */
export const highlight = syntaxHighlighting(
  HighlightStyle.define([
    { tag: [t.keyword, t.controlKeyword, t.moduleKeyword, t.operatorKeyword], color: "var(--syn-keyword)" },
    { tag: [t.string, t.special(t.string)], color: "var(--syn-string)" },
    { tag: [t.number, t.bool, t.null], color: "var(--syn-number)" },
    { tag: [t.comment, t.lineComment, t.blockComment], color: "var(--syn-comment)", fontStyle: "italic" },
    { tag: [t.function(t.variableName), t.function(t.propertyName)], color: "var(--syn-function)" },
    {
      tag: [t.definition(t.variableName), t.definition(t.function(t.variableName))],
      color: "var(--syn-def)",
    },
    { tag: [t.className, t.typeName], color: "var(--syn-type)" },
    { tag: [t.propertyName], color: "var(--syn-property)" },
    { tag: [t.operator, t.punctuation, t.bracket], color: "var(--syn-punct)" },
  ]),
);
