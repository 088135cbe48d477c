import { describe, expect, it } from "vitest";
import {
  decodeProgram,
  encodeProgram,
  fromBase64Url,
  parseHash,
  serializeHash,
  toBase64Url,
} from "../../src/app/hash.ts";

const MLP = `import torch\nX = torch.tensor([3.9, 90])\nprint("σ(x) — ünïcode 🔥")\n`.repeat(4);

describe("URL hash", () => {
  it("reads the issue's example link", async () => {
    expect(await parseHash("#example=mlp-nan&step=end&view=autograd")).toEqual({
      example: "mlp-nan",
      step: "end",
      view: "autograd",
    });
  });

  it("reads numeric steps, landmarks, language and node, with or without '#'", async () => {
    expect(await parseHash("example=square&step=12&lang=javascript&node=t3.1")).toEqual({
      example: "square",
      step: 12,
      lang: "javascript",
      node: "t3.1",
    });
    expect((await parseHash("#step=start")).step).toBe("start");
    expect((await parseHash("#step=forward")).step).toBe("forward");
  });

  it("ignores what makes no sense instead of failing", async () => {
    expect(await parseHash("#example=<script>&step=-3&view=3d&lang=cobol&node=a%20b&code=!!!")).toEqual({});
    expect(await parseHash("")).toEqual({});
    expect(await parseHash("#&&=&x")).toEqual({});
  });

  it("writes keys in a fixed order and round-trips", async () => {
    const h = await serializeHash({ view: "autograd", step: "end", example: "mlp-nan" });
    expect(h).toBe("#example=mlp-nan&step=end&view=autograd");
    expect(await parseHash(h)).toEqual({ example: "mlp-nan", step: "end", view: "autograd" });
    expect(await serializeHash({})).toBe("");
  });

  it("an example wins over code; python is the default language and not written", async () => {
    expect(await serializeHash({ example: "square", code: "x = 1", lang: "python" })).toBe("#example=square");
  });

  it("round-trips a pasted program, compressed", async () => {
    const h = await serializeHash({ code: MLP, step: 3 });
    expect(h).toMatch(/^#code=z\.[A-Za-z0-9_-]+&step=3$/);
    expect(await parseHash(h)).toEqual({ code: MLP, step: 3 });
  });

  it("round-trips a program as plain base64url of its UTF-8", async () => {
    const h = await serializeHash({ code: MLP, lang: "javascript" }, { compress: false });
    const value = h.slice("#code=".length, h.indexOf("&"));
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(new TextDecoder().decode(fromBase64Url(value)!)).toBe(MLP);
    expect(await parseHash(h)).toEqual({ code: MLP, lang: "javascript" });
  });

  it("keeps a tiny program uncompressed when deflate would make it longer", async () => {
    const v = await encodeProgram("x=1");
    expect(v).toBe(toBase64Url(new TextEncoder().encode("x=1")));
    expect(await decodeProgram(v)).toBe("x=1");
  });

  it("decodes links made elsewhere: padding and standard base64 characters", async () => {
    // "a?>" is YT8+ in standard base64, YT8- in base64url
    expect(await decodeProgram("YT8-")).toBe("a?>");
    expect(await decodeProgram("YT8+")).toBe("a?>");
    expect(await decodeProgram("eA==")).toBe("x");
  });

  it("refuses corrupt programs: bad base64, bad deflate, invalid UTF-8", async () => {
    expect(await decodeProgram("a")).toBeNull();
    expect(await decodeProgram("z.AAAA")).toBeNull();
    expect(await decodeProgram(toBase64Url(new Uint8Array([0xff, 0xfe])))).toBeNull();
    expect(await parseHash("#code=z.____&example=square")).toEqual({ example: "square" });
  });
});
