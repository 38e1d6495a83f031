// Worker entry of the WASM backend: owns some lane groups, runs chunks on request.
// Bundled to a self-contained script at build time (src/generated/wasm-worker.ts) and started
// from a data:/blob: URL, so it needs no file next to the bundle in any runtime.
import { type GroupPlan, LaneGroupRunner } from "./groups.ts";

interface Port {
  postMessage(msg: unknown, transfer?: Transferable[]): void;
  on?(ev: "message", cb: (msg: unknown) => void): void;
}

type Request =
  | { type: "init"; plan: GroupPlan; module: WebAssembly.Module }
  | { type: "chunk"; first: number; steps: number; count: number }
  | { type: "sums" };

const g = globalThis as unknown as {
  __BRAINFIT_WORKER_MODE?: "node" | "web";
  onmessage?: (e: { data: unknown }) => void;
  postMessage?: Port["postMessage"];
};
// The driver prepends the mode: node:worker_threads in Node, web Workers elsewhere.
const port: Port = g.__BRAINFIT_WORKER_MODE === "node"
  ? ((await import("node:worker_threads")).parentPort as unknown as Port)
  : { postMessage: (m, t) => g.postMessage!(m, t ?? []) };

let runner: LaneGroupRunner | null = null;
const handle = async (req: Request) => {
  try {
    if (req.type === "init") {
      runner = await LaneGroupRunner.create(req.plan, req.module);
      port.postMessage({ type: "ready" });
    } else if (req.type === "chunk") {
      const data = runner!.runChunk(req.first, req.steps, req.count);
      port.postMessage({ type: "chunk", data }, data.map((d) => d.buffer as ArrayBuffer));
    } else {
      const sums = runner!.sums();
      port.postMessage({ type: "sums", sums }, [sums.buffer as ArrayBuffer]);
    }
  } catch (err) {
    port.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
if (port.on) port.on("message", (m) => void handle(m as Request));
else g.onmessage = (e) => void handle(e.data as Request);
