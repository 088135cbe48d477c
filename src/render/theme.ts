/**
 * Colours per theme. Non-finite is the one red, used for nothing else; gradient magnitude uses a
 * perceptual ramp without red (viridis on screen, cividis for print: readable in grey too).
 */
import { interpolateCividis, interpolateViridis } from "d3-scale-chromatic";
import type { BoxKind } from "../layout/types.ts";

export type ThemeName = "light" | "dark" | "print";

export interface KindStyle {
  fill: string;
  stroke: string;
  text: string;
  strokeWidth: number;
}

export interface Theme {
  name: ThemeName;
  /** null: transparent (print drops onto the page). */
  background: string | null;
  text: string;
  muted: string;
  edge: string;
  kinds: Record<BoxKind, KindStyle>;
  collapsed: KindStyle;
  scopeFill: string;
  scopeStroke: string;
  nonfinite: { fill: string; stroke: string; text: string; badge: string; badgeText: string };
  /** Gradient magnitude, small to large, over t in [0, 1]. */
  ramp: (t: number) => string;
  zeroGrad: string;
}

const LIGHT: Theme = {
  name: "light",
  background: "#ffffff",
  text: "#111827",
  muted: "#6b7280",
  edge: "#9ca3af",
  kinds: {
    leaf: { fill: "#dbeafe", stroke: "#1d4ed8", text: "#0b1f4d", strokeWidth: 2 },
    constant: { fill: "#f3f4f6", stroke: "#6b7280", text: "#1f2937", strokeWidth: 1 },
    tensor: { fill: "#ffffff", stroke: "#374151", text: "#111827", strokeWidth: 1.25 },
    op: { fill: "#fef3c7", stroke: "#b45309", text: "#451a03", strokeWidth: 1 },
    "grad-fn": { fill: "#ede9fe", stroke: "#6d28d9", text: "#2e1065", strokeWidth: 1.25 },
    "accumulate-grad": { fill: "#dcfce7", stroke: "#15803d", text: "#052e16", strokeWidth: 1.5 },
    scope: { fill: "#f9fafb", stroke: "#d1d5db", text: "#4b5563", strokeWidth: 1 },
  },
  collapsed: { fill: "#e5e7eb", stroke: "#4b5563", text: "#111827", strokeWidth: 1.5 },
  scopeFill: "#f9fafb",
  scopeStroke: "#d1d5db",
  nonfinite: { fill: "#fee2e2", stroke: "#dc2626", text: "#7f1d1d", badge: "#dc2626", badgeText: "#ffffff" },
  ramp: (t) => interpolateViridis(0.85 * (1 - t)),
  zeroGrad: "#d1d5db",
};

const DARK: Theme = {
  name: "dark",
  background: "#0f172a",
  text: "#e5e7eb",
  muted: "#94a3b8",
  edge: "#64748b",
  kinds: {
    leaf: { fill: "#1e3a8a", stroke: "#93c5fd", text: "#eff6ff", strokeWidth: 2 },
    constant: { fill: "#1f2937", stroke: "#9ca3af", text: "#f3f4f6", strokeWidth: 1 },
    tensor: { fill: "#0f172a", stroke: "#cbd5e1", text: "#f1f5f9", strokeWidth: 1.25 },
    op: { fill: "#451a03", stroke: "#fbbf24", text: "#fef3c7", strokeWidth: 1 },
    "grad-fn": { fill: "#2e1065", stroke: "#c4b5fd", text: "#f5f3ff", strokeWidth: 1.25 },
    "accumulate-grad": { fill: "#052e16", stroke: "#86efac", text: "#f0fdf4", strokeWidth: 1.5 },
    scope: { fill: "#111827", stroke: "#334155", text: "#94a3b8", strokeWidth: 1 },
  },
  collapsed: { fill: "#1e293b", stroke: "#94a3b8", text: "#f1f5f9", strokeWidth: 1.5 },
  scopeFill: "#111827",
  scopeStroke: "#334155",
  nonfinite: { fill: "#450a0a", stroke: "#f87171", text: "#fee2e2", badge: "#ef4444", badgeText: "#ffffff" },
  ramp: (t) => interpolateViridis(0.2 + 0.8 * t),
  zeroGrad: "#475569",
};

/** Print: no background, white boxes, black strokes; kinds told apart by outline and shape, not fill. */
const PRINT: Theme = {
  name: "print",
  background: null,
  text: "#000000",
  muted: "#404040",
  edge: "#7f7f7f",
  kinds: {
    leaf: { fill: "#ffffff", stroke: "#000000", text: "#000000", strokeWidth: 2.25 },
    constant: { fill: "#f2f2f2", stroke: "#595959", text: "#000000", strokeWidth: 1 },
    tensor: { fill: "#ffffff", stroke: "#000000", text: "#000000", strokeWidth: 1 },
    op: { fill: "#ffffff", stroke: "#404040", text: "#000000", strokeWidth: 1 },
    "grad-fn": { fill: "#ffffff", stroke: "#000000", text: "#000000", strokeWidth: 1.25 },
    "accumulate-grad": { fill: "#e6e6e6", stroke: "#000000", text: "#000000", strokeWidth: 1.5 },
    scope: { fill: "#ffffff", stroke: "#a6a6a6", text: "#404040", strokeWidth: 1 },
  },
  collapsed: { fill: "#e6e6e6", stroke: "#000000", text: "#000000", strokeWidth: 1.5 },
  scopeFill: "#ffffff",
  scopeStroke: "#a6a6a6",
  nonfinite: { fill: "#ffe5e5", stroke: "#cc0000", text: "#000000", badge: "#cc0000", badgeText: "#ffffff" },
  ramp: (t) => interpolateCividis(0.9 * (1 - t)),
  zeroGrad: "#bfbfbf",
};

export const THEMES: Record<ThemeName, Theme> = { light: LIGHT, dark: DARK, print: PRINT };

export function themeOf(name: ThemeName | undefined): Theme {
  const t = THEMES[name ?? "light"];
  if (!t) throw new Error(`unknown theme ${JSON.stringify(name)}: use light, dark or print`);
  return t;
}
