/**
 * A small JSON Schema (draft 2020-12) checker for the keywords trace.schema.json uses: $ref into
 * $defs, type, const, enum, properties, required, additionalProperties, propertyNames, pattern,
 * items, prefixItems, minItems, maxItems, minimum, oneOf. Enough to hold the schema to the traces
 * the recorder writes, without a validator dependency.
 */
type Schema = Record<string, any>;

const KNOWN = new Set([
  "$schema",
  "$id",
  "$ref",
  "$defs",
  "title",
  "description",
  "type",
  "const",
  "enum",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "pattern",
  "items",
  "prefixItems",
  "minItems",
  "maxItems",
  "minimum",
  "oneOf",
]);

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function hasType(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === "number" && actual === "integer");
}

export function validate(root: Schema, value: unknown): string[] {
  return validateAt(root, root, value, "$");
}

function validateAt(root: Schema, schema: Schema, value: unknown, at: string): string[] {
  const errors: string[] = [];
  const check = (s: Schema, v: unknown, path: string): void => {
    for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`schema keyword ${k} unsupported`);
    if (s.$ref) {
      const name = (s.$ref as string).replace("#/$defs/", "");
      check(root.$defs[name], v, path);
    }
    if (s.type) {
      const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
      if (!types.some((t) => hasType(v, t))) {
        errors.push(`${path}: type ${typeOf(v)} not ${types.join("|")}`);
        return;
      }
    }
    if ("const" in s && v !== s.const) errors.push(`${path}: not ${JSON.stringify(s.const)}`);
    if (s.enum && !s.enum.includes(v)) errors.push(`${path}: not in enum`);
    if (typeof v === "string" && s.pattern && !new RegExp(s.pattern, "u").test(v)) {
      errors.push(`${path}: does not match ${s.pattern}`);
    }
    if (typeof v === "number" && s.minimum !== undefined && v < s.minimum)
      errors.push(`${path}: below minimum`);
    if (Array.isArray(v)) {
      if (s.minItems !== undefined && v.length < s.minItems) errors.push(`${path}: too few items`);
      if (s.maxItems !== undefined && v.length > s.maxItems) errors.push(`${path}: too many items`);
      const prefix: Schema[] = s.prefixItems ?? [];
      v.forEach((x, i) => {
        if (i < prefix.length) check(prefix[i], x, `${path}[${i}]`);
        else if (s.items) check(s.items, x, `${path}[${i}]`);
      });
    }
    if (typeOf(v) === "object") {
      const o = v as Record<string, unknown>;
      for (const r of s.required ?? []) if (!(r in o)) errors.push(`${path}.${r}: required`);
      for (const [k, x] of Object.entries(o)) {
        if (s.propertyNames) check(s.propertyNames, k, `${path} key ${k}`);
        if (s.properties && k in s.properties) check(s.properties[k], x, `${path}.${k}`);
        else if (s.additionalProperties === false) errors.push(`${path}.${k}: not allowed`);
        else if (typeof s.additionalProperties === "object") check(s.additionalProperties, x, `${path}.${k}`);
      }
    }
    if (s.oneOf) {
      const matching = (s.oneOf as Schema[]).filter((alt) => validateAt(root, alt, v, path).length === 0);
      if (matching.length !== 1) errors.push(`${path}: matches ${matching.length} of oneOf`);
    }
  };
  check(schema, value, at);
  return errors;
}
