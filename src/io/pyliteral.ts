// The Python literals found in .npy headers, read the way numpy reads them: numpy calls
// ast.literal_eval on the header (Python 3 lexical rules), and for format 1.0/2.0 headers that
// fail, retries after dropping Python 2 long suffixes ("3L"). This parser follows the same
// grammar for the values a header can hold (dicts, tuples, lists, sets, str/bytes literals,
// ints, True/False/None), so brainfit accepts exactly the headers np.load accepts.
// Floats, complex numbers and `...` are parsed but marked, since no valid header uses them.
// Bounded depth so corrupt headers cannot blow the stack.

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue } | PyTuple | PyOther;

/** A Python tuple, kept distinct from lists so shapes can be checked. */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A value no valid header holds (float, complex, bytes, set, Ellipsis), kept with its source text. */
export class PyOther {
  constructor(
    readonly kind: "float" | "complex" | "bytes" | "set" | "ellipsis",
    readonly text: string,
  ) {}
}

/** Options of {@link parsePyLiteral}. */
export interface PyLiteralOptions {
  /** Accept Python 2 long suffixes after numbers ("3L"), as numpy does for .npy 1.0 and 2.0 headers. */
  python2Longs?: boolean;
}

const MAX_DEPTH = 16;
const ID_CHAR = /[A-Za-z0-9_\u0080-\uffff]/;
const PREFIXES = new Set(["", "r", "u", "b", "br", "rb", "f", "fr", "rf"]);

/**
 * Parses `text` as ast.literal_eval would (after numpy's leading " \t" strip); throws a plain
 * Error with a position on anything Python would refuse (callers wrap it).
 */
export function parsePyLiteral(text: string, opts: PyLiteralOptions = {}): PyValue {
  // Python's tokenizer reads universal newlines; literal_eval strips leading spaces and tabs.
  const src = text.replace(/\r\n?/g, "\n").replace(/^[ \t]+/, "");
  let pos = 0;
  let nesting = 0; // open brackets: newlines inside them are insignificant

  const fail = (what: string): never => {
    throw new Error(`${what} at character ${pos} of the header`);
  };
  if (src.includes("\0")) {
    pos = src.indexOf("\0");
    fail("null byte");
  }

  /** Skips blanks, comments and line continuations; a newline only inside brackets. */
  const skip = (): void => {
    for (;;) {
      const c = src[pos];
      if (c === " " || c === "\t" || c === "\f") pos++;
      else if (c === "#") { while (pos < src.length && src[pos] !== "\n") pos++; }
      else if (c === "\\" && src[pos + 1] === "\n") pos += 2;
      else if (c === "\n" && nesting > 0) pos++;
      else return;
    }
  };

  let signed = false; // whether the value just parsed was a unary +/- (literal_eval allows one, on a number)
  const parseValue = (depth: number): PyValue => {
    signed = false;
    if (depth > MAX_DEPTH) fail("nesting too deep");
    skip();
    const c = src[pos];
    if (c === undefined || c === "\n") return fail("unexpected end");
    if (c === "{") return parseBraces(depth);
    if (c === "(") return parseSeq(")", depth);
    if (c === "[") return parseSeq("]", depth);
    if (c === "+" || c === "-") {
      pos++;
      const v = parseValue(depth + 1);
      if (signed) fail(`a second unary ${c}`);
      signed = true;
      if (typeof v === "number") return c === "-" ? -v : v;
      if (v instanceof PyOther && (v.kind === "float" || v.kind === "complex")) return v;
      return fail(`unary ${c} applies only to a number`);
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[pos + 1] ?? ""))) return parseNumber();
    if (src.startsWith("...", pos)) {
      pos += 3;
      return new PyOther("ellipsis", "...");
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(pos, pos + 64));
    if (word) {
      const w = word[0];
      const q = src[pos + w.length];
      if ((q === "'" || q === '"') && PREFIXES.has(w.toLowerCase())) return parseStrings();
      if (ID_CHAR.test(src[pos + w.length] ?? "")) fail(`unexpected name`);
      pos += w.length;
      if (w === "True") return true;
      if (w === "False") return false;
      if (w === "None") return null;
      return fail(`unexpected name "${w}" (only literals are allowed)`);
    }
    if (c === "'" || c === '"') return parseStrings();
    return fail(`unexpected character ${JSON.stringify(c)}`);
  };

  /** One or more adjacent string literals, concatenated (str and bytes cannot mix). */
  const parseStrings = (): PyValue => {
    let out = "";
    let bytes: boolean | undefined;
    for (;;) {
      const m = /^([A-Za-z]{0,2})(['"])/.exec(src.slice(pos, pos + 3));
      if (!m || !PREFIXES.has(m[1]!.toLowerCase())) break;
      const prefix = m[1]!.toLowerCase();
      if (prefix.includes("f")) fail("f-strings are not literals");
      const isBytes = prefix.includes("b");
      if (bytes !== undefined && bytes !== isBytes) fail("cannot mix bytes and str literals");
      bytes = isBytes;
      pos += m[1]!.length;
      out += parseString(prefix.includes("r"), isBytes);
      const save = pos;
      skip();
      if (!/^[A-Za-z]{0,2}['"]/.test(src.slice(pos, pos + 3))) {
        pos = save;
        break;
      }
    }
    return bytes ? new PyOther("bytes", out) : out;
  };

  const parseString = (raw: boolean, bytes: boolean): string => {
    const q = src[pos]!;
    const triple = src.startsWith(q + q + q, pos);
    const close = triple ? q + q + q : q;
    pos += close.length;
    let out = "";
    for (;;) {
      if (pos >= src.length) fail("unterminated string");
      if (src.startsWith(close, pos)) {
        pos += close.length;
        return out;
      }
      const c = src[pos]!;
      if (c === "\n" && !triple) fail("unterminated string (newline inside)");
      if (bytes && c.charCodeAt(0) > 0x7f) fail("bytes literals hold only ASCII characters");
      if (c !== "\\") {
        out += c;
        pos++;
        continue;
      }
      const e = src[pos + 1];
      if (e === undefined) fail("unterminated string");
      if (raw) {
        out += c + e; // a raw string keeps the backslash; it only stops the quote from closing
        pos += 2;
        continue;
      }
      pos += 2;
      const simple: Record<string, string> = {
        "\n": "",
        "\\": "\\",
        "'": "'",
        '"': '"',
        a: "\x07",
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
        v: "\v",
      };
      if (e! in simple) out += simple[e!];
      else if (/[0-7]/.test(e!)) {
        const m = /^[0-7]{1,3}/.exec(src.slice(pos - 1, pos + 2))!;
        pos += m[0].length - 1;
        out += String.fromCharCode(parseInt(m[0], 8));
      } else if (e === "x" || (!bytes && (e === "u" || e === "U"))) {
        const n = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = src.slice(pos, pos + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) fail(`truncated \\${e} escape`);
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) fail("illegal Unicode character");
        out += String.fromCodePoint(cp);
        pos += n;
      } else if (e === "N" && !bytes) {
        fail("\\N{...} escapes are not supported in .npy headers");
      } else {
        out += "\\" + e; // unknown escapes keep their backslash in Python
      }
    }
  };

  const parseNumber = (): PyValue => {
    const rest = src.slice(pos, pos + 200);
    const dig = "[0-9](?:_?[0-9])*";
    const m = /^0[xX](?:_?[0-9a-fA-F])+/.exec(rest) ??
      /^0[oO](?:_?[0-7])+/.exec(rest) ??
      /^0[bB](?:_?[01])+/.exec(rest) ??
      new RegExp(`^(?:(?:${dig})?\\.${dig}|${dig}\\.?)(?:[eE][-+]?${dig})?[jJ]?`).exec(rest);
    if (!m) return fail("malformed number");
    const t = m[0];
    pos += t.length;
    let value: PyValue;
    if (/[jJ]$/.test(t)) value = new PyOther("complex", t);
    else if (/^0[xXoObB]/.test(t)) {
      value = Number(t.replace(/_/g, "").replace(/^0[oO]/, "0o").replace(/^0[bB]/, "0b").replace(/^0[xX]/, "0x"));
    } else if (/[.eE]/.test(t)) value = new PyOther("float", t);
    else {
      const d = t.replace(/_/g, "");
      if (d.length > 1 && d[0] === "0" && /[1-9]/.test(d)) fail("leading zeros in a decimal integer");
      value = Number(d);
    }
    if (ID_CHAR.test(src[pos] ?? "")) {
      // Python 3 refuses "3L"; numpy retries 1.0/2.0 headers without Python 2 long suffixes.
      if (!(opts.python2Longs && src[pos] === "L" && !ID_CHAR.test(src[pos + 1] ?? ""))) fail("invalid number literal");
      pos++;
      return value;
    }
    if (opts.python2Longs) {
      const save = pos;
      skip();
      if (src[pos] === "L" && !ID_CHAR.test(src[pos + 1] ?? "")) pos++;
      else pos = save;
    }
    return value;
  };

  /** Elements up to `close`; returns them and whether a comma appeared. */
  const parseItems = (close: string, depth: number): { items: PyValue[]; comma: boolean } => {
    const items: PyValue[] = [];
    let comma = false;
    for (;;) {
      skip();
      if (src[pos] === close) {
        pos++;
        return { items, comma };
      }
      items.push(parseValue(depth + 1));
      skip();
      if (src[pos] === ",") {
        pos++;
        comma = true;
      } else if (src[pos] !== close) {
        fail(`expected "," or "${close}"`);
      }
    }
  };

  const parseSeq = (close: string, depth: number): PyValue => {
    pos++;
    nesting++;
    const { items, comma } = parseItems(close, depth);
    nesting--;
    // "(3)" is just 3 in Python; "(3,)" is a tuple
    if (close === ")") return items.length === 1 && !comma ? items[0]! : new PyTuple(items);
    return items;
  };

  const parseBraces = (depth: number): PyValue => {
    pos++;
    nesting++;
    skip();
    if (src[pos] === "}") {
      pos++;
      nesting--;
      return Object.create(null) as { [key: string]: PyValue };
    }
    const first = parseValue(depth + 1);
    skip();
    if (src[pos] !== ":") {
      // a set literal: never a header, but Python parses it
      if (src[pos] === ",") pos++;
      else if (src[pos] !== "}") fail('expected ":", "," or "}"');
      parseItems("}", depth);
      nesting--;
      return new PyOther("set", "{...}");
    }
    const out = Object.create(null) as { [key: string]: PyValue };
    let key: PyValue = first;
    for (;;) {
      pos++; // the ":"
      const v = parseValue(depth + 1);
      if (typeof key !== "string") fail("dict keys other than str cannot be header keys");
      out[key as string] = v;
      skip();
      if (src[pos] === ",") {
        pos++;
        skip();
      } else if (src[pos] !== "}") fail('expected "," or "}"');
      if (src[pos] === "}") {
        pos++;
        nesting--;
        return out;
      }
      key = parseValue(depth + 1);
      skip();
      if (src[pos] !== ":") fail('expected ":"');
    }
  };

  // Leading blank or comment-only lines are allowed; the first real line must not be indented.
  for (;;) {
    const line = /^[ \t\f]*(?:#[^\n]*)?\n/.exec(src.slice(pos));
    if (!line) break;
    pos += line[0].length;
    if (/^[ \t\f]+[^ \t\f\n#]/.test(src.slice(pos))) fail("unexpected indent");
  }
  const v = parseValue(0);
  // After the expression: only blanks, comments and newlines.
  for (;;) {
    skip();
    if (src[pos] === "\n") pos++;
    else break;
  }
  if (pos !== src.length) fail("trailing characters");
  return v;
}

/** Python's repr of a parsed literal (how numpy prints header values in its messages). */
export function pyRepr(v: PyValue): string {
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
  if (v instanceof PyTuple) return v.items.length === 1 ? `(${pyRepr(v.items[0]!)},)` : `(${v.items.map(pyRepr).join(", ")})`;
  if (v instanceof PyOther) return v.kind === "bytes" ? `b${pyRepr(v.text)}` : v.text;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(", ")}}`;
}
