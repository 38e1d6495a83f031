// brainfit/report: one self-contained HTML report (inline SVG, no scripts, no network) for one
// fit run folder or several side by side. Its own entry point: the SDK core never imports it,
// so the plotting library (Vega + Vega-Lite) is only loaded by `brainfit report` / `brainfit fit`.
import { VERSION } from "../index.ts";
import { batchConvergenceFigure, type Figure, runFigures } from "./figures.ts";
import { type ReadOptions, readRunFolder, ReportError, type RunData } from "./read.ts";
import { PLOT_LIBRARY, renderSvg } from "./render.ts";

export { type Figure, readRunFolder, ReportError, type RunData, runFigures };

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (
  v: unknown,
) => (typeof v === "number"
  ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(5))))
  : String(v));

function dataRef(r: unknown): string {
  if (r === undefined || r === null) return "";
  if (typeof r === "string") return r;
  if (Array.isArray(r)) return `inline array (${r.length})`;
  if (typeof r === "object") return Object.entries(r as Record<string, unknown>).map(([k, v]) => `${k} ${v}`).join(", ");
  return String(r);
}

/** Header rows: model, data, optimizer, budget, seeds, backend, versions, wall time, result. */
function headerRows(run: RunData): [string, string][] {
  // deno-lint-ignore no-explicit-any
  const p = run.problemInfo as Record<string, any>;
  // deno-lint-ignore no-explicit-any
  const c = (run.config ?? {}) as Record<string, any>;
  const o = (run.optimizer.options ?? {}) as Record<string, unknown>;
  const budget = ["popsize", "maxIterations", "maxEvaluations", "maxGenerations"].filter((k) => o[k] !== undefined).map((k) =>
    `${k} ${o[k]}`
  ).join(", ");
  const sim = p.simulation ?? {};
  const b = run.best;
  const rows: [string, string][] = [
    ["model", `${p.model} · ${p.nodes} nodes${p.delays ? ` · delays at ${p.speed} mm/ms` : ""}`],
    [
      "data",
      c.network
        ? `weights: ${dataRef(c.network.weights)}${c.network.lengths ? `; lengths: ${dataRef(c.network.lengths)}` : ""}; target: ${
          Object.entries(c.target ?? {}).map(([k, v]) => `${k} = ${dataRef(v)}`).join("; ")
        }`
        : "not recorded (run started from code)",
    ],
    [
      "free parameters",
      (p.dimensions ?? []).map((d: { name: string; lower: number; upper: number; scale: string }) =>
        `${d.name} ∈ [${fmt(d.lower)}, ${fmt(d.upper)}]${d.scale === "log" ? " log" : ""}`
      ).join(", "),
    ],
    [
      "GOF",
      `${(p.gof ?? []).join(" ")}${p.objectives === "terms" ? " (multi-objective)" : ""}${
        (p.penalties ?? []).length ? `; penalties ${p.penalties.join(", ")}` : ""
      }`,
    ],
    [
      "simulation",
      `${sim.duration} s at dt ${sim.dt} ms, ${sim.signal} every ${sim.tr} s, ${sim.integrator ?? ""}${
        sim.trials > 1 ? `, ${sim.trials} trials` : ""
      }`,
    ],
    ["optimizer", `${run.optimizer.type}${budget ? ` · budget: ${budget}` : ""}`],
    ["seeds", `simulation ${sim.seed}, optimizer ${o.seed ?? "-"}`],
    ["backend", b?.backend ?? "?"],
    ["versions", `brainfit ${VERSION}, ${PLOT_LIBRARY}, ${runtimeName()}`],
  ];
  if (b) {
    rows.push([
      "wall time",
      `${b.elapsedSeconds.toFixed(1)} s for ${b.evaluations} simulations in ${b.generations} generations (stop: ${
        b.stopReason ?? "paused"
      })`,
    ]);
    rows.push(["failed", `${b.diverged} diverged, ${b.invalid} invalid`]);
    if (b.best) {
      rows.push([
        "best",
        `cost ${fmt(b.best.cost)} (GOF ${fmt(b.best.gof)}: ${
          Object.entries(b.best.terms).map(([k, v]) => `${k} ${fmt(v)}`).join(", ")
        }) at simulation ${b.best.evaluation}`,
      ]);
      rows.push(["best parameters", Object.entries(b.best.params).map(([k, v]) => `${k} = ${fmt(v)}`).join(", ")]);
    }
    if (b.hypervolume !== null && b.hypervolume !== undefined) rows.push(["hypervolume", fmt(b.hypervolume)]);
  }
  return rows;
}

function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string }; process?: { versions?: { node?: string } } };
  return g.Deno
    ? `Deno ${g.Deno.version.deno}`
    : g.Bun
    ? `Bun ${g.Bun.version}`
    : g.process?.versions?.node
    ? `Node ${g.process.versions.node}`
    : "unknown runtime";
}

async function figureHtml(f: Figure): Promise<string> {
  const svg = await renderSvg(f.spec);
  const marks = f.marks.map((m) => `${m.type}:${m.count}`).join(" ");
  return `<figure class="fig" data-figure="${esc(f.id)}" data-marks="${esc(marks)}"><figcaption><b>${
    esc(f.title)
  }</b></figcaption>${svg}<p class="cap">${esc(f.caption)}</p></figure>`;
}

export interface ReportOptions extends ReadOptions {
  title?: string;
}

/** The report page for runs already read. */
export async function reportHtml(runs: RunData[], opts: ReportOptions = {}): Promise<string> {
  const title = opts.title ?? (runs.length === 1 ? `brainfit report: ${runs[0]!.label}` : `brainfit report: ${runs.length} runs`);
  const parts: string[] = [];
  if (runs.length > 1) {
    const f = batchConvergenceFigure(runs);
    if (f) parts.push(`<section class="batch">${await figureHtml(f)}</section>`);
  }
  const cols: string[] = [];
  for (const run of runs) {
    const figs: string[] = [];
    for (const f of runFigures(run)) figs.push(await figureHtml(f));
    const notes = run.notes.length ? `<ul class="notes">${run.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : "";
    cols.push(
      `<section class="run" data-run="${esc(run.label)}"><h2>${esc(run.label)}</h2><p class="dir">${esc(run.dir)}</p>` +
        `<table class="hdr">${headerRows(run).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</table>${notes}` +
        `<div class="figs">${figs.join("")}</div></section>`,
    );
  }
  parts.push(`<div class="runs" style="--runs:${runs.length}">${cols.join("")}</div>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="brainfit ${esc(VERSION)} report (${esc(PLOT_LIBRARY)})">
<title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:16px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:0}.dir{color:#777;margin:0 0 6px;font-size:12px}
.runs{display:grid;grid-template-columns:repeat(var(--runs),minmax(720px,1fr));gap:16px;overflow-x:auto}
.run,.batch{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px}.batch{margin-bottom:16px}
table.hdr{border-collapse:collapse;font-size:12px;margin-bottom:8px}table.hdr th{text-align:left;padding:1px 10px 1px 0;color:#555;vertical-align:top;white-space:nowrap}table.hdr td{padding:1px 0}
.notes{font-size:12px;color:#8a5a00}.figs{display:flex;flex-wrap:wrap;gap:12px}
figure.fig{margin:0;padding:6px;border:1px solid #eee;border-radius:4px}figure.fig svg{display:block;max-width:100%;height:auto}
.cap{font-size:11px;color:#555;max-width:640px;margin:2px 0 0}
</style></head><body>
<h1>${esc(title)}</h1><p class="dir">${esc(new Date().toISOString())} · brainfit ${esc(VERSION)} · plots by ${esc(PLOT_LIBRARY)}</p>
${parts.join("\n")}
</body></html>
`;
}

/** Read run folders and write one report; returns the path written. */
export async function writeReport(dirs: string[], out: string, opts: ReportOptions = {}): Promise<string> {
  if (dirs.length === 0) throw new ReportError("give at least one run folder");
  const runs: RunData[] = [];
  for (const d of dirs) runs.push(await readRunFolder(d, opts));
  const html = await reportHtml(runs, opts);
  const { writeFile, mkdir } = await import("node:fs/promises");
  const slash = Math.max(out.lastIndexOf("/"), out.lastIndexOf("\\"));
  if (slash > 0) await mkdir(out.slice(0, slash), { recursive: true });
  await writeFile(out, html, "utf8");
  return out;
}
