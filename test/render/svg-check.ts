/** Checks an exported SVG as a typesetter and a security reviewer would: parsed by a real XML parser. */
import { DOMParser, type Document, type Element } from "@xmldom/xmldom";

export function parseSvg(svg: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({
    onError: (level, msg) => {
      if (level !== "warning") errors.push(`${level}: ${msg}`);
    },
  }).parseFromString(svg, "image/svg+xml");
  if (errors.length) throw new Error(`SVG is not well-formed XML:\n${errors.join("\n")}`);
  return doc;
}

export function allElements(doc: Document): Element[] {
  const out: Element[] = [];
  const walk = (el: Element) => {
    out.push(el);
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) walk(c as Element);
  };
  walk(doc.documentElement!);
  return out;
}

/** Problems that make an SVG unsafe or not standalone: scripts, handlers, styles, external references. */
export function standaloneProblems(doc: Document): string[] {
  const problems: string[] = [];
  for (const el of allElements(doc)) {
    const name = el.localName!.toLowerCase();
    if (["script", "style", "foreignobject", "iframe", "image", "use", "a", "link"].includes(name))
      problems.push(`<${name}>`);
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes.item(i)!;
      const n = a.name.toLowerCase();
      if (n.startsWith("on")) problems.push(`${n} on <${name}>`);
      if (n === "href" || n.endsWith(":href") || n === "src" || n === "style")
        problems.push(`${n} on <${name}>`);
      if (n !== "xmlns" && /(https?:|javascript:|data:|url\()/i.test(a.value))
        problems.push(`${n}=${a.value} on <${name}>`);
    }
  }
  return problems;
}

/** Observable Plot-style normalization for snapshots: numbers rounded to whole px. */
export function normalizeSvg(svg: string): string {
  return svg.replace(/-?\d+\.\d+/g, (m) => {
    const r = Math.round(Number(m));
    return r === 0 ? "0" : String(r);
  });
}
