// Native yardstick: the SupHopf integrator of src/backends/reference.ts in plain C, f32 state,
// so the WASM and WebGPU backends can be quoted as a fraction of what the CPU does natively.
//
// Same algorithm as the reference (step order documented at the top of reference.ts):
//   c_i   = Σ_e w_e x_{src_e}(step − d_e)            linear coupling, CSR rows, delay ring of
//                                                      R = maxDelay + 2 slots (h(x) = x)
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
// its blocks for all steps (no synchronisation). The x state lives in the ring itself: slot
// step % R holds x(step), and the new x goes to slot (step + 1) % R, which no delay reads.
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

typedef struct {
  int n, nnz, maxDelay;
  int32_t *rowStart, *source, *delay;
  float *weight;
} Network;

static void die(const char *msg) {
  fprintf(stderr, "hopf: %s\n", msg);
  exit(2);
}

static void readNetwork(const char *path, Network *net) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot open the network file");
  int32_t hdr[2];
  if (fread(hdr, 4, 2, f) != 2) die("network file: short header");
  net->n = hdr[0];
  net->nnz = hdr[1];
  if (net->n < 1 || net->nnz < 0) die("network file: bad n or nnz");
  net->rowStart = malloc(4 * (size_t)(net->n + 1));
  net->source = malloc(4 * (size_t)net->nnz + 4);
  net->delay = malloc(4 * (size_t)net->nnz + 4);
  net->weight = malloc(4 * (size_t)net->nnz + 4);
  if (fread(net->rowStart, 4, net->n + 1, f) != (size_t)net->n + 1 ||
      fread(net->source, 4, net->nnz, f) != (size_t)net->nnz ||
      fread(net->delay, 4, net->nnz, f) != (size_t)net->nnz ||
      fread(net->weight, 4, net->nnz, f) != (size_t)net->nnz)
    die("network file: truncated");
  fclose(f);
  net->maxDelay = 0;
  for (int e = 0; e < net->nnz; e++) {
    if (net->delay[e] < 0 || net->source[e] < 0 || net->source[e] >= net->n) die("network file: bad edge");
    if (net->delay[e] > net->maxDelay) net->maxDelay = net->delay[e];
  }
}

// ---- Philox4x32-10 over LB lanes (same counter, per-lane key k1 = stream) ----
#define PM0 0xD2511F53u
#define PM1 0xCD9E8D57u
#define PW0 0x9E3779B9u
#define PW1 0xBB67AE85u

// High 32 bits of a·b from 16-bit limbs (as philox.ts does): only 32-bit multiplies, which
// vectorise on x86 (there is no 32-bit vector multiply-high, so a u64 product would not).
static inline uint32_t mulhi32(uint32_t a, uint32_t b) {
  uint32_t a0 = a & 0xffff, a1 = a >> 16, b0 = b & 0xffff, b1 = b >> 16;
  uint32_t ll = a0 * b0, hl = a1 * b0, lh = a0 * b1;
  uint32_t carry = ((ll >> 16) + (hl & 0xffff) + (lh & 0xffff)) >> 16;
  return a1 * b1 + (hl >> 16) + (lh >> 16) + carry;
}

static inline void philoxLanes(uint32_t ctr0, uint32_t ctr1, uint32_t k0s, const uint32_t *restrict k1s,
                               uint32_t *restrict w0, uint32_t *restrict w1) {
  uint32_t c0[LB], c1[LB], c2[LB], c3[LB], k0[LB], k1[LB];
  for (int l = 0; l < LB; l++) {
    c0[l] = ctr0; c1[l] = ctr1; c2[l] = 0; c3[l] = 0; k0[l] = k0s; k1[l] = k1s[l];
  }
  for (int r = 0; r < 10; r++) {
    for (int l = 0; l < LB; l++) {
      uint32_t hi0 = mulhi32(c0[l], PM0), lo0 = c0[l] * PM0;
      uint32_t hi1 = mulhi32(c2[l], PM1), lo1 = c2[l] * PM1;
      uint32_t n0 = hi1 ^ c1[l] ^ k0[l];
      uint32_t n2 = hi0 ^ c3[l] ^ k1[l];
      c1[l] = lo1; c3[l] = lo0; c0[l] = n0; c2[l] = n2;
      k0[l] += PW0; k1[l] += PW1;
    }
  }
  for (int l = 0; l < LB; l++) { w0[l] = c0[l]; w1[l] = c1[l]; }
}

// ln(u) for u in (0, 1], f32, Cephes logf polynomial (max rel. error ~1e-7).
static inline float lnf_poly(float x) {
  uint32_t bits;
  memcpy(&bits, &x, 4);
  int e = (int)((bits >> 23) & 0xff) - 126;  // x = m · 2^e, m in [0.5, 1)
  bits = (bits & 0x007fffffu) | 0x3f000000u;
  float m;
  memcpy(&m, &bits, 4);
  // m < √½ → use 2m, e − 1 (branch-free select)
  int small = m < 0.70710678f;
  e -= small;
  m = small ? m + m : m;
  float t = m - 1.0f;
  float z = t * t;
  float y = 7.0376836292e-2f;
  y = y * t - 1.1514610310e-1f;
  y = y * t + 1.1676998740e-1f;
  y = y * t - 1.2420140846e-1f;
  y = y * t + 1.4249322787e-1f;
  y = y * t - 1.6668057665e-1f;
  y = y * t + 2.0000714765e-1f;
  y = y * t - 2.4999993993e-1f;
  y = y * t + 3.3333331174e-1f;
  y = y * t * z;
  float fe = (float)e;
  y += -2.12194440e-4f * fe;
  y += -0.5f * z;
  return t + y + 0.693359375f * fe;
}

// cos(2πu), sin(2πu) for u in (0, 1): exact reduction on u (24-bit), then Cephes sinf/cosf
// polynomials on [−π/4, π/4] and a quadrant rotation.
static inline void sincos2pi(float u, float *s, float *c) {
  float v = u - rintf(u);          // [−½, ½], exact
  float q = rintf(4.0f * v);       // quadrant −2…2
  float t = (v - 0.25f * q) * 6.28318530717958648f;  // [−π/4, π/4]
  float z = t * t;
  float sp = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * t + t;
  float cp = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z - 0.5f * z + 1.0f;
  int qi = ((int)q) & 3;
  // rotate by qi quarter turns: (c, s) → (−s, c) per turn
  float cs = (qi == 0) ? cp : (qi == 1) ? -sp : (qi == 2) ? -cp : sp;
  float sn = (qi == 0) ? sp : (qi == 1) ? cp : (qi == 2) ? -sp : -cp;
  *c = cs;
  *s = sn;
}

typedef struct {
  float dt, G, sigma, a, omega;
  uint32_t seed;
  int independent;
  long steps;
} Params;

// One block of LB lanes, all steps. xout/yout receive the final state (LB × n, lane-major).
static void runBlock(const Network *net, const Params *p, int block, float *xout, float *yout) {
  const int n = net->n, R = net->maxDelay + 2;
  float *ring = aligned_alloc(64, sizeof(float) * (size_t)R * n * LB);
  float *y = aligned_alloc(64, sizeof(float) * (size_t)n * LB);
  float *pa = aligned_alloc(64, sizeof(float) * (size_t)n * LB);
  float *pw = aligned_alloc(64, sizeof(float) * (size_t)n * LB);
  float G[LB], sig[LB];
  uint32_t stream[LB];
  // Per-lane parameters, as the kernels hold them (regional a, ω; global G, σ).
  for (int i = 0; i < n * LB; i++) { pa[i] = p->a; pw[i] = p->omega; y[i] = 0.1f; }
  for (int i = 0; i < R * n * LB; i++) ring[i] = 0.1f;  // x init 0.1 in every slot
  for (int l = 0; l < LB; l++) {
    G[l] = p->G; sig[l] = p->sigma;
    stream[l] = p->independent ? (uint32_t)(block * LB + l) : 0u;
  }
  const float dt = p->dt, hdt = 0.5f * p->dt, sqdt = sqrtf(p->dt);
  for (long step = 0; step < p->steps; step++) {
    const int now = (int)(step % R), next = (int)((step + 1) % R);
    const float *restrict xnow = ring + (size_t)now * n * LB;
    float *restrict xnext = ring + (size_t)next * n * LB;
    for (int i = 0; i < n; i++) {
      float c[LB];
      for (int l = 0; l < LB; l++) c[l] = 0.0f;
      for (int e = net->rowStart[i]; e < net->rowStart[i + 1]; e++) {
        int slot = now - net->delay[e];
        if (slot < 0) slot += R;
        const float *restrict src = ring + ((size_t)slot * n + net->source[e]) * LB;
        const float w = net->weight[e];
        for (int l = 0; l < LB; l++) c[l] += w * src[l];
      }
      uint32_t w0[LB], w1[LB];
      philoxLanes((uint32_t)step, (uint32_t)i, p->seed, stream, w0, w1);
      const float *restrict xi = xnow + i * LB;
      float *restrict yi = y + i * LB;
      float *restrict xo = xnext + i * LB;
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
    }
  }
  const int last = (int)(p->steps % R);
  for (int l = 0; l < LB; l++)
    for (int i = 0; i < n; i++) {
      xout[l * n + i] = ring[((size_t)last * n + i) * LB + l];
      yout[l * n + i] = y[i * LB + l];
    }
  free(ring); free(y); free(pa); free(pw);
}

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
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
