// A minimal parser for the Python literals found in .npy headers: dicts, tuples, lists,
// strings, integers, True/False/None. Bounded depth so corrupt headers cannot blow the stack.

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue } | PyTuple;

/** A Python tuple, kept distinct from lists so shapes can be checked. */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

const MAX_DEPTH = 16;

/** Parses `text`; throws a plain Error with a position on malformed input (callers wrap it). */
export function parsePyLiteral(text: string): PyValue {
  let pos = 0;

  const fail = (what: string): never => {
    throw new Error(`${what} at character ${pos} of the header`);
  };
  const skipWs = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };

  const parseValue = (depth: number): PyValue => {
    if (depth > MAX_DEPTH) fail("nesting too deep");
    skipWs();
    const c = text[pos];
    if (c === undefined) return fail("unexpected end");
    if (c === "{") return parseDict(depth);
    if (c === "(") return parseSeq(")", depth);
    if (c === "[") return parseSeq("]", depth);
    if (c === "'" || c === '"') return parseString();
    if (/[-+0-9]/.test(c)) return parseInt_();
    const word = /^[A-Za-z_]+/.exec(text.slice(pos, pos + 8));
    if (word) {
      pos += word[0].length;
      if (word[0] === "True") return true;
      if (word[0] === "False") return false;
      if (word[0] === "None") return null;
      return fail(`unexpected word "${word[0]}"`);
    }
    return fail(`unexpected character "${c}"`);
  };

  const parseString = (): string => {
    const quote = text[pos++];
    let out = "";
    while (pos < text.length) {
      const c = text[pos++]!;
      if (c === quote) return out;
      if (c === "\\") {
        const e = text[pos++];
        if (e === undefined) break;
        out += e === "n" ? "\n" : e === "t" ? "\t" : e;
      } else {
        out += c;
      }
    }
    return fail("unterminated string");
  };

  const parseInt_ = (): number => {
    const m = /^[-+]?\d+L?/.exec(text.slice(pos, pos + 40));
    if (!m) return fail("malformed number");
    pos += m[0].length;
    return Number(m[0].replace(/L$/, ""));
  };

  const parseSeq = (close: string, depth: number): PyValue => {
    pos++;
    const items: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      skipWs();
      if (text[pos] === close) {
        pos++;
        break;
      }
      items.push(parseValue(depth + 1));
      skipWs();
      if (text[pos] === ",") {
        pos++;
        sawComma = true;
      } else if (text[pos] !== close) {
        fail(`expected "," or "${close}"`);
      }
    }
    // "(3)" is just 3 in Python; "(3,)" is a tuple
    if (close === ")" && items.length === 1 && !sawComma) return items[0]!;
    return close === ")" ? new PyTuple(items) : items;
  };

  const parseDict = (depth: number): PyValue => {
    pos++;
    const out: { [key: string]: PyValue } = Object.create(null) as { [key: string]: PyValue };
    for (;;) {
      skipWs();
      if (text[pos] === "}") {
        pos++;
        return out;
      }
      const key = parseValue(depth + 1);
      if (typeof key !== "string") fail("dict keys must be strings");
      skipWs();
      if (text[pos] !== ":") fail('expected ":"');
      pos++;
      out[key as string] = parseValue(depth + 1);
      skipWs();
      if (text[pos] === ",") pos++;
      else if (text[pos] !== "}") fail('expected "," or "}"');
    }
  };

  const v = parseValue(0);
  skipWs();
  if (pos !== text.length) fail("trailing characters");
  return v;
}
