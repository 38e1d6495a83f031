// The public surface, read with the TypeScript compiler from the entry files (package.json
// "exports": brainfit and each subpath): every export, where it is declared, and whether it has a
// doc comment and an @example. Namespace exports (datasets) are checked member by member.
import ts from "typescript";

/** The package's entry points (package.json "exports"), relative to the repository. */
export const PUBLIC_ENTRIES = [
  "src/index.ts",
  "src/io/index.ts",
  "src/stats/index.ts",
  "src/optim/index.ts",
  "src/models/index.ts",
  "src/sim/index.ts",
  "src/fit/index.ts",
];

export interface PublicExport {
  entry: string;
  name: string;
  /** File that declares it. */
  file: string;
  doc: string;
  example: string | undefined;
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  noEmit: true,
  types: [],
};

function jsDocOf(node: ts.Node): { doc: string; example: string | undefined } {
  let doc = "";
  let example: string | undefined;
  for (const d of ts.getJSDocCommentsAndTags(node)) {
    if (ts.isJSDoc(d)) {
      doc += ts.getTextOfJSDocComment(d.comment) ?? "";
      for (const t of d.tags ?? []) if (t.tagName.text === "example") example = ts.getTextOfJSDocComment(t.comment) ?? "";
    }
  }
  return { doc: doc.trim(), example: example?.trim() };
}

function describeSymbol(checker: ts.TypeChecker, s: ts.Symbol, entry: string, name: string, repo: string): PublicExport[] {
  const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
  const decl = target.declarations?.[0];
  const file = decl ? decl.getSourceFile().fileName.replace(`${repo}/`, "") : "?";
  // `export * as ns from "…"`: the doc sits on the export statement; the members are public too.
  const nsExport = s.declarations?.find(ts.isNamespaceExport);
  if (nsExport && decl && ts.isSourceFile(decl)) {
    const { doc, example } = jsDocOf(nsExport.parent);
    const members = checker.getExportsOfModule(target).flatMap((m) => describeSymbol(checker, m, entry, `${name}.${m.name}`, repo));
    return [{ entry, name, file, doc, example }, ...members];
  }
  const doc = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
  const tag = target.getJsDocTags(checker).find((t) => t.name === "example");
  return [{ entry, name, file, doc, example: tag ? ts.displayPartsToString(tag.text).trim() : undefined }];
}

/** Every export of every entry (files relative to `repo`, or virtual files through `host`). */
export function publicExports(repo: string, entries: string[], host?: ts.CompilerHost): PublicExport[] {
  const program = ts.createProgram(entries.map((e) => `${repo}/${e}`), OPTIONS, host);
  const checker = program.getTypeChecker();
  return entries.flatMap((entry) => {
    const sf = program.getSourceFile(`${repo}/${entry}`);
    if (!sf) throw new Error(`public-api: entry ${entry} not found`);
    const mod = checker.getSymbolAtLocation(sf);
    if (!mod) return [];
    return checker.getExportsOfModule(mod).flatMap((s) => describeSymbol(checker, s, entry, s.name, repo));
  });
}

/** What is wrong with an export's documentation, or undefined. */
export function docProblem(e: PublicExport): string | undefined {
  if (!e.doc) return "no doc comment";
  if (e.example === undefined) return "no @example";
  if (!/\S/.test(e.example.replace(/```\w*/g, ""))) return "an empty @example";
  return undefined;
}

export { OPTIONS as PUBLIC_API_COMPILER_OPTIONS };

/** The code of an @example (its fenced block, or the whole text). */
export function exampleCode(example: string): string {
  const m = /```(?:ts|typescript|js)?\n([\s\S]*?)```/.exec(example);
  return (m ? m[1]! : example).trim();
}

/**
 * Type-check every distinct @example as a user module of its own (imports of `brainfit` and
 * `brainfit/<area>` resolve to the sources, as in tsconfig.json), strict. Returns the errors,
 * each naming the export whose example it is.
 */
export function checkExamples(repo: string, exported: PublicExport[]): string[] {
  const configPath = `${repo}/tsconfig.json`;
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, repo);
  const files = new Map<string, string>();
  const owner = new Map<string, string>();
  const seen = new Set<string>();
  for (const e of exported) {
    if (!e.example) continue;
    const code = exampleCode(e.example);
    if (seen.has(code)) continue;
    seen.add(code);
    const path = `${repo}/test/layout/examples.virtual/${files.size}.ts`;
    files.set(path, `${code}\nexport {};\n`);
    owner.set(path, `${e.name} (${e.file})`);
  }
  // What a bundler or edge runtime gives for `import m from "….wasm"` (examples/edge/env.d.ts).
  files.set(
    `${repo}/test/layout/examples.virtual/env.d.ts`,
    'declare module "*.wasm" { const m: WebAssembly.Module; export default m; }\n',
  );
  const host = ts.createCompilerHost(parsed.options);
  const base = { ...host };
  host.fileExists = (f) => files.has(f) || base.fileExists(f);
  host.readFile = (f) => files.get(f) ?? base.readFile(f);
  host.getSourceFile = (f, lang) => (files.has(f) ? ts.createSourceFile(f, files.get(f)!, lang) : base.getSourceFile(f, lang));
  const program = ts.createProgram([...files.keys()], { ...parsed.options, noEmit: true, noUnusedLocals: false }, host);
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file && files.has(d.file.fileName)).map((d) => {
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${owner.get(d.file!.fileName)}, example line ${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}
