#!/usr/bin/env python3
"""Reference figures for bench/optim.bench.ts from scipy (run locally; CI has no Python).
Writes bench/reference/scipy-optim.json:  python3 bench/reference/scipy-optim.py"""
import json, os, sys
import numpy as np, scipy
from scipy.optimize import differential_evolution, minimize

def rastrigin(x): return 10 * len(x) + float(np.sum(x * x - 10 * np.cos(2 * np.pi * x)))
def rosen(x): return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))

out = {"scipy": scipy.__version__, "numpy": np.__version__, "python": sys.version.split()[0]}
seeds = [1, 2, 3, 4, 5]
# DE on 10-D Rastrigin in [-5.12, 5.12]^10 with a budget of 50,000 evaluations: scipy's defaults
# (best1bin, mutation (0.5, 1) dithered, recombination 0.7, popsize 15 -> 150, LHS init),
# polish off so the budget is all DE, tol 0 so only the budget stops it.
b = [(-5.12, 5.12)] * 10
for updating in ["immediate", "deferred"]:
    res = []
    for s in seeds:
        r = differential_evolution(rastrigin, b, maxiter=50000 // 150 - 1, tol=0, polish=False, rng=s, updating=updating)
        res.append({"seed": s, "fun": r.fun, "nfev": int(r.nfev)})
    out[f"de_rastrigin10_{updating}"] = {"median_fun": float(np.median([r["fun"] for r in res])), "runs": res}
# L-BFGS-B on 20-D Rosenbrock in [-2, 2]^20, gradient by scipy's finite differences (2-point),
# from x0 uniform in the box (seeded) and from x0 = 0.
lb = [(-2, 2)] * 20
for name, starts in [("x0_zero", [np.zeros(20)]), ("x0_uniform", [np.random.default_rng(s).uniform(-2, 2, 20) for s in seeds])]:
    res = []
    for x0 in starts:
        r = minimize(rosen, x0, method="L-BFGS-B", bounds=lb)
        res.append({"x0": x0.tolist(), "fun": r.fun, "nfev": int(r.nfev), "nit": int(r.nit)})
    out[f"lbfgsb_rosen20_{name}"] = {"median_nfev": float(np.median([r["nfev"] for r in res])), "runs": res}
# L-BFGS-B with exact gradients, unbounded 10-D Rosenbrock from 0 (test/optim/lbfgsb.test.ts):
# gtol 1e-8 (brainfit's default pgtol), and gtol 1e-9 with ftol 0.
from scipy.optimize import rosen as _rosen, rosen_der
out["lbfgsb_rosen10_exact"] = [
    {"gtol": gt, "ftol": ft, **(lambda r: {"nfev": int(r.nfev), "nit": int(r.nit), "fun": float(r.fun)})(
        minimize(_rosen, np.zeros(10), jac=rosen_der, method="L-BFGS-B", options={"gtol": gt, **({"ftol": ft} if ft is not None else {})}))}
    for gt, ft in [(1e-8, None), (1e-9, 0.0)]]
# DE polish (polish=True, scipy's default): 1 + sum (i+1)(x_i - 0.3)^2 in [-5, 5]^5, defaults
# otherwise; the polish's evaluations are the difference to polish=False.
def quad(x): return 1 + float(np.sum(np.arange(1, len(x) + 1) * (x - 0.3) ** 2))
res = []
for s in [1, 2, 3]:
    a = differential_evolution(quad, [(-5, 5)] * 5, rng=s, polish=False)
    p = differential_evolution(quad, [(-5, 5)] * 5, rng=s, polish=True)
    res.append({"seed": s, "nfev_raw": int(a.nfev), "fun_raw": a.fun, "nfev_polish": int(p.nfev), "fun_polish": p.fun})
out["de_polish_quad5"] = {"median_polish_nfev": float(np.median([r["nfev_polish"] - r["nfev_raw"] for r in res])), "runs": res}
json.dump(out, open(os.path.join(os.path.dirname(__file__), "scipy-optim.json"), "w"), indent=1)
print(json.dumps({k: (v if not isinstance(v, dict) else {kk: vv for kk, vv in v.items() if kk != "runs"}) for k, v in out.items()}))
