// Worker entry of the WASM backend: owns some lane groups, runs chunks on request.
// Bundled to a self-contained script at build time (src/generated/wasm-worker.ts) and started
// from a data:/blob: URL, so it needs no file next to the bundle in any runtime.
import { type GroupPlan, LaneGroupRunner } from "./groups.ts";
import { serveRequests } from "./worker-host.ts";

type Request =
  // one runner per plan (lane groups of one width each), run one after another
  | { type: "init"; plans: GroupPlan[]; modules: WebAssembly.Module[] }
  | { type: "chunk"; first: number; steps: number; count: number }
  | { type: "sums" };

let runners: LaneGroupRunner[] = [];
await serveRequests<Request>(async (req) => {
  if (req.type === "init") {
    runners = await Promise.all(req.plans.map((plan, k) => LaneGroupRunner.create(plan, req.modules[k]!)));
    return { msg: { type: "ready" } };
  }
  if (req.type === "chunk") {
    const data = runners.map((r) => r.runChunk(req.first, req.steps, req.count));
    return { msg: { type: "chunk", data }, transfer: data.flat().map((d) => d.buffer as ArrayBuffer) };
  }
  const sums = runners.map((r) => r.sums());
  return { msg: { type: "sums", sums }, transfer: sums.map((s) => s.buffer as ArrayBuffer) };
});
