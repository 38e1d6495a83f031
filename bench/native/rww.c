// Native yardstick for the rWW + FIC + BOLD path: the same algorithm and data layout as the
// WASM kernel that src/codegen/asm.ts generates for withBold(rww) (Euler–Maruyama, dt 0.1 ms),
// in plain C, f32, so that the wasm backend can be quoted as a fraction of native code:
//   c_i   = Σ_e w_e S_E,src_e(step − d_e)          CSR rows; delay ring [node][slot][LB lanes]
//           of R = maxDelay + 2 slots plus B − 1 mirrored ones; when every delay is ≥ B, one
//           pass over the edges computes B steps' inputs (B: the longest multiple of TC that
//           every delay covers, at most 32), per edge TC consecutive slots per sub-block of the
//           pass (TC = 2 for LB 16, 8 for LB 1, as the wasm kernel's 8 / width), else one step
//   I_E   = W_E I0 + w_p J_N S_E + G J_N c − wIE_i S_I,  I_I = W_I I0 + J_N S_E − S_I
//   r     = u / (1 − exp(−d u)), u = a I − b        (series (1 + y/2 + y²/12)/d for |u| < 0.1)
//   z     = Philox4x32-10 normals, key (seed, stream), counter (step, node, 0, 0), Box–Muller on
//           words (0, 1): S_E gets r cos θ, S_I gets r sin θ
//   S    += dt f(S) + √dt σ z, clipped to [0, 1]
//   BOLD  = Balloon–Windkessel (cuBNM constants), one Euler step of bw_dt = 1 ms from the new
//           S_E after every 10th step, states held as deviations from rest (as withBold)
// Shared noise (every lane draws stream 0, the default of simulate() and a fit's candidates):
// one step's normals are drawn once per node, vectorised over nodes, and broadcast to the lanes,
// as the WASM kernel's shared-key path does. exp and ln are the f32 polynomials of
// asm/vmath.ts (common.h), so both sides do the same arithmetic.
//
// Build: gcc -O3 -march=native -fno-math-errno [-fopenmp] [-DLB=16] rww.c -lm
// Usage: rww.bin NETWORK.bin [--lanes L] [--steps S] [--threads T] [--G v] [--sigma v]
//   [--seed s] [--noise independent|shared] [--wie FILE (float32 × n)]
// Prints one JSON line: nodeStepsPerSecond (lanes × nodes × steps / integration time), CPU time.
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#ifndef LB
#define LB 16
#endif
#define PROGRAM "rww"
#include "common.h"

typedef struct {
  float dt, G, sigma;
  uint32_t seed;
  int independent;
  long steps;
  const float *wie;  // per node
} Params;

// rWW constants (src/models/rww.ts, cuBNM).
#define A_E 310.0f
#define B_E 125.0f
#define D_E 0.16f
#define A_I 615.0f
#define B_I 177.0f
#define D_I 0.087f
#define TAU_E 100.0f
#define TAU_I 10.0f
#define GAMMA_E 0.000641f
#define GAMMA_I 0.001f
#define I0_E 0.382f
#define I0_I 0.2674f
#define W_P 1.4f
#define J_N 0.15f
// Balloon–Windkessel, cuBNM set (src/models/bold.ts).
#define BW_KAPPA (1.0f / 0.65f)
#define BW_GAMMA (1.0f / 0.41f)
#define BW_TAU 0.98f
#define BW_ALPHA 0.32f
#define BW_E0 0.34f

static inline float transfer(float u, float d) {
  float y = d * u;
  float series = (1.0f + y * (0.5f + y / 12.0f)) / d;
  float full = u / (1.0f - expf_poly(-y));
  return fabsf(u) < 0.1f ? series : full;
}

static inline void normalPair(uint32_t w0, uint32_t w1, float *z0, float *z1) {
  float u0 = ((float)(w0 >> 8) + 0.5f) * 5.9604644775390625e-8f;
  float u1 = ((float)(w1 >> 8) + 0.5f) * 5.9604644775390625e-8f;
  float r = sqrtf(-2.0f * lnf_poly(u0));
  float sn, cs;
  sincos2pi(u1, &sn, &cs);
  *z0 = r * cs;
  *z1 = r * sn;
}

// One block of LB lanes, all steps. Returns a checksum of the final state.
static double runBlock(const Network *net, const Params *p, int block) {
  const int n = net->n, R = net->maxDelay + 2, bwEvery = 10;
  const float dt = p->dt, sq = sqrtf(dt) * p->sigma, bdt = dt * bwEvery;
  const float lnE0 = lnf_poly(1.0f - BW_E0);
  const int TC = RING_TC, B = ringBlockSteps(net), Rm = R + B - 1, T = ringPassSteps(net);
  float *ring = aligned_alloc(64, sizeof(float) * (size_t)n * Rm * LB);  // [node][slot][lane]
  float *cbuf = aligned_alloc(64, sizeof(float) * (size_t)B * n * LB);  // [t][node][lane]
  float *SE = aligned_alloc(64, sizeof(float) * (size_t)n * LB);
  float *SI = aligned_alloc(64, sizeof(float) * (size_t)n * LB);
  float *bw = aligned_alloc(64, sizeof(float) * (size_t)4 * n * LB);  // s, f, v, q
  float *zs = aligned_alloc(64, sizeof(float) * (size_t)2 * ((n + LB - 1) / LB) * LB);
  uint32_t stream[LB];
  for (int i = 0; i < n * Rm * LB; i++) ring[i] = 0.001f;
  for (int i = 0; i < n * LB; i++) SE[i] = SI[i] = 0.001f;
  for (int i = 0; i < 4 * n * LB; i++) bw[i] = 0.0f;
  for (int l = 0; l < LB; l++) stream[l] = p->independent ? (uint32_t)(block * LB + l) : 0u;
  for (long s0 = 0; s0 < p->steps;) {
    const long whole = (p->steps - s0) / TC * TC;  // whole sub-blocks left
    const int Tb = T > 1 && whole > 0 ? (int)(whole < T ? whole : T) : 1;
    const int now0 = (int)(s0 % R);
    couplingPass(net, ring, R, now0, Tb, cbuf);
    for (int t = 0; t < Tb; t++, s0++) {
    const long step = s0;
    const int next = (int)((step + 1) % R);
    const int slow = (step + 1) % bwEvery == 0;
    if (!p->independent) {
      // One step's normals for every node (lanes over nodes: counter node = i + l).
      for (int i0 = 0; i0 < n; i0 += LB) {
        uint32_t c0[LB], c1[LB], c2[LB], c3[LB], k0[LB], k1[LB];
        for (int l = 0; l < LB; l++) { c0[l] = (uint32_t)step; c1[l] = (uint32_t)(i0 + l); c2[l] = 0; c3[l] = 0; k0[l] = p->seed; k1[l] = 0; }
        for (int r = 0; r < 10; r++) {
          for (int l = 0; l < LB; l++) {
            uint32_t hi0 = mulhi32(c0[l], PM0), lo0 = c0[l] * PM0;
            uint32_t hi1 = mulhi32(c2[l], PM1), lo1 = c2[l] * PM1;
            uint32_t n0 = hi1 ^ c1[l] ^ k0[l], n2 = hi0 ^ c3[l] ^ k1[l];
            c1[l] = lo1; c3[l] = lo0; c0[l] = n0; c2[l] = n2;
            k0[l] += PW0; k1[l] += PW1;
          }
        }
        for (int l = 0; l < LB; l++) normalPair(c0[l], c1[l], &zs[i0 + l], &zs[((n + LB - 1) / LB) * LB + i0 + l]);
      }
    }
    for (int i = 0; i < n; i++) {
      const float *restrict c = cbuf + ((size_t)t * n + i) * LB;
      float zE[LB], zI[LB];
      if (p->independent) {
        uint32_t w0[LB], w1[LB];
        philoxLanes((uint32_t)step, (uint32_t)i, p->seed, stream, w0, w1);
        for (int l = 0; l < LB; l++) normalPair(w0[l], w1[l], &zE[l], &zI[l]);
      } else {
        const float a = zs[i], b = zs[((n + LB - 1) / LB) * LB + i];
        for (int l = 0; l < LB; l++) { zE[l] = a; zI[l] = b; }
      }
      const float wie = p->wie[i];
      float *restrict se = SE + i * LB, *restrict si = SI + i * LB;
      float *restrict ro = ring + ((size_t)i * Rm + next) * LB;
      float *restrict bs = bw + (0 * n + i) * LB, *restrict bf = bw + (1 * n + i) * LB;
      float *restrict bv = bw + (2 * n + i) * LB, *restrict bq = bw + (3 * n + i) * LB;
      for (int l = 0; l < LB; l++) {
        const float sE = se[l], sI = si[l];
        const float IE = I0_E + W_P * J_N * sE + p->G * J_N * c[l] - wie * sI;
        const float II = I0_I + J_N * sE - sI;
        const float rE = transfer(A_E * IE - B_E, D_E), rI = transfer(A_I * II - B_I, D_I);
        float nE = sE + dt * (-sE / TAU_E + GAMMA_E * (1.0f - sE) * rE) + sq * zE[l];
        float nI = sI + dt * (-sI / TAU_I + GAMMA_I * rI) + sq * zI[l];
        nE = fmaxf(fminf(nE, 1.0f), 0.0f);
        nI = fmaxf(fminf(nI, 1.0f), 0.0f);
        se[l] = nE;
        si[l] = nI;
        ro[l] = nE;
      }
      if (next < B - 1)
        for (int l = 0; l < LB; l++) ro[(size_t)R * LB + l] = ro[l];  // the mirrored slot
      if (slow) {
        for (int l = 0; l < LB; l++) {
          const float s = bs[l], f = bf[l], v = bv[l], q = bq[l];
          const float va = expf_poly(lnf_poly(1.0f + v) / BW_ALPHA);
          const float ds = (se[l] - BW_KAPPA * s - BW_GAMMA * f) / 1000.0f;
          const float df = s / 1000.0f;
          const float dv = (f + 1.0f - va) / (1000.0f * BW_TAU);
          const float dq = ((1.0f + f) * (1.0f - expf_poly(lnE0 / (1.0f + f))) / BW_E0 - va * (1.0f + q) / (1.0f + v)) / (1000.0f * BW_TAU);
          bs[l] = s + bdt * ds; bf[l] = f + bdt * df; bv[l] = v + bdt * dv; bq[l] = q + bdt * dq;
        }
      }
    }
    }
  }
  double sum = 0;
  for (int i = 0; i < n * LB; i++) sum += SE[i] + bw[3 * n * LB + i];
  free(ring); free(cbuf); free(SE); free(SI); free(bw); free(zs);
  return sum;
}

int main(int argc, char **argv) {
  if (argc < 2) die("usage: rww.bin NETWORK.bin [--lanes L] [--steps S] [--threads T] [--G v] [--sigma v] [--seed s] [--noise independent|shared] [--wie FILE]");
  Network net;
  readNetwork(argv[1], &net);
  Params p = {.dt = 0.1f, .G = 0.5f, .sigma = 0.01f, .seed = 1, .independent = 0, .steps = 1000, .wie = NULL};
  int lanes = 1, threads = 1;
  const char *wieFile = NULL;
  for (int k = 2; k + 1 < argc; k += 2) {
    const char *o = argv[k], *v = argv[k + 1];
    if (!strcmp(o, "--lanes")) lanes = atoi(v);
    else if (!strcmp(o, "--steps")) p.steps = atol(v);
    else if (!strcmp(o, "--threads")) threads = atoi(v);
    else if (!strcmp(o, "--G")) p.G = strtof(v, NULL);
    else if (!strcmp(o, "--sigma")) p.sigma = strtof(v, NULL);
    else if (!strcmp(o, "--seed")) p.seed = (uint32_t)strtoul(v, NULL, 10);
    else if (!strcmp(o, "--noise")) p.independent = strcmp(v, "shared") != 0;
    else if (!strcmp(o, "--wie")) wieFile = v;
    else die("unknown option");
  }
  if (lanes < 1 || p.steps < 1 || threads < 1) die("--lanes, --steps and --threads must be >= 1");
  float *wie = malloc(sizeof(float) * (size_t)net.n);
  for (int i = 0; i < net.n; i++) wie[i] = 1.0f;
  if (wieFile) {
    FILE *f = fopen(wieFile, "rb");
    if (!f || fread(wie, 4, net.n, f) != (size_t)net.n) die("--wie: cannot read n float32 values");
    fclose(f);
  }
  p.wie = wie;
#ifdef _OPENMP
  omp_set_num_threads(threads);
#else
  threads = 1;
#endif
  const int blocks = (lanes + LB - 1) / LB;
  double checksum = 0;
  double t0 = clock_s(CLOCK_MONOTONIC), cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) reduction(+ : checksum)
#endif
  for (int b = 0; b < blocks; b++) checksum += runBlock(&net, &p, b);
  double secs = clock_s(CLOCK_MONOTONIC) - t0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  printf("{\"nodes\":%d,\"nnz\":%d,\"maxDelay\":%d,\"lanes\":%d,\"computedLanes\":%d,\"steps\":%ld,\"threads\":%d,"
         "\"laneBlock\":%d,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"nodeStepsPerSecond\":%.6e,\"checksum\":%.9g}\n",
         net.n, net.nnz, net.maxDelay, lanes, blocks * LB, p.steps, threads, LB, secs, cpu,
         (double)lanes * net.n * p.steps / secs, checksum);
  free(wie);
  return 0;
}
