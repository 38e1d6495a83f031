// Starting a worker from a bundled script held as a string (src/generated/*-worker.ts), in every
// runtime: Web Workers from a blob: URL where `Worker` exists (browsers, Deno, Bun), else Node's
// worker_threads from a data: URL. Requests are answered in order; an { type: "error" } answer
// rejects; serveRequests is the worker side of the same protocol. Used by the WASM backend's
// simulation workers and the WASM gradient's workers.

interface AnyWorker {
  postMessage(m: unknown, transfer?: ArrayBuffer[]): void;
  terminate(): unknown;
}

type NodeWorker = import("node:worker_threads").Worker;

/** A started worker: call() posts a request and resolves with its answer. */
export interface HostedWorker {
  call<T>(msg: unknown, transfer?: ArrayBuffer[]): Promise<T>;
  /** Give the worker back (to the idle pool when it is healthy and pooled, else terminated). */
  release(): void;
}

/**
 * Idle Node workers kept per script for the next call (unref'd, so they never hold the process
 * open). Starting one costs ~70 ms (a fresh isolate plus the worker bundle), which a short run,
 * or a fit calling simulate in a loop, would otherwise pay on every call. An idle worker keeps
 * its last memory until it is given new work. Web Workers are not pooled: they cannot be
 * unref'd everywhere (Deno's test runner reports them as leaks).
 */
const idleNodeWorkers = new Map<string, NodeWorker[]>();
let maxIdleNodeWorkers = 0;

/** Keep up to `n` idle Node workers per script (the most threads asked for so far). */
export function keepIdleWorkers(n: number): void {
  maxIdleNodeWorkers = Math.max(maxIdleNodeWorkers, n);
}

/** Start (or take from the pool) a worker running `source`, a self-contained ES module script. */
export async function startWorker(source: string): Promise<HostedWorker> {
  const hasWebWorker = typeof (globalThis as { Worker?: unknown }).Worker === "function";
  const code = `globalThis.__BRAINFIT_WORKER_MODE = ${JSON.stringify(hasWebWorker ? "web" : "node")};\n${source}`;
  let worker: AnyWorker;
  let release: () => void;
  let healthy = true;
  const pending: ((m: { type: string; [k: string]: unknown }) => void)[] = [];
  const onMessage = (m: { type: string; [k: string]: unknown }) => pending.shift()?.(m);
  if (hasWebWorker) {
    const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    const W = (globalThis as unknown as { Worker: new (u: string, o: object) => AnyWorker & { onmessage: unknown } }).Worker;
    const w = new W(url, { type: "module" });
    w.onmessage = (e: { data: { type: string } }) => onMessage(e.data);
    worker = w;
    release = () => void w.terminate();
  } else {
    const wt = await import("node:worker_threads");
    let idle = idleNodeWorkers.get(source);
    if (!idle) idleNodeWorkers.set(source, idle = []);
    const pool = idle;
    let w = pool.pop();
    if (!w) {
      const fresh = new wt.Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
      // A worker that dies while idle must not be handed out again.
      fresh.once("exit", () => {
        const k = pool.indexOf(fresh);
        if (k >= 0) pool.splice(k, 1);
      });
      w = fresh;
    }
    const nw = w;
    nw.ref();
    nw.on("message", onMessage);
    worker = nw;
    release = () => {
      nw.off("message", onMessage);
      // Only a worker with no request in flight and no error goes back to the pool.
      if (healthy && pending.length === 0 && pool.length < maxIdleNodeWorkers) {
        nw.unref();
        pool.push(nw);
      } else void nw.terminate();
    };
  }
  return {
    call: <T>(msg: unknown, transfer?: ArrayBuffer[]): Promise<T> =>
      new Promise((resolve, reject) => {
        pending.push((m) => {
          if (m.type !== "error") return resolve(m as T);
          healthy = false;
          reject(new Error(`wasm worker: ${String(m.message)}`));
        });
        worker.postMessage(msg, transfer);
      }),
    release,
  };
}

/** A worker's answer: the message, and the buffers to transfer with it. */
export type WorkerAnswer = { msg: { type: string; [k: string]: unknown }; transfer?: ArrayBuffer[] };

/**
 * The worker side (inside a script started by startWorker): answer every request with
 * `answer(request)`; a thrown error answers { type: "error", message }, which call() rejects with.
 * The host prepends the mode: node:worker_threads in Node, web Workers elsewhere.
 */
export async function serveRequests<R>(answer: (req: R) => Promise<WorkerAnswer>): Promise<void> {
  interface Port {
    postMessage(msg: unknown, transfer?: ArrayBuffer[]): void;
    on?(ev: "message", cb: (msg: unknown) => void): void;
  }
  const g = globalThis as unknown as {
    __BRAINFIT_WORKER_MODE?: "node" | "web";
    onmessage?: (e: { data: unknown }) => void;
    postMessage?: Port["postMessage"];
  };
  const port: Port = g.__BRAINFIT_WORKER_MODE === "node"
    ? ((await import("node:worker_threads")).parentPort as unknown as Port)
    : { postMessage: (m, t) => g.postMessage!(m, t ?? []) };
  const handle = async (req: R) => {
    try {
      const a = await answer(req);
      port.postMessage(a.msg, a.transfer);
    } catch (err) {
      port.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
    }
  };
  if (port.on) port.on("message", (m) => void handle(m as R));
  else g.onmessage = (e) => void handle(e.data as R);
}
