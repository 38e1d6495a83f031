// Worker entry of the WASM gradient: owns some lane groups (grad/wasm-groups.ts) and runs their
// forward and backward passes on request. Bundled to a self-contained script at build time
// (src/generated/grad-worker.ts) and started by backends/wasm/worker-host.ts.
import { type GradPlan, GradRunner } from "./wasm-groups.ts";

interface Port {
  postMessage(msg: unknown, transfer?: ArrayBuffer[]): void;
  on?(ev: "message", cb: (msg: unknown) => void): void;
}

type Request =
  | { type: "init"; plan: GradPlan; module: WebAssembly.Module }
  | { type: "forward"; group: number }
  | { type: "backward"; group: number; grads: Float64Array[][] };

const g = globalThis as unknown as {
  __BRAINFIT_WORKER_MODE?: "node" | "web";
  onmessage?: (e: { data: unknown }) => void;
  postMessage?: Port["postMessage"];
};
const port: Port = g.__BRAINFIT_WORKER_MODE === "node"
  ? ((await import("node:worker_threads")).parentPort as unknown as Port)
  : { postMessage: (m, t) => g.postMessage!(m, t ?? []) };

let runner: GradRunner | null = null;
const handle = async (req: Request) => {
  try {
    if (req.type === "init") {
      runner = await GradRunner.create(req.plan, req.module);
      port.postMessage({ type: "ready", bytes: runner.bytes });
    } else if (req.type === "forward") {
      const rec = runner!.forward(req.group);
      port.postMessage({ type: "forward", rec }, rec.flat().map((a) => a.buffer as ArrayBuffer));
    } else {
      const r = runner!.backward(req.group, req.grads);
      port.postMessage({ type: "backward", ...r }, [r.gP.buffer as ArrayBuffer, r.aH0.buffer as ArrayBuffer]);
    }
  } catch (err) {
    port.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
if (port.on) port.on("message", (m) => void handle(m as Request));
else g.onmessage = (e) => void handle(e.data as Request);
