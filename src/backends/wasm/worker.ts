// Worker entry of the WASM backend: owns some lane groups, runs chunks on request.
// Bundled to a self-contained script at build time (src/generated/wasm-worker.ts) and started
// from a data:/blob: URL, so it needs no file next to the bundle in any runtime.
import { type GroupPlan, LaneGroupRunner } from "./groups.ts";
import { serveRequests } from "./worker-host.ts";

type Request =
  | { type: "init"; plan: GroupPlan; module: WebAssembly.Module }
  | { type: "chunk"; first: number; steps: number; count: number }
  | { type: "sums" };

let runner: LaneGroupRunner | null = null;
await serveRequests<Request>(async (req) => {
  if (req.type === "init") {
    runner = await LaneGroupRunner.create(req.plan, req.module);
    return { msg: { type: "ready" } };
  }
  if (req.type === "chunk") {
    const data = runner!.runChunk(req.first, req.steps, req.count);
    return { msg: { type: "chunk", data }, transfer: data.map((d) => d.buffer as ArrayBuffer) };
  }
  const sums = runner!.sums();
  return { msg: { type: "sums", sums }, transfer: [sums.buffer as ArrayBuffer] };
});
