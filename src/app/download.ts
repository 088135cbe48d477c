/** Files out of the browser: a Blob saved under a name, and an SVG drawn into a PNG. */

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  // the download has started by the next task; keep the URL a little longer for slow browsers
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(text: string, filename: string, type: string): void {
  downloadBlob(new Blob([text], { type }), filename);
}

/** The pixel size an SVG document asks for (width/height attributes, else its viewBox). */
export function svgSize(svg: string): { w: number; h: number } {
  const head = svg.slice(0, svg.indexOf(">") + 1);
  const num = (name: string) => {
    const m = new RegExp(`\\s${name}="([0-9.]+)(px)?"`).exec(head);
    return m ? Number(m[1]) : NaN;
  };
  let w = num("width");
  let h = num("height");
  if (!(w > 0 && h > 0)) {
    const vb = /viewBox="[-0-9.]+[ ,]+[-0-9.]+[ ,]+([0-9.]+)[ ,]+([0-9.]+)"/.exec(head);
    w = vb ? Number(vb[1]) : 800;
    h = vb ? Number(vb[2]) : 600;
  }
  return { w, h };
}

/** Rasterizes a standalone SVG at `scale` (2 = retina), on a background colour (PNG viewers show transparency as black). */
export async function svgToPng(svg: string, scale = 2, background: string | null = null): Promise<Blob> {
  const { w, h } = svgSize(svg);
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml;charset=utf-8" }));
  try {
    const img = new Image();
    img.decoding = "async";
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error("the SVG could not be drawn as an image"));
      img.src = url;
    });
    // browsers cap canvas size; stay under 16k px a side
    const s = Math.max(0.1, Math.min(scale, 16000 / Math.max(w, h)));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(w * s));
    canvas.height = Math.max(1, Math.round(h * s));
    const ctx = canvas.getContext("2d")!;
    if (background) {
      ctx.fillStyle = background;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the PNG could not be encoded"))), "image/png"),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** A file name from a title: `mlp-nan`, `your-program`. */
export function fileStem(title: string): string {
  const s = title
    .toLowerCase()
    .replace(/\.json$/, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return s || "gradlens";
}
