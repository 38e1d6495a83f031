// Worker entry of the WASM gradient: owns some lane groups (grad/wasm-groups.ts) and runs their
// forward and backward passes on request. Bundled to a self-contained script at build time
// (src/generated/grad-worker.ts) and started by backends/wasm/worker-host.ts.
import { serveRequests } from "../backends/wasm/worker-host.ts";
import { type GradPlan, GradRunner } from "./wasm-groups.ts";

type Request =
  | { type: "init"; plan: GradPlan; module: WebAssembly.Module }
  | { type: "forward"; group: number }
  | { type: "backward"; group: number; grads: Float64Array[][] };

let runner: GradRunner | null = null;
await serveRequests<Request>(async (req) => {
  if (req.type === "init") {
    runner = await GradRunner.create(req.plan, req.module);
    return { msg: { type: "ready", bytes: runner.bytes } };
  }
  if (req.type === "forward") {
    const rec = runner!.forward(req.group);
    return { msg: { type: "forward", rec }, transfer: rec.flat().map((a) => a.buffer as ArrayBuffer) };
  }
  const r = runner!.backward(req.group, req.grads);
  return { msg: { type: "backward", ...r }, transfer: [r.gP.buffer as ArrayBuffer, r.aH0.buffer as ArrayBuffer] };
});
