// Benchmark of the batch statistics: FC + FCD (30 s / 5 s windows at TR 0.72, intrahemispheric
// pairs as cuBNM's HCP setup) + KS against an empirical FCD, for B simulations of 100 nodes x 1200
// volumes. Measures a small batch and extrapolates to 512 simulations.
// Run: node scripts/run-ts.mjs bench/stats.bench.ts [batch=16] [excludeInterhemispheric=1]
import { fcBatch, fcdBatch, ks2samp } from "../src/stats/index.ts";
import { fcdWindowTRsFromSeconds } from "../src/stats/fcd.ts";
import { ksStatisticBatch } from "../src/stats/ks.ts";
import { syntheticBold } from "../test/stats/synthetic.ts";

const B = Number(process.argv[2] ?? 16);
const excludeInterhemispheric = (process.argv[3] ?? "1") !== "0";
const nNodes = 100;
const nTime = 1200;
const TARGET_MS_PER_SIM = 150;

// BOLD-like float32 data: slow latent factors with node loadings plus noise (test/stats/synthetic.ts).
const data = syntheticBold(B, nNodes, nTime, 42);

const windows = fcdWindowTRsFromSeconds(30, 5, 0.72);
const opts = { ...windows, excludeInterhemispheric };

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

// Warm-up on one simulation so the JIT has compiled the hot loops.
fcdBatch(data.subarray(0, nNodes * nTime), 1, nNodes, nTime, opts);

const [, fcMs] = time(() => fcBatch(data, B, nNodes, nTime, { excludeInterhemispheric, zeroVolumesAsOutliers: true }));
const [fcds, fcdMs] = time(() => fcdBatch(data, B, nNodes, nTime, opts));
const empirical = fcds[0]!.fcdTril;
const [, ksMs] = time(() => ksStatisticBatch(fcds.map((r) => r.fcdTril), empirical));
const [, ksPMs] = time(() => fcds.map((r) => ks2samp(r.fcdTril, empirical)));

const per = (ms: number) => ms / B;
const total = per(fcMs) + per(fcdMs) + per(ksMs);
console.log(
  `stats benchmark: B=${B} simulations x ${nNodes} nodes x ${nTime} volumes (float32 in), window ${windows.windowTRs} TRs, step ${windows.stepTRs} TRs, ${
    fcds[0]!.nWindows
  } windows, ${fcds[0]!.fcdTril.length} FCD values, excludeInterhemispheric=${excludeInterhemispheric}`,
);
console.log(`  FC          ${per(fcMs).toFixed(2)} ms/sim`);
console.log(`  FCD         ${per(fcdMs).toFixed(2)} ms/sim`);
console.log(`  KS stat     ${per(ksMs).toFixed(2)} ms/sim`);
console.log(`  KS + p (asymptotic, ${fcds[0]!.fcdTril.length} vs ${empirical.length}) ${per(ksPMs).toFixed(2)} ms/sim (not in the total)`);
console.log(
  `  total       ${total.toFixed(2)} ms/sim (target ${TARGET_MS_PER_SIM} ms/sim) -> ${
    ((total * 512) / 1000).toFixed(1)
  } s per 512 simulations, single thread`,
);
console.log(`  ${total <= TARGET_MS_PER_SIM ? "PASS" : "MISS"} target`);
