import { describe, expect, it } from "vitest";
import { DOMParser } from "@xmldom/xmldom";
import { escapeXml } from "../../src/render/escape.ts";

function parse(xml: string) {
  const errors: string[] = [];
  // warnings (e.g. "replacement character detected") are not well-formedness errors
  const doc = new DOMParser({
    onError: (level, msg) => {
      if (level !== "warning") errors.push(`${level}: ${msg}`);
    },
  }).parseFromString(xml, "text/xml");
  return { doc, errors };
}

describe("escapeXml", () => {
  it("escapes markup so it stays text, in content and in attributes", () => {
    const evil = `<img src=x onerror="alert(1)"> & 'quoted' </g><script>alert(2)</script>`;
    const xml = `<r a="${escapeXml(evil)}" b='${escapeXml(evil)}'>${escapeXml(evil)}</r>`;
    const { doc, errors } = parse(xml);
    expect(errors).toEqual([]);
    const r = doc.documentElement!;
    expect(r.childNodes.length).toBe(1);
    expect(r.textContent).toBe(evil);
    expect(r.getAttribute("a")).toBe(evil);
    expect(r.getAttribute("b")).toBe(evil);
    expect(doc.getElementsByTagName("img").length).toBe(0);
    expect(doc.getElementsByTagName("script").length).toBe(0);
  });

  it("keeps math and other Unicode as it is", () => {
    expect(escapeXml("∂L/∂w = x² · 2")).toBe("∂L/∂w = x² · 2");
    expect(escapeXml("😀 中文")).toBe("😀 中文");
  });

  it("replaces what XML cannot hold (control characters, lone surrogates) with U+FFFD", () => {
    const bad = "a\u0000b\u0007c\uD800d\uDC00e\uFFFEf\tg\nh";
    const out = escapeXml(bad);
    expect(out).toBe("a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\tg\nh");
    expect(parse(`<r>${out}</r>`).errors).toEqual([]);
  });

  it("escapes every special character exactly once", () => {
    expect(escapeXml(`&<>"'`)).toBe("&amp;&lt;&gt;&quot;&#39;");
    expect(escapeXml("&amp;")).toBe("&amp;amp;");
  });
});
