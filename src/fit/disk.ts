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
    throw new Error(
      `${path} is missing but the checkpoint expects ${bytes} bytes; the run folder was changed, start it again without resume`,
    );
  }
  const st = await f.stat(path);
  if (st.size < bytes) {
    throw new Error(
      `${path} has ${st.size} bytes but the checkpoint expects ${bytes}; the file was cut, start the run again without resume`,
    );
  }
  await f.truncate(path, bytes);
}

export async function mkdirp(path: string): Promise<void> {
  await (await fs()).mkdir(path, { recursive: true });
}

export async function removeFile(path: string): Promise<void> {
  await (await fs()).rm(path, { force: true });
}

export { saveFile };

/** Who holds a run folder's lock (written as JSON into <dir>/.brainfit.lock). */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** When the lock was taken (ISO time). */
  started: string;
  /** Linux: the holder's process start time in clock ticks since boot (/proc/<pid>/stat field 22), so a reused pid is not mistaken for the holder. */
  procStart?: string;
  /** What took it (e.g. "brainfit fit", "brainfit fit --queue"). */
  purpose: string;
}

export class RunFolderLockedError extends Error {
  constructor(readonly dir: string, readonly holder: LockHolder | null, detail: string) {
    super(detail);
    this.name = "RunFolderLockedError";
  }
}

export const LOCK_FILE = ".brainfit.lock";

async function procStart(pid: number): Promise<string | undefined> {
  try {
    const stat = await (await fs()).readFile(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A holder on this host whose process is gone (or whose pid now names another process) is stale. */
async function isStale(h: LockHolder, hostname: string): Promise<boolean> {
  if (h.hostname !== hostname) return false;
  if (!pidAlive(h.pid)) return true;
  if (h.procStart === undefined) return false;
  const now = await procStart(h.pid);
  return now !== undefined && now !== h.procStart;
}

function describeHolder(h: LockHolder): string {
  return `${h.purpose} (pid ${h.pid} on ${h.hostname}, since ${h.started})`;
}

/**
 * Take the exclusive lock of a run folder: one writer per folder, whether the fit runs locally
 * or through a queue. The lock file is created whole (written aside, then hard-linked into
 * place, which fails if it exists), so a reader never sees half a holder. A lock left by a
 * process that died on this host (SIGKILL, power loss) is stale and taken over; a live holder,
 * or one on another host, makes this throw RunFolderLockedError naming it. Returns the release.
 */
export async function lockRunFolder(dir: string, purpose: string): Promise<() => Promise<void>> {
  const f = await fs();
  const os = await import("node:os");
  await f.mkdir(dir, { recursive: true });
  const path = `${dir}/${LOCK_FILE}`;
  const me: LockHolder = {
    pid: process.pid,
    hostname: os.hostname(),
    started: new Date().toISOString(),
    procStart: await procStart(process.pid),
    purpose,
  };
  const tmp = `${path}.${me.hostname}.${me.pid}.${Math.random().toString(36).slice(2)}`;
  await f.writeFile(tmp, JSON.stringify(me) + "\n");
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await f.link(tmp, path);
        return async () => {
          // Only remove the lock if it is still ours.
          try {
            const h = JSON.parse(await f.readFile(path, "utf8")) as LockHolder;
            if (h.pid === me.pid && h.hostname === me.hostname && h.started === me.started) await f.rm(path, { force: true });
          } catch {
            /* already gone */
          }
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      let holder: LockHolder | null = null;
      try {
        holder = JSON.parse(await f.readFile(path, "utf8")) as LockHolder;
      } catch {
        holder = null; // removed meanwhile, or not a lock we wrote
      }
      if (holder && typeof holder.pid === "number" && (await isStale(holder, me.hostname))) {
        // Move the stale lock aside under a unique name; only one contender's rename finds it.
        try {
          await f.rename(path, `${tmp}.stale`);
          await f.rm(`${tmp}.stale`, { force: true });
        } catch {
          /* another process took it over first: loop and read the new holder */
        }
        continue;
      }
      if (!holder) {
        if (await exists(path)) {
          throw new RunFolderLockedError(
            dir,
            null,
            `${dir} is locked by ${path}, which is not a brainfit lock; remove it if no fit writes to this folder`,
          );
        }
        continue;
      }
      const where = holder.hostname === me.hostname
        ? "a live process on this host"
        : `host ${holder.hostname}, which this process cannot check`;
      throw new RunFolderLockedError(
        dir,
        holder,
        `${dir} is in use by ${
          describeHolder(holder)
        }: ${where}. One run folder has one writer; wait for it to end, stop it, or use another --out folder` +
          (holder.hostname === me.hostname ? "" : ` (if that process is gone, delete ${path})`),
      );
    }
    throw new RunFolderLockedError(
      dir,
      null,
      `${dir}: could not take the lock ${path} after 3 attempts (another process keeps replacing it)`,
    );
  } finally {
    await f.rm(tmp, { force: true });
  }
}
