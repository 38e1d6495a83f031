// The test loss of the gradient tests: Σ over samples and nodes of w_k · sin²(v_k) of every
// recorded observable, with weights w_k = 1 + ((k + shift) % 7) / 7 so that it is not symmetric in
// nodes (and, with laneShift, not in lanes either).
import type { LaneLoss } from "../../src/grad/backward.ts";

export function sinSquaredLoss(laneShift = false): LaneLoss {
  return (lane, rec) => {
    let value = 0;
    const grad: Record<string, Float64Array> = {};
    const shift = laneShift ? lane : 0;
    for (const [name, v] of Object.entries(rec)) {
      const g = new Float64Array(v.length);
      for (let k = 0; k < v.length; k++) {
        const w = 1 + ((k + shift) % 7) / 7;
        value += w * Math.sin(v[k]!) ** 2;
        g[k] = w * Math.sin(2 * v[k]!);
      }
      grad[name] = g;
    }
    return { value, grad };
  };
}
