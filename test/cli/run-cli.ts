// Runs the brainfit CLI in-process and captures what it prints (shared by the CLI tests).
import { main } from "../../src/cli/main.ts";

export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const o = process.stdout.write.bind(process.stdout), e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: await main(args), out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}
