// Balloon–Windkessel BOLD (Friston et al. 2003; constants of Stephan et al. 2007, as cuBNM and
// TVB use them), integrated in float64 in TypeScript on the neural signal as it streams out of
// simulate() (onChunk), so no full-resolution trajectory is ever held. This is the fitting
// module's thin BOLD step; the in-kernel BOLD transform of src/models replaces it once it exists.
//   ds/dt = z − κ s − γ (f − 1)        df/dt = s
//   τ dv/dt = f − v^(1/α)              τ dq/dt = f (1 − (1 − ρ)^(1/f)) / ρ − q v^(1/α − 1)
//   BOLD = V0 (k1 (1 − q) + k2 (1 − q/v) + k3 (1 − v)),  k1 = 7ρ, k2 = 2, k3 = 2ρ − 0.2
// Time in seconds; Euler steps of the sampling period of the input (1 ms by default, cuBNM's bw_dt).

export const BALLOON_DEFAULTS = { kappa: 0.65, gamma: 0.41, tau: 0.98, alpha: 0.32, rho: 0.34, V0: 0.02 } as const;

export class BalloonStream {
  private readonly s: Float64Array;
  private readonly f: Float64Array;
  private readonly v: Float64Array;
  private readonly q: Float64Array;
  private sample = 0;
  private volume = 0;
  /** BOLD volumes, lanes × nodes × nVolumes (node-major per lane, the layout src/stats reads). */
  readonly bold: Float64Array;

  /**
   * @param stepS input sampling period in s (Euler step)
   * @param every input samples per BOLD volume (TR / step)
   * @param nVolumes volumes to keep (later ones are dropped)
   */
  constructor(
    readonly lanes: number,
    readonly nodes: number,
    readonly stepS: number,
    readonly every: number,
    readonly nVolumes: number,
  ) {
    const n = lanes * nodes;
    this.s = new Float64Array(n);
    this.f = new Float64Array(n).fill(1);
    this.v = new Float64Array(n).fill(1);
    this.q = new Float64Array(n).fill(1);
    this.bold = new Float64Array(n * nVolumes);
  }

  /** Feed `count` samples of lanes × count × nodes input (a simulate() chunk). */
  push(data: ArrayLike<number>, count: number): void {
    const { lanes, nodes, stepS: h, s, f, v, q } = this;
    const { kappa, gamma, tau, alpha, rho, V0 } = BALLOON_DEFAULTS;
    const ia = 1 / alpha;
    const k1 = 7 * rho, k2 = 2, k3 = 2 * rho - 0.2;
    const lr = Math.log(1 - rho);
    for (let t = 0; t < count; t++) {
      const emit = (this.sample + 1) % this.every === 0 && this.volume < this.nVolumes;
      for (let l = 0; l < lanes; l++) {
        const src = (l * count + t) * nodes;
        for (let i = 0; i < nodes; i++) {
          const k = l * nodes + i;
          const z = data[src + i]!;
          const sk = s[k]!, fk = f[k]!, vk = v[k]!, qk = q[k]!;
          const vpow = Math.pow(vk, ia);
          const ds = z - kappa * sk - gamma * (fk - 1);
          const df = sk;
          const dv = (fk - vpow) / tau;
          const dq = ((fk * (1 - Math.exp(lr / fk))) / rho - (qk * vpow) / vk) / tau;
          s[k] = sk + h * ds;
          f[k] = fk + h * df;
          v[k] = vk + h * dv;
          q[k] = qk + h * dq;
          if (emit) {
            const vn = v[k]!, qn = q[k]!;
            this.bold[k * this.nVolumes + this.volume] = V0 * (k1 * (1 - qn) + k2 * (1 - qn / vn) + k3 * (1 - vn));
          }
        }
      }
      if (emit) this.volume++;
      this.sample++;
    }
  }

  /** Volumes written so far. */
  get volumes(): number {
    return this.volume;
  }
}
