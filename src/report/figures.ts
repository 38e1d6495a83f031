// The report's figures as Vega-Lite specs, built from RunData. Each figure says which marks it
// draws and how many (the browser test counts them in the rendered SVG), and what it could not
// draw. Statistics come from the SDK (pearson, ks, rmse), the same code the fit scored with.
import { pearson, rmse } from "../stats/corr.ts";
import { fcPairs } from "../stats/fc.ts";
import { ksStatistic } from "../stats/ks.ts";
import type { RunData } from "./read.ts";

// deno-lint-ignore no-explicit-any
export type VlSpec = Record<string, any>;

export interface Figure {
  /** Stable id (the test looks figures up by it). */
  id: string;
  title: string;
  /** One sentence under the figure: what is shown and where the numbers come from. */
  caption: string;
  spec: VlSpec;
  /** Expected data marks: Vega mark type ("rect", "symbol", "line", "rule") and count. */
  marks: { type: string; count: number }[];
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const fin = (v: number) => Number.isFinite(v);
const fmt = (
  v: number,
  d = 3,
) => (Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(d)) : String(v));

function median(a: number[]): number {
  if (a.length === 0) return NaN;
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Per generation: best so far, generation median and best of the finished (status ok) candidates. */
export function convergenceRows(run: RunData): { run: string; generation: number; evaluations: number; series: string; cost: number }[] {
  const out: { run: string; generation: number; evaluations: number; series: string; cost: number }[] = [];
  const h = run.history;
  if (!h || h.rows === 0) return out;
  const gen = h.num.generation!, ev = h.num.evaluation!, cost = h.num.cost!, status = h.text.status!;
  const byGen = new Map<number, { costs: number[]; lastEval: number }>();
  for (let r = 0; r < h.rows; r++) {
    const g = gen[r]!;
    const e = byGen.get(g) ?? { costs: [], lastEval: 0 };
    if (status[r] === "ok" && fin(cost[r]!)) e.costs.push(cost[r]!);
    e.lastEval = Math.max(e.lastEval, ev[r]!);
    byGen.set(g, e);
  }
  let best = Infinity;
  for (const [g, e] of [...byGen].sort((a, b) => a[0] - b[0])) {
    for (const c of e.costs) best = Math.min(best, c);
    if (fin(best)) out.push({ run: run.label, generation: g, evaluations: e.lastEval, series: "best so far", cost: best });
    const m = median(e.costs);
    if (fin(m)) out.push({ run: run.label, generation: g, evaluations: e.lastEval, series: "generation median", cost: m });
  }
  return out;
}

/** Best-so-far and generation-median cost of several runs on one plot (a batch side by side). */
export function batchConvergenceFigure(runs: RunData[]): Figure | null {
  const values = runs.flatMap(convergenceRows);
  if (values.length === 0) return null;
  const lines = new Set(values.map((v) => `${v.run}|${v.series}`)).size;
  return {
    id: "batch-convergence",
    title: "Convergence of every run",
    caption: "Best cost so far (solid) and generation-median cost (dashed) against simulations, per run (history.csv; lower is better).",
    spec: {
      $schema: SCHEMA,
      width: 640,
      height: 260,
      data: { values },
      encoding: {
        x: { field: "evaluations", type: "quantitative", title: "simulations" },
        y: { field: "cost", type: "quantitative", title: "cost", scale: { zero: false } },
        color: { field: "run", type: "nominal", title: "run", legend: { labelLimit: 400 } },
        detail: { field: "run" },
      },
      // Lines carry the dash legend; points (no legend) mark generations, and runs of one generation.
      layer: [
        {
          mark: "line",
          encoding: {
            strokeDash: {
              field: "series",
              type: "nominal",
              title: "",
              sort: ["best so far", "generation median"],
              legend: { symbolType: "stroke", symbolStrokeColor: "#444", symbolStrokeWidth: 2 },
            },
          },
        },
        { mark: { type: "point", filled: true, size: 20 } },
      ],
    },
    marks: [{ type: "line", count: lines }],
  };
}

function convergenceFigure(run: RunData): Figure | null {
  const values = convergenceRows(run);
  if (values.length === 0) return null;
  const series = new Set(values.map((v) => v.series)).size;
  return {
    id: "convergence",
    title: "Convergence",
    caption: `Best cost so far and the median cost of each generation's finished candidates, from history.csv (${
      run.history!.rows
    } simulations).`,
    spec: {
      $schema: SCHEMA,
      width: 300,
      height: 200,
      data: { values },
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "evaluations", type: "quantitative", title: "simulations" },
        y: { field: "cost", type: "quantitative", title: "cost", scale: { zero: false } },
        color: { field: "series", type: "nominal", title: "", legend: { orient: "top" } },
      },
    },
    marks: [{ type: "line", count: series }],
  };
}

function gofTermsFigure(run: RunData): Figure | null {
  const h = run.history;
  if (!h || run.gof.length === 0) return null;
  const values: { evaluation: number; term: string; value: number }[] = [];
  for (const t of run.gof) {
    const col = h.num[t];
    if (!col) continue;
    for (let r = 0; r < h.rows; r++) if (fin(col[r]!)) values.push({ evaluation: h.num.evaluation![r]!, term: t, value: col[r]! });
  }
  if (values.length === 0) return null;
  return {
    id: "gof-terms",
    title: "GOF terms over simulations",
    caption: "Every candidate's value of each goodness-of-fit term (unsigned; '+' terms are better high, '−' terms better low).",
    spec: {
      $schema: SCHEMA,
      data: { values },
      facet: { row: { field: "term", type: "nominal", title: null } },
      spec: {
        width: 300,
        height: 110,
        mark: { type: "point", filled: true, size: 18, opacity: 0.7 },
        encoding: {
          x: { field: "evaluation", type: "quantitative", title: "simulation" },
          y: { field: "value", type: "quantitative", title: "value", scale: { zero: false } },
        },
      },
      resolve: { scale: { y: "independent" } },
    },
    marks: [{ type: "symbol", count: values.length }],
  };
}

function statusFigure(run: RunData): Figure | null {
  const h = run.history;
  if (!h || h.rows === 0) return null;
  const counts = new Map<string, number>();
  for (let r = 0; r < h.rows; r++) {
    const k = `${h.num.generation![r]}|${h.text.status![r]}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const values = [...counts].map(([k, n]) => ({ generation: Number(k.split("|")[0]), status: k.split("|")[1]!, count: n }));
  const bad = values.filter((v) => v.status !== "ok").reduce((s, v) => s + v.count, 0);
  return {
    id: "status",
    title: "Diverged and invalid simulations",
    caption: `Candidates per generation by outcome: ok, diverged (NaN/Inf) or invalid (non-finite GOF); ${bad} of ${h.rows} failed.`,
    spec: {
      $schema: SCHEMA,
      width: 300,
      height: 120,
      data: { values },
      mark: "bar",
      encoding: {
        x: { field: "generation", type: "ordinal", title: "generation" },
        y: { field: "count", type: "quantitative", title: "simulations", stack: true },
        color: {
          field: "status",
          type: "nominal",
          title: "",
          scale: { domain: ["ok", "diverged", "invalid"], range: ["#9bbcd9", "#d62728", "#ff7f0e"] },
          legend: { orient: "top" },
        },
      },
    },
    marks: [{ type: "rect", count: values.length }],
  };
}

function fcFigures(run: RunData): Figure[] {
  const n = run.nodes;
  const sim = run.simFc;
  if (!sim || sim.length !== n * n || n < 2) return [];
  const emp = run.empFc && run.empFc.length === n * n ? run.empFc : null;
  const cells = (m: Float64Array, which: string) => {
    const v: { i: number; j: number; r: number; which: string }[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (fin(m[i * n + j]!)) v.push({ i, j, r: m[i * n + j]!, which });
    return v;
  };
  const heat = (title: string) => ({
    width: 260,
    height: 260,
    title,
    mark: { type: "rect" },
    encoding: {
      x: { field: "j", type: "ordinal", axis: null },
      y: { field: "i", type: "ordinal", axis: null },
      color: { field: "r", type: "quantitative", title: "r", scale: { scheme: "redblue", reverse: true, domain: [-1, 1] } },
    },
  });
  const figs: Figure[] = [];
  const values = [...cells(sim, "simulated"), ...(emp ? cells(emp, "empirical") : [])];
  figs.push({
    id: "fc",
    title: emp ? "FC: simulated vs empirical" : "FC: simulated",
    caption: `Pearson FC of the best candidate (${run.simFcSource})${
      emp ? " and the target FC, on one colour scale (−1 to 1)" : "; no empirical FC is known for this run"
    }; ${n} × ${n} regions.`,
    spec: emp
      ? {
        $schema: SCHEMA,
        data: { values },
        hconcat: [
          { ...heat("simulated"), transform: [{ filter: "datum.which === 'simulated'" }] },
          { ...heat("empirical"), transform: [{ filter: "datum.which === 'empirical'" }] },
        ],
        resolve: { scale: { color: "shared" } },
      }
      : { $schema: SCHEMA, data: { values }, ...heat("simulated") },
    marks: [{ type: "rect", count: values.length }],
  });
  if (emp) {
    const pts: { empirical: number; simulated: number }[] = [];
    const a: number[] = [], b: number[] = [];
    const pairs = run.pairs ?? fcPairs(n);
    for (let k = 0; k < pairs.length; k++) {
      const i = pairs.rows[k]!, j = pairs.cols[k]!;
      const s = sim[i * n + j]!, e = emp[i * n + j]!;
      if (!fin(s) || !fin(e)) continue;
      pts.push({ empirical: e, simulated: s });
      a.push(s);
      b.push(e);
    }
    const r = pearson(a, b);
    figs.push({
      id: "fc-scatter",
      title: `FC scatter, r = ${fmt(r)}`,
      caption: `FC of the ${pts.length} node pairs the fit compares${
        pairs.length < (n * (n - 1)) / 2 ? " (interhemispheric pairs excluded)" : ""
      }, simulated against empirical; r is their Pearson correlation (the fit's fc_corr).`,
      spec: {
        $schema: SCHEMA,
        width: 260,
        height: 260,
        data: { values: pts },
        mark: { type: "circle", size: 6, opacity: 0.35 },
        encoding: {
          x: { field: "empirical", type: "quantitative", title: "empirical FC", scale: { zero: false } },
          y: { field: "simulated", type: "quantitative", title: "simulated FC", scale: { zero: false } },
        },
      },
      marks: [{ type: "symbol", count: pts.length }],
    });
  }
  return figs;
}

function fcdFigure(run: RunData): Figure | null {
  const sim = run.simFcdTril;
  const emp = run.problem?.empirical.fcdTril;
  if (!sim || sim.length === 0) return null;
  const values = [
    ...Array.from(sim, (v) => ({ which: "simulated", r: v })),
    ...(emp ? Array.from(emp, (v) => ({ which: "empirical", r: v })) : []),
  ];
  const ks = emp ? ksStatistic(sim, Float64Array.from(emp)) : NaN;
  const groups = emp ? 2 : 1;
  return {
    id: "fcd",
    title: emp ? `FCD distributions, KS = ${fmt(ks)}` : "FCD distribution (simulated)",
    caption:
      `Distribution of the FCD matrix's lower triangle (window-to-window FC correlations) of the best candidate (fcd_tril.npy, ${sim.length} values)${
        emp ? ` and the empirical sample (${emp.length}); KS is the two-sample Kolmogorov–Smirnov statistic` : ""
      }.`,
    spec: {
      $schema: SCHEMA,
      width: 300,
      height: 180,
      data: { values },
      transform: [
        { bin: { extent: [-1, 1], step: 0.05 }, field: "r", as: ["r0", "r1"] },
        { aggregate: [{ op: "count", as: "n" }], groupby: ["which", "r0", "r1"] },
        { joinaggregate: [{ op: "sum", field: "n", as: "total" }], groupby: ["which"] },
        { calculate: "datum.n / datum.total / 0.05", as: "density" },
      ],
      mark: { type: "line", interpolate: "step-after" },
      encoding: {
        x: { field: "r0", type: "quantitative", title: "FCD value (r)", scale: { domain: [-1, 1] } },
        y: { field: "density", type: "quantitative", title: "density" },
        color: { field: "which", type: "nominal", title: "", legend: { orient: "top" } },
      },
    },
    marks: [{ type: "line", count: groups }],
  };
}

function heterogeneityFigures(run: RunData): Figure[] {
  const nv = run.best?.nodeValues;
  const p = run.problem;
  if (!nv) return [];
  const figs: Figure[] = [];
  for (const f of p?.spec.free ?? []) {
    const v = nv[f.name];
    if (!Array.isArray(v)) continue;
    const groups = f.groups ? Array.from(f.groups) : null;
    const order = v.map((_, i) => i).sort((a, b) => (groups ? groups[a]! - groups[b]! : 0) || a - b);
    const values = order.map((i, k) => ({ rank: k, node: i, group: groups ? String(groups[i]) : "map", value: v[i]! }));
    figs.push({
      id: `param-${f.name}`,
      title: `${f.name} per node${groups ? " by group" : ""}`,
      caption: `The best candidate's ${f.name} at each of the ${v.length} nodes (best.json nodeValues)${
        groups ? `, ordered and coloured by group (${new Set(groups).size} groups)` : ", from its maps"
      }.`,
      spec: {
        $schema: SCHEMA,
        width: 320,
        height: 150,
        data: { values },
        mark: "bar",
        encoding: {
          x: {
            field: "rank",
            type: "ordinal",
            title: `nodes${groups ? " (ordered by group)" : ""}`,
            axis: { labels: false, ticks: false },
          },
          y: { field: "value", type: "quantitative", title: f.name, scale: { zero: false } },
          color: { field: "group", type: "nominal", title: "group", scale: { scheme: "category10" } },
          tooltip: [{ field: "node" }, { field: "value" }],
        },
      },
      marks: [{ type: "rect", count: values.length }],
    });
  }
  return figs;
}

/** FIC aims every node's mean excitatory rate at 3 Hz (Deco et al. 2014; cuBNM). */
const FIC_TARGET_HZ = 3;

function ficFigure(run: RunData): Figure | null {
  const fic = run.problemInfo.fic;
  const rE = run.averages.r_E;
  if (!fic || !rE) return null;
  const values = Array.from(rE, (r, node) => ({ node, r }));
  const off = values.filter((v) => Math.abs(v.r - FIC_TARGET_HZ) > 0.5).length;
  return {
    id: "fic",
    title: "FIC: mean r_E per node",
    caption:
      `Mean excitatory rate of each node in the best simulation (avg_r_E.npy) against FIC's ${FIC_TARGET_HZ} Hz target (rule); ${off} of ${rE.length} nodes are more than 0.5 Hz away.`,
    spec: {
      $schema: SCHEMA,
      width: 320,
      height: 150,
      layer: [
        {
          data: { values },
          mark: "bar",
          encoding: {
            x: { field: "node", type: "ordinal", axis: { labels: false, ticks: false }, title: "node" },
            y: { field: "r", type: "quantitative", title: "mean r_E (Hz)" },
          },
        },
        {
          data: { values: [{ y: FIC_TARGET_HZ }] },
          mark: { type: "rule", color: "#d62728", strokeDash: [4, 3], strokeWidth: 2 },
          encoding: { y: { field: "y", type: "quantitative" } },
        },
      ],
    },
    marks: [{ type: "rect", count: values.length }, { type: "rule", count: 1 }],
  };
}

function paretoFigures(run: RunData): Figure[] {
  const h = run.history;
  if (run.problemInfo.objectives !== "terms" || !h || !h.num.objective_0 || !h.num.objective_1) return [];
  const pts: { f0: number; f1: number; set: string }[] = [];
  for (let r = 0; r < h.rows; r++) {
    const a = h.num.objective_0[r]!, b = h.num.objective_1[r]!;
    if (fin(a) && fin(b)) pts.push({ f0: a, f1: b, set: "all simulations" });
  }
  const last = run.pareto.at(-1);
  for (const m of last?.front ?? []) if (fin(m.f[0]!) && fin(m.f[1]!)) pts.push({ f0: m.f[0]!, f1: m.f[1]!, set: "final Pareto front" });
  const names = run.gof.map((g) => `${g.startsWith("+") ? "−" : ""}${g.slice(1)}`);
  const figs: Figure[] = [{
    id: "pareto",
    title: "Pareto front in objective space",
    caption: `Both objectives of every simulation (history.csv, minimised: ${names.join(", ")}) and the final front (pareto.jsonl, ${
      last?.front.length ?? 0
    } members).`,
    spec: {
      $schema: SCHEMA,
      width: 300,
      height: 220,
      data: { values: pts },
      mark: { type: "point", filled: true },
      encoding: {
        x: { field: "f0", type: "quantitative", title: names[0] ?? "objective 0", scale: { zero: false } },
        y: { field: "f1", type: "quantitative", title: names[1] ?? "objective 1", scale: { zero: false } },
        color: { field: "set", type: "nominal", title: "", scale: { range: ["#9bbcd9", "#d62728"] }, legend: { orient: "top" } },
        size: { condition: { test: "datum.set === 'final Pareto front'", value: 70 }, value: 20 },
      },
    },
    marks: [{ type: "symbol", count: pts.length }],
  }];
  if (run.pareto.length) {
    const values = run.pareto.map((g) => ({ generation: g.generation, hypervolume: g.hypervolume }));
    figs.push({
      id: "hypervolume",
      title: `Hypervolume per generation (${fmt(values.at(-1)!.hypervolume)})`,
      caption: `Hypervolume of each generation's front (pareto.jsonl) against the fixed reference point [${
        last!.reference.map((v) => fmt(v)).join(", ")
      }] (the objectives' worst values).`,
      spec: {
        $schema: SCHEMA,
        width: 300,
        height: 150,
        data: { values },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "generation", type: "quantitative" },
          y: { field: "hypervolume", type: "quantitative", scale: { zero: false } },
        },
      },
      marks: [{ type: "line", count: 1 }],
    });
  }
  return figs;
}

function evokedFigure(run: RunData): Figure | null {
  const p = run.problem;
  const sim = run.simSeries;
  const emp = p?.empirical.series;
  if (!sim || !p || !emp || emp.length !== sim.length) return null;
  const t = p.seriesTimes ?? p.sampleTimesMs;
  const values = [
    ...Array.from(sim, (v, k) => ({ t: t[k]!, v, which: "simulated" })),
    ...Array.from(emp, (v, k) => ({ t: t[k]!, v, which: "recorded" })),
  ];
  const e = rmse(sim, emp);
  return {
    id: "evoked",
    title: `Dipole: simulated vs recorded, RMSE = ${fmt(e)}`,
    caption:
      `The best candidate's dipole after the fit's transform (series.npy, ${sim.length} samples at the recording's times) and the recorded dipole; RMSE over all samples.`,
    spec: {
      $schema: SCHEMA,
      width: 320,
      height: 180,
      data: { values },
      mark: "line",
      encoding: {
        x: { field: "t", type: "quantitative", title: "time (ms)" },
        y: { field: "v", type: "quantitative", title: "dipole" },
        color: { field: "which", type: "nominal", title: "", legend: { orient: "top" } },
      },
    },
    marks: [{ type: "line", count: 2 }],
  };
}

function psdFigure(run: RunData): Figure | null {
  const sim = run.simPsdPeaks;
  const target = run.problem?.empirical.psdPeaks;
  if (!sim || !target || sim.length !== target.length) return null;
  const values = [
    ...Array.from(sim, (f, node) => ({ node, f, which: "simulated" })),
    ...Array.from(target, (f, node) => ({ node, f, which: "target" })),
  ];
  let mae = 0;
  for (let i = 0; i < sim.length; i++) mae += Math.abs(sim[i]! - target[i]!) / sim.length;
  return {
    id: "psd-peaks",
    title: `Peak frequency per region, MAE = ${fmt(mae, 2)} Hz`,
    caption: `Welch peak frequency of each region's ${run.problem!.signal} in the best simulation (recomputed from ${
      run.problem!.signal
    }.npy as the fit computes it) against the target.`,
    spec: {
      $schema: SCHEMA,
      width: 320,
      height: 160,
      data: { values },
      mark: { type: "point", filled: true, size: 22 },
      encoding: {
        x: { field: "node", type: "quantitative", title: "region" },
        y: { field: "f", type: "quantitative", title: "peak frequency (Hz)", scale: { zero: false } },
        color: { field: "which", type: "nominal", title: "", legend: { orient: "top" } },
      },
    },
    marks: [{ type: "symbol", count: values.length }],
  };
}

/** All figures one run's data allow, in reading order. */
export function runFigures(run: RunData): Figure[] {
  const figs: (Figure | null)[] = [
    convergenceFigure(run),
    gofTermsFigure(run),
    statusFigure(run),
    ...fcFigures(run),
    fcdFigure(run),
    ...heterogeneityFigures(run),
    ficFigure(run),
    ...paretoFigures(run),
    evokedFigure(run),
    psdFigure(run),
  ];
  return figs.filter((f): f is Figure => f !== null);
}
