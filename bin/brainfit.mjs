#!/usr/bin/env node
// brainfit CLI launcher (Node and Bun). The CLI is bundled to dist/cli.js by `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write("brainfit: dist/cli.js is missing; run `npm ci` (or `npm run build`) first\n");
  process.exit(2);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
