// Delimited text matrices as numpy.loadtxt / MATLAB writematrix / pandas to_csv produce them.
import { BrainfitIOError } from "./errors.ts";
import { roundToHalf } from "./half.ts";
import { type Float64NdArray, type NdArray, parseStringDType, validateArray } from "./ndarray.ts";

export interface TextReadOptions {
  source?: string;
  /** Field separator; default: detected from the first data line (",", ";", tab, else whitespace). */
  delimiter?: string;
  /** Minimum number of dimensions of the result, as numpy.loadtxt's ndmin (default 0: squeeze like loadtxt). */
  ndmin?: 0 | 1 | 2;
  /** Header row: "auto" (default: a first line that is not all numbers), true, or false. */
  header?: "auto" | boolean;
}

export interface TextMatrix {
  array: Float64NdArray;
  /** Column names when the file had a header row. */
  header?: string[];
  /** Row names when every row starts with a non-numeric label (pandas index, TVB centres). */
  rowLabels?: string[];
}

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*(?:[eEdD][+-]?\d+)?|\.\d+(?:[eEdD][+-]?\d+)?)$/;

/** Parses one numeric field as numpy.loadtxt does (also nan/inf spellings and Fortran 1.0D+00). */
export function parseNumberToken(tok: string): number | undefined {
  if (NUMBER_RE.test(tok)) return Number(tok.replace(/[dD]/, "e"));
  const t = tok.toLowerCase();
  if (t === "nan" || t === "+nan" || t === "-nan") return NaN;
  if (t === "inf" || t === "+inf" || t === "infinity" || t === "+infinity") return Infinity;
  if (t === "-inf" || t === "-infinity") return -Infinity;
  return undefined;
}

function stripComment(line: string): string {
  let cut = line.length;
  const h = line.indexOf("#");
  if (h >= 0) cut = h;
  const pct = line.indexOf("%");
  if (pct >= 0 && pct < cut) cut = pct;
  return line.slice(0, cut).trim();
}

function splitter(delimiter: string): (line: string) => string[] {
  if (delimiter === " " || delimiter === "whitespace") return (l) => l.split(/\s+/);
  return (l) => l.split(delimiter).map((f) => f.trim());
}

function detectDelimiter(line: string): string {
  if (line.includes(",")) return ",";
  if (line.includes(";")) return ";";
  if (line.includes("\t") && !/ /.test(line.replace(/\t/g, ""))) return "\t";
  return " ";
}

function unquote(s: string): string {
  return s.length >= 2 && ((s[0] === '"' && s[s.length - 1] === '"') || (s[0] === "'" && s[s.length - 1] === "'")) ? s.slice(1, -1) : s;
}

/**
 * Parses a delimited text matrix into float64. Comments start with '#' or '%'; blank lines are
 * skipped; a first line that is not all numbers is a header; a first column of non-numeric
 * labels (pandas index, TVB centres.txt) is returned as rowLabels. Like numpy.loadtxt, a single row or
 * column comes back 1-D (and a single value 0-d) unless `ndmin` asks for more.
 *
 * @example
 * ```ts
 * import { parseTextMatrix } from "brainfit/io";
 * const { array } = parseTextMatrix("0 1\n1 0\n"); // 2 × 2 float64
 * ```
 */
export function parseTextMatrix(input: Uint8Array | string, opts: TextReadOptions = {}): TextMatrix {
  const source = opts.source;
  let text = typeof input === "string" ? input : new TextDecoder("utf-8").decode(input);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r\n|\n|\r/);
  let delimiter = opts.delimiter;
  let split: ((l: string) => string[]) | undefined = delimiter ? splitter(delimiter) : undefined;
  let header: string[] | undefined;
  let cols = -1;
  let rows = 0;
  let values = new Float64Array(1024);
  let n = 0;
  let firstLine = true;
  let headerLine: string | undefined;
  let labelled: boolean | undefined;
  const rowLabels: string[] = [];
  const isNum = (f: string) => parseNumberToken(f.trim()) !== undefined;
  for (let li = 0; li < lines.length; li++) {
    const line = stripComment(lines[li]!);
    if (line === "") continue;
    if (firstLine) {
      firstLine = false;
      // decide on a header before the delimiter: a header may not contain the data's separator
      const probe = line.split(delimiter && delimiter !== " " ? delimiter : /[\s,;]+/);
      const allNumeric = probe.every(isNum);
      // "label 1 2 3" is a labelled data row, not a header
      const isLabelled = (fs: string[]) => fs.length >= 2 && !isNum(fs[0]!) && fs.slice(1).every(isNum);
      let labelledRow = isLabelled(probe);
      if (labelledRow) {
        // ambiguous with a header such as "col 0": it is data only if the next row has the same form
        let next: string | undefined;
        for (let k = li + 1; k < lines.length && next === undefined; k++) {
          const l = stripComment(lines[k]!);
          if (l !== "") next = l;
        }
        if (next !== undefined) {
          const np = next.split(delimiter && delimiter !== " " ? delimiter : /[\s,;]+/);
          labelledRow = isLabelled(np) && np.length === probe.length;
        }
      }
      if (opts.header === true || (opts.header !== false && !allNumeric && !labelledRow)) {
        headerLine = line;
        continue;
      }
    }
    if (!split) {
      delimiter = detectDelimiter(line);
      split = splitter(delimiter);
    }
    let fields = split(line);
    if (labelled === undefined) labelled = fields.length >= 2 && !isNum(fields[0]!) && fields.slice(1).every(isNum);
    if (labelled) {
      rowLabels.push(unquote(fields[0]!));
      fields = fields.slice(1);
    }
    if (cols < 0) cols = fields.length;
    else if (fields.length !== cols) {
      throw new BrainfitIOError(
        "TEXT_RAGGED",
        `line ${li + 1} has ${fields.length} fields but earlier rows have ${cols}; every row needs the same number of columns`,
        { source },
      );
    }
    if (n + cols > values.length) {
      let cap = values.length * 2;
      while (cap < n + cols) cap *= 2;
      const next = new Float64Array(cap);
      next.set(values.subarray(0, n));
      values = next;
    }
    for (let c = 0; c < cols; c++) {
      const v = parseNumberToken(fields[c]!);
      if (v === undefined) {
        const tok = fields[c]!;
        throw new BrainfitIOError(
          "TEXT_BAD_NUMBER",
          `line ${li + 1}, column ${c + 1}: "${tok.slice(0, 40)}" is not a number${
            tok === "" ? " (empty field)" : ""
          }; text matrices must hold only numbers (nan/inf allowed), with at most one header line and '#'/'%' comments`,
          { source },
        );
      }
      values[n++] = v;
    }
    rows++;
  }
  if (rows === 0) {
    throw new BrainfitIOError("TEXT_EMPTY", "no numeric rows found; the file is empty or holds only comments/a header", { source });
  }
  if (headerLine !== undefined) {
    header = split!(headerLine).map(unquote);
    // a one-column file's header is the whole line, whatever spaces it holds
    if (cols === 1 && header.length !== 1 && !labelled) header = [unquote(headerLine.trim())];
    // with row labels the header's first cell names the label column (pandas writes it empty)
    if (labelled && header.length === cols + 1) header = header.slice(1);
  }
  if (header && header.length !== cols) {
    // a header that does not match the columns was probably not a header
    throw new BrainfitIOError(
      "TEXT_BAD_NUMBER",
      `the first line ("${
        header.join(" ").slice(0, 60)
      }") is not numeric and has ${header.length} fields while rows have ${cols}; remove it or comment it out with '#'`,
      { source },
    );
  }
  const data = n === values.length ? values : values.slice(0, n);
  const ndmin = opts.ndmin ?? 0;
  let shape: number[] = [rows, cols];
  if (ndmin < 2) {
    shape = shape.filter((d) => d !== 1);
    while (shape.length < ndmin) shape.unshift(1);
  }
  const result: TextMatrix = { array: { dtype: "float64", shape, data } };
  if (header) result.header = header;
  if (labelled) result.rowLabels = rowLabels;
  return result;
}

/** Shortest decimal text that reads back to exactly `x` at the given precision, numpy spelling for non-finite. */
export function formatNumber(x: number, precision: "float64" | "float32" | "float16" = "float64"): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Object.is(x, -0)) return "-0";
  if (precision === "float64") return String(x);
  const round = precision === "float32" ? Math.fround : roundToHalf;
  for (let p = 1; p <= 17; p++) {
    const s = x.toPrecision(p);
    if (round(Number(s)) === x) return String(Number(s));
  }
  return String(x);
}

/** Text of element `i` of a numeric array (exact round trip; integers in full). */
export function formatElement(arr: NdArray, i: number): string {
  const v = arr.data[i]!;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string") return v;
  if (arr.dtype === "bool") return v ? "1" : "0";
  return formatNumber(v, arr.dtype === "float32" ? "float32" : arr.dtype === "float16" ? "float16" : "float64");
}

export interface CsvWriteOptions {
  /** Column names written as the first line. */
  header?: string[];
  /** "plain" (default; pandas.read_csv picks it up) or "comment" ("# a,b" as numpy.savetxt writes; numpy.loadtxt skips it). */
  headerStyle?: "plain" | "comment";
  /** Field separator (default ","). */
  delimiter?: string;
  /** Line ending (default "\n"). */
  newline?: string;
}

/**
 * Encodes a 0-D, 1-D (one value per line) or 2-D numeric array as delimited text.
 * Floats use the shortest text that reads back to the same value; NaN/±Inf are written
 * nan/inf/-inf, which numpy.loadtxt, pandas.read_csv and MATLAB readmatrix all read.
 *
 * @example
 * ```ts
 * import { ndarray, saveFile, writeCsv } from "brainfit/io";
 * await saveFile("out/fc.csv", writeCsv(ndarray(Float64Array.from([1, 0.5, 0.5, 1]), [2, 2]), { delimiter: "," }));
 * ```
 */
export function writeCsv(arr: NdArray, opts: CsvWriteOptions = {}): Uint8Array {
  validateArray(arr);
  if (parseStringDType(arr.dtype)) {
    throw new BrainfitIOError(
      "WRITE_UNSUPPORTED",
      `CSV output takes numeric arrays; this one has dtype ${arr.dtype} (write strings with writeJson or writeNpy)`,
    );
  }
  if (arr.shape.length > 2) {
    throw new BrainfitIOError(
      "WRITE_UNSUPPORTED",
      `CSV holds at most 2-D arrays; this one has shape [${arr.shape.join(", ")}] — reshape it or use writeNpy`,
    );
  }
  const d = opts.delimiter ?? ",";
  const nl = opts.newline ?? "\n";
  const rows = arr.shape.length === 2 ? arr.shape[0]! : arr.shape.length === 1 ? arr.shape[0]! : 1;
  const cols = arr.shape.length === 2 ? arr.shape[1]! : 1;
  const parts: string[] = [];
  if (opts.header) {
    if (opts.header.length !== cols) {
      throw new BrainfitIOError("WRITE_UNSUPPORTED", `header has ${opts.header.length} names but the array has ${cols} columns`);
    }
    const line = opts.header.map((h) => (h.includes(d) || h.includes('"') ? `"${h.replace(/"/g, '""')}"` : h)).join(d);
    parts.push((opts.headerStyle === "comment" ? "# " : "") + line + nl);
  }
  const row: string[] = new Array<string>(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) row[c] = formatElement(arr, r * cols + c);
    parts.push(row.join(d) + nl);
  }
  return new TextEncoder().encode(parts.join(""));
}
