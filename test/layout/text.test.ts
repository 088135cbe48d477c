import { describe, expect, it } from "vitest";
import fixture from "../fixtures/text_widths.json";
import { charAdvance, fitText, textWidth, type FontFace } from "../../src/layout/text.ts";

const FACE: Record<string, FontFace> = { regular: "sans", bold: "sans-bold", mono: "mono" };

describe("text width estimate", () => {
  it("is never narrower than the text rendered in Liberation Sans or DejaVu Sans (PIL-measured)", () => {
    for (const c of fixture.cases) {
      const est = textWidth(c.text, fixture.size, FACE[c.face]);
      const real = Math.max(c.widths.liberation, c.widths.dejavu);
      expect(est, `${c.face} ${c.text}`).toBeGreaterThanOrEqual(real - 0.01);
      // and not so loose that boxes balloon
      expect(est, `${c.face} ${c.text}`).toBeLessThanOrEqual(real * 1.2 + 2);
    }
  });

  it("is deterministic and additive over characters", () => {
    expect(textWidth("MulBackward0", 12)).toBe(textWidth("MulBackward0", 12));
    expect(textWidth("", 12)).toBe(0);
    const a = textWidth("ab", 10);
    expect(a).toBeCloseTo(textWidth("a", 10) + textWidth("b", 10), 1);
  });

  it("gives combining marks no width and CJK a full em", () => {
    expect(charAdvance(0x301, "sans")).toBe(0);
    expect(charAdvance("中".codePointAt(0)!, "sans")).toBe(1000);
    expect(textWidth("中", 10)).toBe(10);
  });

  it("fits text with an ellipsis within the width", () => {
    const s = "binary_cross_entropy_with_a_long_name";
    const cut = fitText(s, 12, 80, "sans-bold");
    expect(cut.endsWith("…")).toBe(true);
    expect(textWidth(cut, 12, "sans-bold")).toBeLessThanOrEqual(80);
    expect(fitText("loss", 12, 80)).toBe("loss");
  });
});
