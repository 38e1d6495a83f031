// brainfit schema: prints the JSON Schema of fit configs, generated from the validator's tables,
// so editors can complete and check configs ("$schema": "./brainfit-config.schema.json").
import { configJsonSchema } from "../fit/config.ts";

export async function schemaCommand(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(
      'usage: brainfit schema [--out FILE]\n\nPrints the JSON Schema (draft 2020-12) of brainfit fit configs, generated from the same tables\nthe config validator uses. Point a config\'s "$schema" at the saved file for editor completion.\n',
    );
    return 0;
  }
  const text = JSON.stringify(configJsonSchema(), null, 2) + "\n";
  const i = argv.indexOf("--out");
  if (i >= 0) {
    const file = argv[i + 1];
    if (!file) {
      process.stderr.write("brainfit schema: --out needs a file name\n");
      return 2;
    }
    const { writeFile } = await import("node:fs/promises");
    await writeFile(file, text);
    return 0;
  }
  process.stdout.write(text);
  return 0;
}
