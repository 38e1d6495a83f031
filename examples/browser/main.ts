// The browser page: pick a connectome and model, set free parameters and budget, press Fit, and
// watch the convergence curve and the best candidate's FC update every generation. Simulations
// run on WebGPU when the browser has a hardware adapter, else on WASM (the status line says
// which, from the backend's own description). A dropped .npy/.mat/.csv SC is read by brainfit's
// io module (parseArray) and replaces the connectome's weights.
// Query parameters preset the form (the Chromium test uses them): connectome, model, free
// (comma list), popsize, generations, duration, seed, backend (auto|webgpu|wasm),
// software-gpu=1 (accept a software WebGPU adapter such as SwiftShader), autostart=1.
import { parse, View } from "vega";
import { compile } from "vega-lite";
import { parseArray } from "brainfit/io";
import type { BackendName } from "brainfit/sim";
import { type GenerationUpdate, runPageFit } from "./fit-loop.ts";
import { buildConfig, CONNECTOMES, MODELS, type PageChoices } from "./presets.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const q = new URLSearchParams(location.search);
const dataDir = new URL("data/", location.href);

/** What the test reads: the last generation, the status, and errors. */
interface PageState {
  running: boolean;
  done: boolean;
  error: string | null;
  backendInfo: string;
  last: GenerationUpdate | null;
  config: unknown;
  convergencePoints: number;
}
const state: PageState = { running: false, done: false, error: null, backendInfo: "", last: null, config: null, convergencePoints: 0 };
(globalThis as { __brainfitPage?: PageState }).__brainfitPage = state;

let customWeights: number[][] | undefined;
let stopRequested = false;

function fillSelect(id: string, items: { id: string; label: string }[], chosen: string | null) {
  const sel = $<HTMLSelectElement>(id);
  sel.innerHTML = items.map((i) => `<option value="${i.id}">${i.label}</option>`).join("");
  if (chosen && items.some((i) => i.id === chosen)) sel.value = chosen;
}

function renderFreeParams() {
  const model = MODELS.find((m) => m.id === $<HTMLSelectElement>("model").value)!;
  const wanted = q.get("free")?.split(",");
  $("free").innerHTML = model.free
    .map((f, k) => {
      const on = wanted ? wanted.includes(f.name) : true;
      return `<div class="free"><label><input type="checkbox" id="free-${k}" ${
        on ? "checked" : ""
      }> <b>${f.name}</b> <span class="muted">${f.help}</span></label>` +
        ` ∈ [<input id="lo-${k}" type="number" step="any" value="${f.bounds[0]}">, <input id="hi-${k}" type="number" step="any" value="${
          f.bounds[1]
        }">]${f.scale === "log" ? " (log scale)" : ""}</div>`;
    })
    .join("");
}

function choices(): PageChoices {
  const model = MODELS.find((m) => m.id === $<HTMLSelectElement>("model").value)!;
  const free = model.free
    .map((f, k) => ({
      on: $<HTMLInputElement>(`free-${k}`).checked,
      name: f.name,
      bounds: [Number($<HTMLInputElement>(`lo-${k}`).value), Number($<HTMLInputElement>(`hi-${k}`).value)] as [number, number],
    }))
    .filter((f) => f.on)
    .map(({ name, bounds }) => ({ name, bounds }));
  return {
    connectome: $<HTMLSelectElement>("connectome").value,
    model: model.id,
    free,
    popsize: Number($<HTMLInputElement>("popsize").value),
    generations: Number($<HTMLInputElement>("generations").value),
    duration: Number($<HTMLInputElement>("duration").value),
    seed: Number($<HTMLInputElement>("seed").value),
    customWeights,
  };
}

// ---- plots (Vega-Lite, rendered to SVG by Vega in the page) ----
let convView: View | null = null;
let fcView: View | null = null;

async function makeView(el: HTMLElement, spec: Record<string, unknown>): Promise<View> {
  el.innerHTML = "";
  // autosize resize: the axes and legend grow as data arrive (the view starts empty).
  const full = { ...spec, autosize: { type: "pad", resize: true } };
  const view = new View(parse(compile(full as never).spec), { renderer: "svg", container: el, hover: false });
  await view.runAsync();
  return view;
}

async function resetPlots() {
  convView?.finalize();
  fcView?.finalize();
  convView = await makeView($("convergence"), {
    width: 360,
    height: 220,
    data: { name: "conv" },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "generation", type: "quantitative", title: "generation", axis: { tickMinStep: 1, format: "d" } },
      y: { field: "cost", type: "quantitative", title: "cost (−fc_corr)", scale: { zero: false } },
      color: { field: "series", type: "nominal", title: "", legend: { orient: "top" } },
    },
  });
  state.convergencePoints = 0;
  const heat = (which: string) => ({
    width: 220,
    height: 220,
    title: which,
    transform: [{ filter: `datum.which === '${which}'` }],
    mark: "rect",
    encoding: {
      x: { field: "j", type: "ordinal", axis: null },
      y: { field: "i", type: "ordinal", axis: null },
      color: { field: "r", type: "quantitative", title: "r", scale: { scheme: "redblue", reverse: true, domain: [-1, 1] } },
    },
  });
  fcView = await makeView($("fc"), {
    data: { name: "cells" },
    hconcat: [heat("simulated (best so far)"), heat("empirical")],
    resolve: { scale: { color: "shared" } },
  });
}

function cells(m: Float64Array, n: number, which: string) {
  const out: { i: number; j: number; r: number; which: string }[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (Number.isFinite(m[i * n + j]!)) out.push({ i, j, r: m[i * n + j]!, which });
  return out;
}

let shownFc: Float64Array | null = null;
async function update(u: GenerationUpdate) {
  state.last = u;
  state.backendInfo = u.backendInfo;
  $("backend-info").textContent = `Running on ${u.backendInfo}`;
  $("progress").textContent = `generation ${u.generation}, ${u.evaluations} simulations, best cost ${u.bestCost.toFixed(4)} (${
    Object.entries(u.bestParams).map(([k, v]) => `${k} = ${v.toPrecision(4)}`).join(", ")
  })${u.diverged ? `, ${u.diverged} diverged` : ""}`;
  const pts = [{ generation: u.generation, series: "best so far", cost: u.bestCost }];
  if (Number.isFinite(u.medianCost)) pts.push({ generation: u.generation, series: "generation median", cost: u.medianCost });
  await convView!.insert("conv", pts).runAsync();
  state.convergencePoints += pts.length;
  // Redraw the FC only when the best candidate changed.
  if (u.bestFc && u.bestFc !== shownFc) {
    shownFc = u.bestFc;
    const values = [
      ...cells(u.bestFc, u.nodes, "simulated (best so far)"),
      ...(u.empiricalFc ? cells(u.empiricalFc, u.nodes, "empirical") : []),
    ];
    await fcView!.data("cells", values).runAsync();
  }
}

async function fit() {
  if (state.running) {
    stopRequested = true;
    return;
  }
  Object.assign(state, { running: true, done: false, error: null, last: null });
  stopRequested = false;
  shownFc = null;
  $<HTMLButtonElement>("fit").textContent = "Stop";
  $("error").textContent = "";
  try {
    const config = buildConfig(choices());
    state.config = config;
    await resetPlots();
    const backend = $<HTMLSelectElement>("backend").value as BackendName;
    const gpu = "gpu" in navigator ? "this browser has WebGPU" : "this browser has no WebGPU";
    $("backend-info").textContent = `Starting (${backend}; ${gpu}) …`;
    await runPageFit(config, {
      backend,
      allowSoftwareGpu: q.get("software-gpu") === "1",
      context: { datasets: { dataDir } },
      onGeneration: update,
      stopped: () => stopRequested,
    });
    state.done = true;
  } catch (e) {
    state.error = (e as Error).message;
    $("error").textContent = state.error;
  } finally {
    state.running = false;
    $<HTMLButtonElement>("fit").textContent = "Fit";
  }
}

async function loadDropped(file: File) {
  try {
    const arr = parseArray(new Uint8Array(await file.arrayBuffer()), { name: file.name });
    const [r, c] = arr.shape;
    if (arr.shape.length !== 2 || r !== c) {
      throw new Error(`${file.name}: expected a square n × n SC matrix, got shape (${arr.shape.join(", ")})`);
    }
    const d = arr.data as ArrayLike<number>;
    customWeights = Array.from({ length: r! }, (_, i) => Array.from({ length: c! }, (_, j) => Number(d[i * c! + j])));
    $("drop").textContent =
      `SC from ${file.name}: ${r} × ${c} (replaces the connectome's weights; no delays). Drop another file to replace it.`;
    $("error").textContent = "";
  } catch (e) {
    customWeights = undefined;
    $("error").textContent = (e as Error).message;
  }
}

function init() {
  fillSelect("connectome", CONNECTOMES, q.get("connectome"));
  fillSelect("model", MODELS, q.get("model"));
  for (const k of ["popsize", "generations", "duration", "seed"]) if (q.get(k)) $<HTMLInputElement>(k).value = q.get(k)!;
  if (q.get("backend")) $<HTMLSelectElement>("backend").value = q.get("backend")!;
  renderFreeParams();
  $("model").addEventListener("change", () => {
    const m = MODELS.find((x) => x.id === $<HTMLSelectElement>("model").value)!;
    $<HTMLInputElement>("duration").value = String(m.duration);
    renderFreeParams();
  });
  $("fit").addEventListener("click", () => void fit());
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const f = e.dataTransfer?.files[0];
    if (f) void loadDropped(f);
  });
  $("gpu").textContent = "gpu" in navigator
    ? "WebGPU: available in this browser (a software adapter is used only if you choose webgpu)"
    : "WebGPU: not available, fits run on WASM";
  if (q.get("autostart") === "1") void fit();
}

init();
