// A small, strict argument parser: --flag value, --flag=value, repeatable flags, booleans.
// Unknown flags are errors that name the flag and point at --help.

export interface FlagSpec {
  name: string;
  help: string;
  type: "string" | "number" | "boolean";
  repeatable?: boolean;
  default?: string | number | boolean;
  metavar?: string;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export type ParsedFlags = Record<string, string | number | boolean | string[] | undefined>;

export function parseFlags(argv: string[], specs: FlagSpec[], command: string): { flags: ParsedFlags; positional: string[] } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const flags: ParsedFlags = {};
  const positional: string[] = [];
  for (const s of specs) if (s.default !== undefined) flags[s.name] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option --${name} for '${command}'; see 'brainfit ${command} --help'`);
    let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    if (spec.type === "boolean") {
      flags[name] = value === undefined ? true : !/^(0|false|no)$/i.test(value);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value (${spec.metavar ?? spec.type})`);
    }
    if (spec.type === "number") {
      const x = Number(value);
      if (!Number.isFinite(x)) throw new UsageError(`--${name} must be a number, got '${value}'`);
      flags[name] = x;
    } else if (spec.repeatable) {
      const prev = flags[name];
      flags[name] = [...(Array.isArray(prev) ? prev : []), value];
    } else {
      flags[name] = value;
    }
  }
  return { flags, positional };
}

export function formatHelp(usage: string, description: string, specs: FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `  --${s.name}${s.type === "boolean" ? "" : ` ${s.metavar ?? s.type.toUpperCase()}`}`;
    const def = s.default !== undefined && s.type !== "boolean" ? ` (default ${s.default})` : "";
    return [left, `${s.help}${def}${s.repeatable ? " [repeatable]" : ""}`];
  });
  const w = Math.max(...rows.map((r) => r[0]!.length)) + 2;
  return `${usage}\n\n${description}\n\nOptions:\n${rows.map(([l, r]) => l!.padEnd(w) + r).join("\n")}\n`;
}
