/**
 * SVG → PNG in Node with resvg (a Rust rasterizer shipped as prebuilt binaries inside its npm
 * packages): no browser, no canvas. Loaded on first use, so the SVG path never pays for it.
 */
import { createRequire } from "node:module";

export interface PngOptions {
  /** Pixels per SVG px (2 = retina, sharp on slides). Default 2. */
  scale?: number;
  /**
   * Painted under a transparent picture (the print theme has no background of its own; many PNG
   * viewers show transparency as black). Default white; null keeps the transparency.
   */
  background?: string | null;
}

interface ResvgModule {
  Resvg: new (
    svg: string,
    opts: {
      fitTo?: { mode: "zoom"; value: number };
      background?: string;
      font?: { loadSystemFonts?: boolean; defaultFontFamily?: string };
    },
  ) => { render(): { asPng(): Buffer } };
}

let resvg: ResvgModule | null = null;

/** The PNG bytes of a standalone SVG document. */
export function svgToPng(svg: string, opts: PngOptions = {}): Buffer {
  const scale = opts.scale ?? 2;
  if (!(scale > 0 && scale <= 16)) throw new RangeError(`PNG scale must be in (0, 16], got ${scale}`);
  // resvg-js is a native addon published as CommonJS
  resvg ??= createRequire(import.meta.url)("@resvg/resvg-js") as ResvgModule;
  const background = opts.background === undefined ? "#ffffff" : opts.background;
  const r = new resvg.Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    ...(background ? { background } : {}),
    // the SVG names a font stack; resvg walks it over the fonts installed here, then this one
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return r.render().asPng();
}
