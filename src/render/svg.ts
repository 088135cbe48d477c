/**
 * sceneToSvg: a Scene as a standalone SVG document for lecture notes. Presentation attributes only
 * (no <style>, no scripts, no event attributes, no external reference, no url(#...) either, so
 * typesetters and converters that ignore <defs> draw it right); text stays text; a font stack that
 * falls back to any sans-serif / monospace; same scene → same bytes (2-decimal numbers, scene order).
 */
import { escapeXml } from "./escape.ts";
import type { Scene, SceneShape, SceneText } from "./types.ts";

export interface SvgOptions {
  /** Indent with newlines between elements (readable diffs); default true. */
  pretty?: boolean;
}

/** A number for an attribute: at most 2 decimals, no `-0`, no exponent. */
export function num(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`svg: non-finite coordinate ${v}`);
  const r = Math.round(v * 100) / 100;
  if (r === 0) return "0";
  return String(r);
}

function attrs(a: Record<string, string | number | null | undefined>): string {
  let s = "";
  for (const [k, v] of Object.entries(a)) {
    if (v === null || v === undefined) continue;
    s += ` ${k}="${typeof v === "number" ? num(v) : escapeXml(v)}"`;
  }
  return s;
}

function shapeEl(s: SceneShape): string {
  const paint = {
    fill: s.fill ?? "none",
    stroke: s.stroke ?? undefined,
    "stroke-width": s.stroke ? s.strokeWidth : undefined,
    "stroke-dasharray": s.dash ?? undefined,
  };
  if (s.shape === "octagon") {
    const c = Math.min(6, s.w / 4, s.h / 4);
    const { x, y, w, h } = s;
    const pts = [
      [x + c, y],
      [x + w - c, y],
      [x + w, y + c],
      [x + w, y + h - c],
      [x + w - c, y + h],
      [x + c, y + h],
      [x, y + h - c],
      [x, y + c],
    ]
      .map(([px, py]) => `${num(px)},${num(py)}`)
      .join(" ");
    return `<polygon${attrs({ points: pts, ...paint })}/>`;
  }
  const rx = s.shape === "pill" ? s.h / 2 : s.rx;
  return `<rect${attrs({ x: s.x, y: s.y, width: s.w, height: s.h, rx: rx > 0 ? rx : undefined, ...paint })}/>`;
}

function textEl(t: SceneText, scene: Scene): string {
  return `<text${attrs({
    x: t.x,
    y: t.y,
    "font-size": t.size,
    "font-family": t.font === "mono" ? scene.fonts.mono : undefined,
    "font-weight": t.weight === 700 ? "bold" : undefined,
    "text-anchor": t.anchor === "start" ? undefined : t.anchor,
    fill: t.fill,
  })}>${escapeXml(t.text)}</text>`;
}

export function sceneToSvg(scene: Scene, opts: SvgOptions = {}): string {
  const nl = opts.pretty === false ? "" : "\n";
  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(
    `<svg${attrs({
      xmlns: "http://www.w3.org/2000/svg",
      width: scene.displayWidth,
      height: scene.displayHeight,
      viewBox: `0 0 ${num(scene.width)} ${num(scene.height)}`,
      role: "img",
      "data-theme": scene.theme,
    })}>`,
  );
  out.push(`<title>${escapeXml(scene.title)}</title>`);
  out.push(`<desc>${escapeXml(scene.desc)}</desc>`);
  if (scene.background)
    out.push(`<rect${attrs({ width: scene.width, height: scene.height, fill: scene.background })}/>`);
  out.push(`<g${attrs({ "font-family": scene.fonts.sans, fill: scene.textColor })}>`);

  out.push(`<g data-layer="scopes">`);
  for (const s of scene.scopes) {
    out.push(
      `<g${attrs({ "data-id": s.id, "data-kind": "scope", "data-scope": s.path, "data-nonfinite": s.nonfinite })}>` +
        shapeEl(s.body) +
        textEl(s.label, scene) +
        `</g>`,
    );
  }
  out.push(`</g>`);

  out.push(`<g data-layer="edges">`);
  for (const e of scene.edges) {
    out.push(
      `<g${attrs({
        "data-id": e.id,
        "data-kind": e.kind,
        "data-source": e.source,
        "data-target": e.target,
        "data-nonfinite": e.nonfinite,
        "data-grad": e.grad,
      })}>` +
        `<path${attrs({ d: e.d, fill: "none", stroke: e.stroke, "stroke-width": e.strokeWidth, "stroke-dasharray": e.dash })}/>` +
        `<polygon${attrs({ points: e.arrow.map((p) => `${num(p.x)},${num(p.y)}`).join(" "), fill: e.stroke })}/>` +
        `</g>`,
    );
  }
  out.push(`</g>`);

  out.push(`<g data-layer="nodes">`);
  for (const n of scene.nodes) {
    let s = `<g${attrs({
      "data-id": n.id,
      "data-kind": n.kind,
      "data-stub-for": n.stubFor,
      "data-nonfinite": n.nonfinite,
      "data-origin": n.origin ? "true" : null,
      "data-stub": n.stub ? "true" : null,
      "data-collapsed": n.collapsed ? "true" : null,
    })}>`;
    if (n.originMark) s += shapeEl(n.originMark.shape) + textEl(n.originMark.text, scene);
    s += shapeEl(n.body);
    for (const t of n.texts) s += textEl(t, scene);
    if (n.badge) s += shapeEl(n.badge.shape) + textEl(n.badge.text, scene);
    out.push(s + `</g>`);
  }
  out.push(`</g>`);

  if (scene.message.length) {
    let s = `<g data-layer="message">`;
    for (const t of scene.message) s += textEl(t, scene);
    out.push(s + `</g>`);
  }
  if (scene.legend) {
    let s = `<g data-layer="legend">`;
    for (const sh of scene.legend.shapes) s += shapeEl(sh);
    for (const t of scene.legend.texts) s += textEl(t, scene);
    out.push(s + `</g>`);
  }
  out.push(`</g>`);
  out.push(`</svg>`);
  return out.join(nl) + nl;
}
