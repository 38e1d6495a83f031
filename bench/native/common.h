// Shared pieces of the native yardsticks (hopf.c, rww.c): the network file reader, Philox4x32-10
// over LB lanes, and the f32 polynomial ln, sin/cos and exp that the WASM kernels use
// (asm/vmath.ts), written as branch-free lane loops so gcc vectorises them.
// Include after defining LB and PROGRAM (the name in error messages).
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int n, nnz, maxDelay;
  int32_t *rowStart, *source, *delay;
  float *weight;
  float *dense; // without delays on a network with ≥ 25 % of pairs connected: [source][densePad targets], else NULL
  int densePad;  // targets per row of dense: n padded to 16
} Network;

static void die(const char *msg) {
  fprintf(stderr, "%s: %s\n", PROGRAM, msg);
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
  // The wasm driver's rule (denseWeights): the dense coupling pass without delays when at least a
  // quarter of the pairs are connected.
  net->dense = NULL;
  if (net->maxDelay == 0 && net->nnz >= 0.25 * net->n * net->n) {
    const int pad = net->densePad = (net->n + 15) & ~15;
    net->dense = calloc((size_t)net->n * pad, sizeof(float));
    for (int i = 0; i < net->n; i++)
      for (int e = net->rowStart[i]; e < net->rowStart[i + 1]; e++) net->dense[(size_t)net->source[e] * pad + i] = net->weight[e];
  }
}

// ---- The delay ring and its blocked coupling pass, as the wasm kernel lays them out ----
// Ring [node][slot][LB lanes]: R = maxDelay + 2 slots plus TC − 1 mirrored ones, so that when
// every delay is ≥ TC one pass over the edges reads TC consecutive slots per edge for TC steps
// (TC = 8 / width in the wasm kernel, width = LB / 4: 2 for LB 16, 4 for LB 8, 8 for LB 4 and 1).
// The blocked pass walks the sources in tiles of TILE_RING_BYTES of history (the wasm driver's
// TILE_RING_BYTES), carrying each target's sums in cbuf from tile to tile; rows list sources in
// ascending order, so a cursor per row finds each tile's edges and every target still adds its
// sources in row order.
#define RING_TC (LB >= 16 ? 2 : LB >= 8 ? 4 : 8)
#define TILE_RING_BYTES (384 * 1024)

#define PASS_MAX 32  // the wasm driver's MAX_PASS_STEPS

static int minDelayOf(const Network *net) {
  int minDelay = 1 << 30;
  for (int e = 0; e < net->nnz; e++) if (net->delay[e] < minDelay) minDelay = net->delay[e];
  return minDelay;
}

/**
 * Steps of one blocked coupling pass (the wasm driver's blockSteps): the longest multiple of
 * RING_TC that every delay covers, at most PASS_MAX, walked as sub-blocks of RING_TC steps;
 * RING_TC when delays are shorter. The ring mirrors blockSteps − 1 slots.
 */
static int ringBlockSteps(const Network *net) {
  const int m = minDelayOf(net), B = (m < PASS_MAX ? m : PASS_MAX) / RING_TC * RING_TC;
  return B < RING_TC ? RING_TC : B;
}

/** Steps per coupling pass for this network: ringBlockSteps when every delay allows it, else 1. */
static int ringPassSteps(const Network *net) {
  return minDelayOf(net) >= ringBlockSteps(net) ? ringBlockSteps(net) : 1;
}

// Without delays (net->dense), as the wasm kernel: the coupling of a block of DENSE_TT targets is a
// matrix product over all sources (zero weights included), DENSE_TT × LB sums side by side (16
// floats: the wasm kernel's four f32x4 accumulators); every target adds its sources in order.
#define DENSE_TT (LB >= 16 ? 1 : 16 / LB)
static void densePass(const Network *net, const float *ring, int R, int now0, float *cbuf) {
  const int n = net->n, Rm = R + ringBlockSteps(net) - 1, pad = net->densePad;
  for (int ib = 0; ib < n; ib += DENSE_TT) {
    float c[DENSE_TT][LB];
    for (int q = 0; q < DENSE_TT; q++)
      for (int l = 0; l < LB; l++) c[q][l] = 0.0f;
    for (int j = 0; j < n; j++) {
      const float *restrict h = ring + ((size_t)j * Rm + now0) * LB;
      const float *restrict w = net->dense + (size_t)j * pad + ib;
      for (int q = 0; q < DENSE_TT; q++)
        for (int l = 0; l < LB; l++) c[q][l] += w[q] * h[l];
    }
    for (int q = 0; q < DENSE_TT && ib + q < n; q++)
      for (int l = 0; l < LB; l++) cbuf[((size_t)ib + q) * LB + l] = c[q][l];
  }
}

/** Coupled inputs of steps now0 … now0 + Tb − 1 for every node into cbuf [t][node][LB]. */
static void couplingPass(const Network *net, const float *ring, int R, int now0, int Tb, float *cbuf) {
  if (net->dense) {
    densePass(net, ring, R, now0, cbuf);
    return;
  }
  const int n = net->n, Rm = R + ringBlockSteps(net) - 1;
  const int perTile = Tb == 1 ? n : (int)fmax(1.0, (double)TILE_RING_BYTES / ((double)Rm * LB * sizeof(float)));
  const int S = Tb == 1 ? 1 : RING_TC;  // steps per sub-block of the pass
  int cursor[n];
  for (int i = 0; i < n; i++) cursor[i] = net->rowStart[i];
  for (int lo = 0; lo < n; lo += perTile) {
    const int hi = lo + perTile;
    for (int i = 0; i < n; i++) {
      int e = cursor[i];
      for (int b = 0; b < Tb; b += S) {
        float c[RING_TC][LB];
        for (int t = 0; t < S; t++)
          for (int l = 0; l < LB; l++) c[t][l] = lo == 0 ? 0.0f : cbuf[((size_t)(b + t) * n + i) * LB + l];
        e = cursor[i];
        if (R == 2) {  // no delays: every edge reads its source's slot now0 (as the wasm kernel's walk)
          for (; e < net->rowStart[i + 1]; e++) {
            const float *restrict src = ring + ((size_t)net->source[e] * Rm + now0) * LB;
            const float w = net->weight[e];
            for (int l = 0; l < LB; l++) c[0][l] += w * src[l];
          }
        }
        for (; e < net->rowStart[i + 1] && net->source[e] < hi; e++) {
          int slot = now0 - net->delay[e];
          if (slot < 0) slot += R;
          const float *restrict src = ring + ((size_t)net->source[e] * Rm + slot + b) * LB;
          const float w = net->weight[e];
          for (int t = 0; t < S; t++)
            for (int l = 0; l < LB; l++) c[t][l] += w * src[t * LB + l];
        }
        for (int t = 0; t < S; t++)
          for (int l = 0; l < LB; l++) cbuf[((size_t)(b + t) * n + i) * LB + l] = c[t][l];
      }
      cursor[i] = e;
    }
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

// ln(x) for a positive normal x, f32, Cephes logf polynomial (max rel. error ~1e-7).
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

// exp(x), f32, Cephes expf polynomial with the same clamp and reduction as asm/vmath.ts vexp.
static inline float expf_poly(float x) {
  x = fminf(fmaxf(x, -87.3f), 88.3f);
  float n = rintf(x * 1.44269504088896341f);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r * r + r + 1.0f;
  uint32_t e = (uint32_t)((int32_t)n + 127) << 23;
  float s;
  memcpy(&s, &e, 4);
  return y * s;
}

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
