/**
 * The one escaping function for every piece of text an SVG gets from a program or a trace (labels,
 * op names, scope names, titles): markup stays text. It escapes for both element content and
 * double- or single-quoted attributes, and replaces what XML 1.0 cannot hold at all (control
 * characters, lone surrogates, U+FFFE/U+FFFF) with U+FFFD, so the document always parses.
 */
const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

const NOT_XML =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(text: string): string {
  return String(text)
    .replace(NOT_XML, "\uFFFD")
    .replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
