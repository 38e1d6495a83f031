// File access for fit results (Node, Deno and Bun through their node: compatibility). Loaded
// lazily so that the SDK bundles for browsers, where fits run in memory (no `out`).
import { saveFile } from "../io/source.ts";

type Fs = typeof import("node:fs/promises");
let fsp: Promise<Fs> | null = null;
function fs(): Promise<Fs> {
  fsp ??= import("node:fs/promises");
  return fsp;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await (await fs()).stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function readText(path: string): Promise<string> {
  return (await fs()).readFile(path, "utf8");
}

export async function appendText(path: string, text: string): Promise<void> {
  await (await fs()).appendFile(path, text, "utf8");
}

/** Cut a file back to `bytes` (drops rows appended after the last checkpoint). */
export async function truncateTo(path: string, bytes: number): Promise<void> {
  const f = await fs();
  if (!(await exists(path))) {
    if (bytes === 0) return;
    throw new Error(`${path} is missing but the checkpoint expects ${bytes} bytes; the run folder was changed, start it again without resume`);
  }
  const st = await f.stat(path);
  if (st.size < bytes) throw new Error(`${path} has ${st.size} bytes but the checkpoint expects ${bytes}; the file was cut, start the run again without resume`);
  await f.truncate(path, bytes);
}

export async function mkdirp(path: string): Promise<void> {
  await (await fs()).mkdir(path, { recursive: true });
}

export async function removeFile(path: string): Promise<void> {
  await (await fs()).rm(path, { force: true });
}

export { saveFile };
