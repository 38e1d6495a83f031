// A small schema checker (no dependencies) for fit configs and optimizer options, so it sits
// below both fit/ and optim/. Each failure throws a FitConfigError naming the field path
// (e.g. "free[1].bounds") and the fix; unknown keys get a "did you mean" from the known ones.
// Besides types and ranges a schema node carries `rules`: checks across its fields (low <
// high, "also free"), written once here so the JSON config path and the SDK path
// (defineProblem) refuse the same input with the same message.

/**
 * Thrown for an unusable fit config or problem: `field` is the path of the offending field
 * (e.g. "free[1].bounds") and the message says the fix.
 *
 * @example
 * ```ts
 * import { FitConfigError, validateConfig } from "brainfit/fit";
 * try {
 *   validateConfig({ model: "SupHopf", free: [{ name: "G", bounds: [1, 0] }] });
 * } catch (err) {
 *   if (err instanceof FitConfigError) console.error(err.field, err.message);
 * }
 * ```
 */
export class FitConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
    /** The schema rule that refused the input (its doc), when one did. */
    readonly rule?: string,
  ) {
    super(`${field || "config"}: ${message}`);
    this.name = "FitConfigError";
  }
}

/** A failed rule: the field (relative to the node the rule sits on; "" for the node itself) and the message. */
export interface RuleFailure {
  field: string;
  message: string;
}

/** A check across fields, run after the node's own type check passed. `doc` goes into the JSON Schema's description. */
export interface Rule {
  doc: string;
  // deno-lint-ignore no-explicit-any -- a rule reads the fields of the node it is attached to, whatever their types
  check(value: any): RuleFailure | undefined;
}

export type Schema =
  & (
    | {
      type: "number";
      min?: number;
      max?: number;
      exclusiveMin?: number;
      integer?: boolean;
      doc?: string; /** also accept ±Infinity */
      infinite?: boolean;
    }
    | {
      type: "string";
      enum?: readonly string[];
      doc?: string; /** regular expression the value must match, and the fix said when it does not */
      pattern?: string;
      patternHint?: string;
    }
    | { type: "boolean"; doc?: string }
    | { type: "array"; items: Schema; minItems?: number; maxItems?: number; doc?: string }
    /** Numbers in an array or typed array (data handed to the SDK); elements are not range-checked. */
    | { type: "numbers"; doc?: string }
    | { type: "object"; fields: Record<string, FieldSchema>; doc?: string }
    | { type: "record"; values: Schema; doc?: string }
    | { type: "union"; options: Schema[]; doc: string }
    | { type: "any"; doc?: string }
  )
  & { rules?: Rule[] };

export type FieldSchema = Schema & { required?: boolean };

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest known name within a small edit distance, or undefined. */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3))) return best;
  // A name that is part of a known one (or the reverse), e.g. "hopf" → "SupHopf".
  const low = name.toLowerCase();
  if (low.length >= 3) return known.find((k) => k.toLowerCase().includes(low.replace(/(.)\1$/, "$1")) || low.includes(k.toLowerCase()));
  return undefined;
}

export function unknownNameMessage(what: string, name: string, known: readonly string[]): string {
  const hint = didYouMean(name, known);
  return `unknown ${what} '${name}'${hint ? `; did you mean '${hint}'?` : ""} (known: ${known.join(", ")})`;
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `a string ('${v.length > 30 ? v.slice(0, 30) + "…" : v}')`;
  return `${typeof v === "number" ? "the number" : typeof v} ${String(v)}`;
}

/** "an integer >= 0", "a number > 0 and <= 1": the whole expectation, for messages. */
function describeNumber(s: Extract<Schema, { type: "number" }>): string {
  const parts: string[] = [];
  if (s.min !== undefined) parts.push(`>= ${s.min}`);
  if (s.exclusiveMin !== undefined) parts.push(`> ${s.exclusiveMin}`);
  if (s.max !== undefined) parts.push(`<= ${s.max}`);
  return `${s.integer ? "an integer" : "a number"}${parts.length ? " " + parts.join(" and ") : ""}`;
}

function describe(s: Schema): string {
  switch (s.type) {
    case "number":
      return s.integer ? "an integer" : "a number";
    case "numbers":
      return "an array of numbers";
    case "string":
      return s.enum ? `one of ${s.enum.map((e) => `"${e}"`).join(", ")}` : "a string";
    case "boolean":
      return "true or false";
    case "array":
      return "an array";
    case "object":
    case "record":
      return "an object";
    case "union":
      return s.doc;
    case "any":
      return "a value";
  }
}

function matchesKind(v: unknown, s: Schema): boolean {
  switch (s.type) {
    case "number":
      return typeof v === "number";
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    case "array":
      return Array.isArray(v);
    case "numbers":
      return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
    case "object":
    case "record":
      return v !== null && typeof v === "object" && !Array.isArray(v);
    case "union":
      return s.options.some((o) => matchesKind(v, o));
    case "any":
      return true;
  }
}

const join = (path: string, key: string | number) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/** Check `value` against `schema`; throws FitConfigError at the first problem. */
export function validate(value: unknown, schema: Schema, path = ""): void {
  checkType(value, schema, path);
  for (const rule of schema.rules ?? []) {
    const bad = rule.check(value);
    if (bad) {
      throw new FitConfigError(
        bad.field ? (bad.field.startsWith("[") ? path + bad.field : join(path, bad.field)) : path,
        bad.message,
        rule.doc,
      );
    }
  }
}

function checkType(value: unknown, schema: Schema, path: string): void {
  const fail = (msg: string): never => {
    throw new FitConfigError(path, msg);
  };
  switch (schema.type) {
    case "any":
      return;
    case "number": {
      if (typeof value !== "number" || Number.isNaN(value) || (!Number.isFinite(value) && !schema.infinite)) {
        fail(`expected ${describe(schema)}, got ${kindOf(value)}${schema.doc ? ` (${schema.doc})` : ""}`);
      }
      const x = value as number;
      const doc = schema.doc ? ` (${schema.doc})` : "";
      if (schema.integer && !Number.isInteger(x)) fail(`must be ${describeNumber(schema)}, got ${x}${doc}`);
      if (schema.min !== undefined && x < schema.min) fail(`must be >= ${schema.min}, got ${x}${doc}`);
      if (schema.exclusiveMin !== undefined && x <= schema.exclusiveMin) fail(`must be > ${schema.exclusiveMin}, got ${x}${doc}`);
      if (schema.max !== undefined && x > schema.max) fail(`must be <= ${schema.max}, got ${x}${doc}`);
      return;
    }
    case "numbers":
      if (!matchesKind(value, schema) || (Array.isArray(value) && !value.every((v) => typeof v === "number"))) {
        fail(`expected ${describe(schema)}${schema.doc ? ` (${schema.doc})` : ""}, got ${kindOf(value)}`);
      }
      return;
    case "string":
      if (typeof value !== "string") fail(`expected ${describe(schema)}, got ${kindOf(value)}`);
      if (schema.enum && !schema.enum.includes(value as string)) {
        const hint = didYouMean(value as string, schema.enum);
        fail(`'${String(value)}' is not allowed; use ${describe(schema)}${hint ? ` (did you mean "${hint}"?)` : ""}`);
      }
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value as string)) {
        fail(`'${String(value)}' ${schema.patternHint ?? `must match ${schema.pattern}`}`);
      }
      return;
    case "boolean":
      if (typeof value !== "boolean") fail(`expected true or false, got ${kindOf(value)}`);
      return;
    case "array": {
      if (!Array.isArray(value)) fail(`expected an array${schema.doc ? ` (${schema.doc})` : ""}, got ${kindOf(value)}`);
      const arr = value as unknown[];
      if (schema.minItems !== undefined && arr.length < schema.minItems) {
        fail(`needs at least ${schema.minItems} item(s), got ${arr.length}`);
      }
      if (schema.maxItems !== undefined && arr.length > schema.maxItems) {
        fail(`takes at most ${schema.maxItems} item(s), got ${arr.length}`);
      }
      arr.forEach((item, i) => validate(item, schema.items, join(path, i)));
      return;
    }
    case "record": {
      if (!matchesKind(value, schema)) fail(`expected an object, got ${kindOf(value)}`);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) validate(v, schema.values, join(path, k));
      return;
    }
    case "object": {
      if (!matchesKind(value, schema)) fail(`expected an object${schema.doc ? ` (${schema.doc})` : ""}, got ${kindOf(value)}`);
      const obj = value as Record<string, unknown>;
      const known = Object.keys(schema.fields);
      for (const k of Object.keys(obj)) {
        if (!(k in schema.fields)) fail(unknownNameMessage("key", k, known));
      }
      for (const [k, f] of Object.entries(schema.fields)) {
        if (obj[k] === undefined) {
          if (f.required) throw new FitConfigError(join(path, k), `is required: give ${describe(f)}${f.doc ? ` (${f.doc})` : ""}`);
          continue;
        }
        validate(obj[k], f, join(path, k));
      }
      return;
    }
    case "union": {
      const candidates = schema.options.filter((o) => matchesKind(value, o));
      if (candidates.length === 0) fail(`expected ${schema.doc}, got ${kindOf(value)}`);
      let first: unknown;
      for (const c of candidates) {
        try {
          validate(value, c, path);
          return;
        } catch (e) {
          first ??= e;
        }
      }
      throw first;
    }
  }
}

/** Every rule in a schema (for tests that make each one fire). */
export function schemaRules(s: Schema, out = new Set<Rule>()): Set<Rule> {
  for (const r of s.rules ?? []) out.add(r);
  if (s.type === "array") schemaRules(s.items, out);
  else if (s.type === "record") schemaRules(s.values, out);
  else if (s.type === "object") { for (const f of Object.values(s.fields)) schemaRules(f, out); }
  else if (s.type === "union") { for (const o of s.options) schemaRules(o, out); }
  return out;
}

/** The same schema in JSON Schema form (for editors; `brainfit schema` prints the config's). */
export function toJsonSchema(s: Schema): Record<string, unknown> {
  // Rules have no JSON Schema form: their text joins the description, so editors show them.
  const text = [s.doc, ...(s.rules ?? []).map((r) => r.doc)].filter(Boolean).join("; ");
  const doc = text ? { description: text } : {};
  switch (s.type) {
    case "number": {
      const out: Record<string, unknown> = { type: s.integer ? "integer" : "number", ...doc };
      if (s.min !== undefined) out["minimum"] = s.min;
      if (s.max !== undefined) out["maximum"] = s.max;
      if (s.exclusiveMin !== undefined) out["exclusiveMinimum"] = s.exclusiveMin;
      return out;
    }
    case "string":
      return {
        type: "string",
        ...(s.enum ? { enum: [...s.enum] } : {}),
        ...(s.pattern !== undefined ? { pattern: s.pattern } : {}),
        ...doc,
      };
    case "numbers":
      return { type: "array", items: { type: "number" }, ...doc };
    case "boolean":
      return { type: "boolean", ...doc };
    case "array": {
      const out: Record<string, unknown> = { type: "array", items: toJsonSchema(s.items), ...doc };
      if (s.minItems !== undefined) out["minItems"] = s.minItems;
      if (s.maxItems !== undefined) out["maxItems"] = s.maxItems;
      return out;
    }
    case "record":
      return { type: "object", additionalProperties: toJsonSchema(s.values), ...doc };
    case "object": {
      const required = Object.entries(s.fields).filter(([, f]) => f.required).map(([k]) => k);
      return {
        type: "object",
        ...doc,
        properties: Object.fromEntries(Object.entries(s.fields).map(([k, f]) => [k, toJsonSchema(f)])),
        ...(required.length ? { required } : {}),
        additionalProperties: false,
      };
    }
    case "union":
      return { anyOf: s.options.map(toJsonSchema), ...doc };
    case "any":
      return { ...doc };
  }
}
