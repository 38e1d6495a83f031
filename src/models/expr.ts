// The model expression language: a small, side-effect-free arithmetic language in which
// drift, diffusion, derived quantities and the coupled quantity are written. One parser
// produces an AST; codegen/ turns it into WGSL, AssemblyScript and float64 TypeScript.
//
//   expr    := cond
//   cond    := or ('?' expr ':' expr)?
//   or      := and ('||' and)*
//   and     := cmp ('&&' cmp)*
//   cmp     := add (('<' | '<=' | '>' | '>=' | '==' | '!=') add)?
//   add     := mul (('+' | '-') mul)*
//   mul     := unary (('*' | '/') unary)*
//   unary   := '-' unary | '+' unary | '!' unary | power
//   power   := atom ('^' unary)?            (right-associative, binds tighter than unary minus on its left: -x^2 = -(x^2))
//   atom    := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'

export type BinaryOp = "+" | "-" | "*" | "/" | "^" | "<" | "<=" | ">" | ">=" | "==" | "!=" | "&&" | "||";

export type Expr =
  | { kind: "num"; value: number }
  | { kind: "var"; name: string; pos: number }
  | { kind: "neg"; arg: Expr }
  | { kind: "not"; arg: Expr }
  | { kind: "bin"; op: BinaryOp; left: Expr; right: Expr }
  | { kind: "call"; fn: FunctionName; args: Expr[] }
  | { kind: "cond"; test: Expr; then: Expr; else: Expr };

/** Functions of the language with their arity. */
export const FUNCTIONS = {
  exp: 1,
  log: 1,
  tanh: 1,
  sin: 1,
  cos: 1,
  sqrt: 1,
  abs: 1,
  min: 2,
  max: 2,
} as const;
export type FunctionName = keyof typeof FUNCTIONS;

/** Named constants, substituted at parse time. */
export const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };

export class ExprSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly position: number,
    readonly reason: string,
    readonly context = "",
  ) {
    super(
      `${context ? context + ": " : ""}${reason} at position ${position + 1}\n  ${source}\n  ${" ".repeat(position)}^`,
    );
    this.name = "ExprSyntaxError";
  }
}

interface Token {
  type: "num" | "name" | "op" | "end";
  text: string;
  pos: number;
}

const OPERATORS = ["<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "^", "(", ")", ",", "<", ">", "?", ":", "!"];

function tokenize(src: string, context: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      tokens.push({ type: "num", text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      tokens.push({ type: "name", text: name[0], pos: i });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      tokens.push({ type: "op", text: op, pos: i });
      i += op.length;
      continue;
    }
    throw new ExprSyntaxError(src, i, `unexpected character '${ch}'`, context);
  }
  tokens.push({ type: "end", text: "", pos: src.length });
  return tokens;
}

/** Parse an equation string into an AST. `context` names the field in error messages. */
export function parseExpr(src: string, context = ""): Expr {
  const tokens = tokenize(src, context);
  let k = 0;
  const peek = () => tokens[k]!;
  const fail = (reason: string, pos = peek().pos): never => {
    throw new ExprSyntaxError(src, pos, reason, context);
  };
  const isOp = (text: string) => peek().type === "op" && peek().text === text;
  const expect = (text: string) => {
    if (!isOp(text)) fail(`expected '${text}'${peek().type === "end" ? " before the end" : ` but found '${peek().text}'`}`);
    k++;
  };

  const expr = (): Expr => {
    const test = or();
    if (!isOp("?")) return test;
    k++;
    const then = expr();
    expect(":");
    const otherwise = expr();
    return { kind: "cond", test, then, else: otherwise };
  };
  const leftAssoc = (next: () => Expr, ops: BinaryOp[]) => (): Expr => {
    let left = next();
    while (peek().type === "op" && (ops as string[]).includes(peek().text)) {
      const op = tokens[k++]!.text as BinaryOp;
      left = { kind: "bin", op, left, right: next() };
    }
    return left;
  };
  const unary = (): Expr => {
    if (isOp("-")) {
      k++;
      return { kind: "neg", arg: unary() };
    }
    if (isOp("+")) {
      k++;
      return unary();
    }
    if (isOp("!")) {
      k++;
      return { kind: "not", arg: unary() };
    }
    return power();
  };
  const power = (): Expr => {
    const base = atom();
    if (!isOp("^")) return base;
    k++;
    return { kind: "bin", op: "^", left: base, right: unary() };
  };
  const atom = (): Expr => {
    const t = peek();
    if (t.type === "num") {
      k++;
      return { kind: "num", value: Number(t.text) };
    }
    if (t.type === "name") {
      k++;
      if (isOp("(")) {
        if (!(t.text in FUNCTIONS)) {
          fail(`unknown function '${t.text}' (known: ${Object.keys(FUNCTIONS).join(", ")})`, t.pos);
        }
        const fn = t.text as FunctionName;
        k++;
        const args: Expr[] = [expr()];
        while (isOp(",")) {
          k++;
          args.push(expr());
        }
        expect(")");
        if (args.length !== FUNCTIONS[fn]) {
          fail(`${fn}() takes ${FUNCTIONS[fn]} argument${FUNCTIONS[fn] > 1 ? "s" : ""}, got ${args.length}`, t.pos);
        }
        return { kind: "call", fn, args };
      }
      if (t.text in CONSTANTS) return { kind: "num", value: CONSTANTS[t.text]! };
      return { kind: "var", name: t.text, pos: t.pos };
    }
    if (isOp("(")) {
      k++;
      const inner = expr();
      expect(")");
      return inner;
    }
    return fail(t.type === "end" ? "unexpected end of expression" : `unexpected '${t.text}'`);
  };
  const cmp = (): Expr => {
    const left = add();
    const t = peek();
    if (t.type === "op" && ["<", "<=", ">", ">=", "==", "!="].includes(t.text)) {
      k++;
      return { kind: "bin", op: t.text as BinaryOp, left, right: add() };
    }
    return left;
  };
  const mul = leftAssoc(unary, ["*", "/"]);
  const add = leftAssoc(mul, ["+", "-"]);
  const and = leftAssoc(cmp, ["&&"]);
  const or = leftAssoc(and, ["||"]);

  const result = expr();
  if (peek().type !== "end") fail(`unexpected '${peek().text}' after a complete expression`);
  return result;
}

/** e with each direct sub-expression replaced by f(sub); numbers and names are returned as they are. */
export function mapChildren(e: Expr, f: (sub: Expr) => Expr): Expr {
  switch (e.kind) {
    case "num":
    case "var":
      return e;
    case "neg":
    case "not":
      return { kind: e.kind, arg: f(e.arg) };
    case "bin":
      return { kind: "bin", op: e.op, left: f(e.left), right: f(e.right) };
    case "call":
      return { kind: "call", fn: e.fn, args: e.args.map(f) };
    case "cond":
      return { kind: "cond", test: f(e.test), then: f(e.then), else: f(e.else) };
  }
}

/** Names of variables an expression reads (in first-use order). */
export function freeVariables(e: Expr, out: string[] = []): string[] {
  switch (e.kind) {
    case "num":
      break;
    case "var":
      if (!out.includes(e.name)) out.push(e.name);
      break;
    case "neg":
    case "not":
      freeVariables(e.arg, out);
      break;
    case "bin":
      freeVariables(e.left, out);
      freeVariables(e.right, out);
      break;
    case "call":
      for (const a of e.args) freeVariables(a, out);
      break;
    case "cond":
      freeVariables(e.test, out);
      freeVariables(e.then, out);
      freeVariables(e.else, out);
      break;
  }
  return out;
}

/** True when the expression is a compile-time constant (no variables). */
export function isConstant(e: Expr): boolean {
  return freeVariables(e).length === 0;
}
