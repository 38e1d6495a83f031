// Native yardstick: the SupHopf integrator of src/backends/reference.ts in plain C, f32 state,
// so the WASM and WebGPU backends can be quoted as a fraction of what the CPU does natively.
//
// Same algorithm as the reference (step order documented at the top of reference.ts):
//   c_i   = Σ_e w_e x_{src_e}(step − d_e)            linear coupling, CSR rows, delay ring of
//                                                      R = maxDelay + 2 slots (h(x) = x), laid
//           out [node][slot][lanes] and read in blocks of steps as the wasm kernel does
//   z     = Philox4x32-10 normals: key (seed, stream), counter (step, node, 0, 0),
//           Box–Muller on words (0, 1): z_x = r cos θ, z_y = r sin θ,
//           r = √(−2 ln u0), θ = 2π u1, u = ((w >> 8) + 0.5) · 2^−24
//   Heun: x̃ = x + dt f(x, c) + √dt σ z;  x += dt/2 (f(x, c) + f(x̃, c)) + √dt σ z
//   f_x = (a − x² − y²) x − ω y + G c,  f_y = (a − x² − y²) y + ω x
//
// Build: gcc -O3 -march=native -fno-math-errno [-fopenmp] hopf.c -lm (no errno → sqrtf is one
// instruction, so the lane loops have no control flow and vectorise).
// Layout: lanes innermost in blocks of LB (default 16 f32), so gcc -O3
// -march=native vectorises every per-node operation over lanes, Philox included. Blocks are
// independent simulations: with -fopenmp they are spread over threads, each thread running
// its blocks for all steps (no synchronisation). The x state lives in the ring itself: node i's
// slot step % R holds x(step), and the new x goes to slot (step + 1) % R, which no delay reads.
// ln, sin, cos are f32 polynomials (Cephes-style) with exact range reduction, written as
// branch-free lane loops so they vectorise too.
//
// Usage: hopf.bin NETWORK.bin [--lanes L] [--steps S] [--threads T] [--dt ms] [--a v]
//   [--omega v] [--G v] [--sigma v] [--seed s] [--noise independent|shared] [--dump FILE]
// NETWORK.bin (little endian): int32 n, int32 nnz, int32 rowStart[n+1], int32 source[nnz],
//   int32 delay[nnz], float32 weight[nnz]  (bench/native.ts writes it).
// Prints one JSON line with nodeStepsPerSecond (lanes × nodes × steps / integration time).
// --dump writes the final x then y as float32 [lane][node] for checks against the reference.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

// Lanes per block: 16 (two AVX2 or one AVX-512 vector) was fastest here at batch ≥ 16;
// bench/native.ts also builds LB=1 for batches below 8, where wider blocks waste lanes.
#ifndef LB
#define LB 16
#endif

#define PROGRAM "hopf"
#include "common.h"

typedef struct {
  float dt, G, sigma, a, omega;
  uint32_t seed;
  int independent;
  long steps;
} Params;

// One block of LB lanes, all steps. xout/yout receive the final state (LB × n, lane-major).
static void runBlock(const Network *net, const Params *p, int block, float *xout, float *yout) {
  const int n = net->n, R = net->maxDelay + 2;
  // The ring and its blocked coupling pass: common.h.
  const int TC = RING_TC, B = ringBlockSteps(net), Rm = R + B - 1, T = ringPassSteps(net);
  float *ring = aligned_alloc(64, sizeof(float) * (size_t)n * Rm * LB);
  float *cbuf = aligned_alloc(64, sizeof(float) * (size_t)B * n * LB);
  float *y = aligned_alloc(64, sizeof(float) * (size_t)n * LB);
  float *pa = aligned_alloc(64, sizeof(float) * (size_t)n * LB);
  float *pw = aligned_alloc(64, sizeof(float) * (size_t)n * LB);
  float G[LB], sig[LB];
  uint32_t stream[LB];
  // Per-lane parameters, as the kernels hold them (regional a, ω; global G, σ).
  for (int i = 0; i < n * LB; i++) { pa[i] = p->a; pw[i] = p->omega; y[i] = 0.1f; }
  for (int i = 0; i < n * Rm * LB; i++) ring[i] = 0.1f;  // x init 0.1 in every slot
  for (int l = 0; l < LB; l++) {
    G[l] = p->G; sig[l] = p->sigma;
    stream[l] = p->independent ? (uint32_t)(block * LB + l) : 0u;
  }
  const float dt = p->dt, hdt = 0.5f * p->dt, sqdt = sqrtf(p->dt);
  for (long s0 = 0; s0 < p->steps;) {
    const long whole = (p->steps - s0) / TC * TC;  // whole sub-blocks left
    const int Tb = T > 1 && whole > 0 ? (int)(whole < T ? whole : T) : 1;
    const int now0 = (int)(s0 % R);
    couplingPass(net, ring, R, now0, Tb, cbuf);
    for (int t = 0; t < Tb; t++, s0++) {
      const long step = s0;
      const int now = (int)(step % R), next = (int)((step + 1) % R);
      for (int i = 0; i < n; i++) {
        const float *restrict c = cbuf + ((size_t)t * n + i) * LB;
        uint32_t w0[LB], w1[LB];
        philoxLanes((uint32_t)step, (uint32_t)i, p->seed, stream, w0, w1);
        const float *restrict xi = ring + ((size_t)i * Rm + now) * LB;
        float *restrict yi = y + i * LB;
        float *restrict xo = ring + ((size_t)i * Rm + next) * LB;
        const float *restrict ai = pa + i * LB, *restrict wi = pw + i * LB;
        for (int l = 0; l < LB; l++) {
          float u0 = ((float)(w0[l] >> 8) + 0.5f) * 5.9604644775390625e-8f;
          float u1 = ((float)(w1[l] >> 8) + 0.5f) * 5.9604644775390625e-8f;
          float r = sqrtf(-2.0f * lnf_poly(u0));
          float sn, cs;
          sincos2pi(u1, &sn, &cs);
          float nx = sqdt * sig[l] * (r * cs), ny = sqdt * sig[l] * (r * sn);
          float x0 = xi[l], y0 = yi[l], a = ai[l], om = wi[l], gc = G[l] * c[l];
          float d0 = a - (x0 * x0 + y0 * y0);
          float fx = d0 * x0 - om * y0 + gc, fy = d0 * y0 + om * x0;
          float xt = x0 + dt * fx + nx, yt = y0 + dt * fy + ny;
          float d1 = a - (xt * xt + yt * yt);
          float fx2 = d1 * xt - om * yt + gc, fy2 = d1 * yt + om * xt;
          xo[l] = x0 + hdt * (fx + fx2) + nx;
          yi[l] = y0 + hdt * (fy + fy2) + ny;
        }
        if (next < B - 1)
          for (int l = 0; l < LB; l++) xo[(size_t)R * LB + l] = xo[l];  // the mirrored slot
      }
    }
  }
  const int last = (int)(p->steps % R);
  for (int l = 0; l < LB; l++)
    for (int i = 0; i < n; i++) {
      xout[l * n + i] = ring[((size_t)i * Rm + last) * LB + l];
      yout[l * n + i] = y[i * LB + l];
    }
  free(ring); free(cbuf); free(y); free(pa); free(pw);
}

int main(int argc, char **argv) {
  if (argc < 2) die("usage: hopf.bin NETWORK.bin [--lanes L] [--steps S] [--threads T] [--dt ms] [--a v] [--omega v] [--G v] [--sigma v] [--seed s] [--noise independent|shared] [--dump FILE]");
  Network net;
  readNetwork(argv[1], &net);
  Params p = {.dt = 0.1f, .G = 0.1f, .sigma = 0.01f, .a = -0.5f, .omega = 0.0628318530718f, .seed = 0, .independent = 1, .steps = 1000};
  int lanes = 1, threads = 1;
  const char *dump = NULL;
  for (int k = 2; k + 1 < argc; k += 2) {
    const char *o = argv[k], *v = argv[k + 1];
    if (!strcmp(o, "--lanes")) lanes = atoi(v);
    else if (!strcmp(o, "--steps")) p.steps = atol(v);
    else if (!strcmp(o, "--threads")) threads = atoi(v);
    else if (!strcmp(o, "--dt")) p.dt = strtof(v, NULL);
    else if (!strcmp(o, "--a")) p.a = strtof(v, NULL);
    else if (!strcmp(o, "--omega")) p.omega = strtof(v, NULL);
    else if (!strcmp(o, "--G")) p.G = strtof(v, NULL);
    else if (!strcmp(o, "--sigma")) p.sigma = strtof(v, NULL);
    else if (!strcmp(o, "--seed")) p.seed = (uint32_t)strtoul(v, NULL, 10);
    else if (!strcmp(o, "--noise")) p.independent = strcmp(v, "shared") != 0;
    else if (!strcmp(o, "--dump")) dump = v;
    else die("unknown option");
  }
  if (lanes < 1 || p.steps < 1 || threads < 1) die("--lanes, --steps and --threads must be >= 1");
#ifdef _OPENMP
  omp_set_num_threads(threads);
#else
  threads = 1;  // built without -fopenmp
#endif
  const int blocks = (lanes + LB - 1) / LB, n = net.n;
  float *xs = malloc(sizeof(float) * (size_t)blocks * LB * n);
  float *ys = malloc(sizeof(float) * (size_t)blocks * LB * n);
  double t0 = clock_s(CLOCK_MONOTONIC), cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
  for (int b = 0; b < blocks; b++) runBlock(&net, &p, b, xs + (size_t)b * LB * n, ys + (size_t)b * LB * n);
  double secs = clock_s(CLOCK_MONOTONIC) - t0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  double checksum = 0;
  for (size_t i = 0; i < (size_t)lanes * n; i++) checksum += (double)xs[i] * xs[i] + (double)ys[i] * ys[i];
  if (dump) {
    FILE *f = fopen(dump, "wb");
    if (!f) die("cannot write --dump file");
    fwrite(xs, sizeof(float), (size_t)lanes * n, f);
    fwrite(ys, sizeof(float), (size_t)lanes * n, f);
    fclose(f);
  }
  printf("{\"nodes\":%d,\"nnz\":%d,\"maxDelay\":%d,\"lanes\":%d,\"computedLanes\":%d,\"steps\":%ld,\"threads\":%d,"
         "\"laneBlock\":%d,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"nodeStepsPerSecond\":%.6e,\"meanR2\":%.6e}\n",
         n, net.nnz, net.maxDelay, lanes, blocks * LB, p.steps, threads, LB, secs, cpu,
         (double)lanes * n * p.steps / secs, checksum / ((double)lanes * n));
  free(xs); free(ys);
  return 0;
}
