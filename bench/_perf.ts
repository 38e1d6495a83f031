import { withBold } from "../src/models/bold.ts";
import { analyticalFic } from "../src/models/fic.ts";
import { rww } from "../src/models/rww.ts";
import { simulate } from "../src/sim/simulate.ts";
import { hcpSchaefer100Input } from "./native.ts";
const input = hcpSchaefer100Input(6);
const n = 100, lanes = 16;
const wIE = analyticalFic({ sc: input.weights, G: 0.5 }).wIE;
const wie = new Float64Array(lanes * n);
for (let l = 0; l < lanes; l++) wie.set(wIE, l * n);
const t0 = performance.now();
await simulate({
  model: withBold(rww, { params: "cubnm" }),
  network: input,
  lanes,
  duration: 3,
  dt: 0.1,
  integrator: "euler",
  backend: "wasm",
  threads: 1,
  seed: 1,
  noise: "shared",
  params: { G: 0.5, wIE: wie },
  record: { observables: ["bold"], period: 1000 },
  keepRecorded: false,
  onChunk: () => {},
});
console.log("s", (performance.now() - t0) / 1000);
