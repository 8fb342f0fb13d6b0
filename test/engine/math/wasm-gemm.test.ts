import { afterEach, describe, expect, it } from "vitest";
import {
  gemm, gemmNaive, gemmTs, getGemmBackend, getWasmGemm, setGemmBackend, SUM_BLOCK,
} from "../../../src/engine/math/gemm.js";
import { seededRandom } from "../../../src/engine/rng.js";
import { createWasmGemmWith, THREAD_MIN_MULTIPLY_ADDS, type GemmFn, type WasmGemm } from "../../../src/engine/math/wasm/gemm-kernel.js";

/** Unit roundoff of float32. */
const F32_UNIT_ROUNDOFF = 2 ** -24;
/**
 * A float32 sum of n products differs from the exact one by at most about
 * n * u * sum |a_k b_k|. Runs of SUM_BLOCK products are summed in float32 and
 * the runs in float64, so the bound grows with min(K, SUM_BLOCK), not with K;
 * the final alpha * s + beta * c adds a few roundings.
 */
const EXTRA_ROUNDINGS = 4;

function randomArray(n: number, random: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
}

const SIZES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 3], [3, 1, 17], [7, 3, 1], [17, 33, 7], [33, 17, 65], [65, 33, 17],
  [4, 8, 5], [8, 16, 32], [13, 65, 33], [50, 64, 25],
  [5, 300, 7], // more column panels than one packed chunk holds
  // K past SUM_BLOCK: two runs, an exact multiple, and a short last run of one value.
  [9, 13, SUM_BLOCK + 5], [4, 8, 2 * SUM_BLOCK], [6, 20, 2 * SUM_BLOCK + 1],
];
const SCALINGS: [number, number][] = [[1, 0], [0.5, 1], [-2, 0.25], [1.5, -1]];

const wasm = getWasmGemm();
const implementations: [string, GemmFn][] = [["gemmTs", gemmTs]];
if (wasm !== null) implementations.push(["wasm gemm", wasm]);

/**
 * The engine's summation contract written out plainly, element by element:
 * products rounded to float32 and summed in float32 over runs of SUM_BLOCK
 * consecutive k, the runs added in float64, alpha * sum + beta * C rounded once.
 */
function gemmContract(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Float32Array, aOff: number, B: Float32Array, bOff: number,
  beta: number, C: Float32Array, cOff: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let total = 0;
      for (let k0 = 0; k0 < K; k0 += SUM_BLOCK) {
        let run = 0;
        for (let k = k0; k < Math.min(K, k0 + SUM_BLOCK); k++) {
          const x = transA ? A[aOff + k * M + i]! : A[aOff + i * K + k]!;
          const y = transB ? B[bOff + j * K + k]! : B[bOff + k * N + j]!;
          run = Math.fround(run + Math.fround(x * y));
        }
        total += run;
      }
      const c = cOff + i * N + j;
      C[c] = beta === 0 ? alpha * total : alpha * total + beta * C[c]!;
    }
  }
}

/** Largest ratio of |got - reference| to the float32 error bound over C[cOff, cOff + M*N). */
function errorOverBound(
  fn: GemmFn, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, beta: number,
  A: Float32Array, aOff: number, B: Float32Array, bOff: number, C0: Float32Array, cOff: number,
): { ratio: number; got: Float32Array } {
  const got = Float32Array.from(C0);
  fn(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, got, cOff);
  const reference = new Float64Array(C0);
  gemmNaive(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, reference as unknown as Float32Array, cOff);
  const absSums = new Float64Array(M * N);
  gemmNaive(transA, transB, M, N, K, 1, A.map(Math.abs), aOff, B.map(Math.abs), bOff, 0, absSums as unknown as Float32Array, 0);
  let ratio = 0;
  for (let e = 0; e < M * N; e++) {
    const c = cOff + e;
    const scale = Math.abs(alpha) * absSums[e]! + Math.abs(beta * C0[c]!) + Math.abs(reference[c]!);
    const bound = (Math.min(K, SUM_BLOCK) + EXTRA_ROUNDINGS) * F32_UNIT_ROUNDOFF * scale + Number.MIN_VALUE;
    ratio = Math.max(ratio, Math.abs(got[c]! - reference[c]!) / bound);
  }
  return { ratio, got };
}

describe("WebAssembly SIMD gemm", () => {
  it("is available in this runtime (Node 20 has WebAssembly SIMD)", () => {
    expect(wasm).not.toBeNull();
  });

  for (const [label, fn] of implementations) {
    describe(label, () => {
      const random = seededRandom(11);
      for (const [M, N, K] of SIZES) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            it(`matches the float64 triple loop, M=${M} N=${N} K=${K} transA=${transA} transB=${transB}`, () => {
              const aOff = 3, bOff = 5, cOff = 2;
              const A = randomArray(aOff + M * K + 4, random), B = randomArray(bOff + K * N + 4, random);
              const C0 = randomArray(cOff + M * N + 3, random);
              for (const [alpha, beta] of SCALINGS) {
                const { ratio, got } = errorOverBound(fn, transA, transB, M, N, K, alpha, beta, A, aOff, B, bOff, C0, cOff);
                expect(ratio).toBeLessThanOrEqual(1);
                // Nothing outside C[cOff, cOff + M*N) is touched.
                expect([...got.subarray(0, cOff)]).toEqual([...C0.subarray(0, cOff)]);
                expect([...got.subarray(cOff + M * N)]).toEqual([...C0.subarray(cOff + M * N)]);
              }
            });
          }
        }
      }

      it("gives exactly the results of the summation contract (float32 runs of SUM_BLOCK, added in float64)", () => {
        for (const [M, N, K] of SIZES) {
          for (const transA of [false, true]) for (const transB of [false, true]) {
            const A = randomArray(M * K + 1, random), B = randomArray(K * N + 2, random), C0 = randomArray(M * N + 3, random);
            for (const [alpha, beta] of SCALINGS) {
              const got = Float32Array.from(C0), expected = Float32Array.from(C0);
              fn(transA, transB, M, N, K, alpha, A, 1, B, 2, beta, got, 3);
              gemmContract(transA, transB, M, N, K, alpha, A, 1, B, 2, beta, expected, 3);
              expect(firstDifference(got, expected), `M=${M} N=${N} K=${K} transA=${transA} transB=${transB}`).toBe(-1);
            }
          }
        }
      });

      it("keeps long sums accurate: a plain float32 sum of 20000 equal products drifts by 1e-4, runs summed in double do not", () => {
        const M = 4, N = 8, K = 20_000;
        const A = new Float32Array(M * K).fill(1), B = new Float32Array(K * N).fill(0.1);
        const C = new Float32Array(M * N);
        fn(false, false, M, N, K, 1, A, 0, B, 0, 0, C, 0);
        const exact = K * Math.fround(0.1);
        let plain = 0;
        for (let k = 0; k < K; k++) plain = Math.fround(plain + Math.fround(0.1));
        expect(Math.abs(plain - exact) / exact).toBeGreaterThan(1e-5); // what the runs avoid
        for (const c of C) expect(Math.abs(c - exact) / exact).toBeLessThan(1e-6);
      });

      it("overwrites NaN in C when beta is 0, and propagates it otherwise", () => {
        const M = 9, N = 11, K = 6;
        const A = randomArray(M * K, random), B = randomArray(K * N, random);
        const C = new Float32Array(M * N).fill(Number.NaN);
        fn(false, false, M, N, K, 1, A, 0, B, 0, 0, C, 0);
        expect(C.every(Number.isFinite)).toBe(true);
        C[5] = Number.NaN;
        fn(false, false, M, N, K, 1, A, 0, B, 0, 1, C, 0);
        expect(Number.isNaN(C[5]!)).toBe(true);
        expect(C.filter(Number.isNaN).length).toBe(1);
      });

      it("scales C by beta when K is 0", () => {
        const C = Float32Array.of(1, 2, 3, 4, Number.NaN, Number.NaN);
        fn(false, false, 2, 2, 0, 1, new Float32Array(0), 0, new Float32Array(0), 0, 0.5, C, 0);
        expect([...C.subarray(0, 4)]).toEqual([0.5, 1, 1.5, 2]);
        fn(false, false, 1, 2, 0, 1, new Float32Array(0), 0, new Float32Array(0), 0, 0, C, 4);
        expect([...C.subarray(4)]).toEqual([0, 0]);
      });
    });
  }

  for (const [label, fn] of implementations.slice(1)) {
    it(`${label}: keeps NaN left in its scratch memory by an earlier call out of later results`, () => {
      const random = seededRandom(9);
      const M = 40, N = 44, K = 36;
      const poisoned = new Float32Array(M * N).fill(Number.NaN);
      fn(false, true, M, N, K, 1, new Float32Array(M * K).fill(Number.NaN), 0, new Float32Array(K * N).fill(Number.NaN), 0, 1, poisoned, 0);
      expect(poisoned.every(Number.isNaN)).toBe(true);
      // Odd shapes whose panels run past the operands into what the call above left behind.
      for (const [m, n, k, transA, transB] of [[7, 9, 11, false, false], [5, 3, 13, true, true], [9, 17, 6, false, true], [6, 13, 9, true, false]] as const) {
        const C0 = randomArray(m * n, random);
        const { ratio, got } = errorOverBound(fn, transA, transB, m, n, k, 1, 0.5, randomArray(m * k, random), 0, randomArray(k * n, random), 0, C0, 0);
        expect(got.every(Number.isFinite)).toBe(true);
        expect(ratio).toBeLessThanOrEqual(1);
      }
    });

    it(`${label}: grows its memory for a large product after a small one`, () => {
      const random = seededRandom(3);
      const small = errorOverBound(fn, false, false, 3, 3, 3, 1, 0, randomArray(9, random), 0, randomArray(9, random), 0, new Float32Array(9), 0);
      expect(small.ratio).toBeLessThanOrEqual(1);
      const M = 300, N = 260, K = 290; // packed operands and product exceed the initial 1 MiB
      const big = errorOverBound(fn, true, true, M, N, K, 1, 0, randomArray(M * K, random), 0, randomArray(K * N, random), 0, new Float32Array(M * N), 0);
      expect(big.ratio).toBeLessThanOrEqual(1);
      const again = errorOverBound(fn, false, true, 5, 7, 9, 2, 1, randomArray(45, random), 0, randomArray(63, random), 0, randomArray(35, random), 0);
      expect(again.ratio).toBeLessThanOrEqual(1);
    });
  }
});

/** Index of the first element whose bits differ, or -1 (fast on large arrays, unlike a deep equality). */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

describe("wasm gemm with a helper thread", () => {
  /** Waits (up to 10 s) for the helper thread to start. */
  async function started(g: WasmGemm): Promise<boolean> {
    for (let i = 0; i < 1000 && !g.helperReady(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return g.helperReady();
  }

  it("gives bit-identical results to the one-thread gemm and to gemmTs", async () => {
    const threaded = createWasmGemmWith({ threads: true })!;
    const single = createWasmGemmWith({})!;
    try {
      expect(threaded.threaded).toBe(true);
      expect(await started(threaded)).toBe(true);
      const random = seededRandom(17);
      // Large enough to be split; ragged N and M, one or few panels per chunk, all layouts and scalings.
      const sizes: [number, number, number][] = [[50, 255, 500], [67, 130, 260], [9, 2048, 130], [300, 8, 900], [128, 517, 64]];
      for (const [M, N, K] of sizes) {
        expect(M * N * K).toBeGreaterThanOrEqual(THREAD_MIN_MULTIPLY_ADDS);
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const A = randomArray(M * K + 3, random), B = randomArray(K * N + 5, random), C0 = randomArray(M * N + 2, random);
            for (const [alpha, beta] of [SCALINGS[0]!, SCALINGS[2]!]) {
              const viaThreads = Float32Array.from(C0), viaOne = Float32Array.from(C0), viaTs = Float32Array.from(C0);
              const before = threaded.splitProducts();
              threaded.gemm(transA, transB, M, N, K, alpha, A, 3, B, 5, beta, viaThreads, 2);
              expect(threaded.splitProducts()).toBe(before + 1);
              single.gemm(transA, transB, M, N, K, alpha, A, 3, B, 5, beta, viaOne, 2);
              expect(firstDifference(viaThreads, viaOne)).toBe(-1);
              gemmTs(transA, transB, M, N, K, alpha, A, 3, B, 5, beta, viaTs, 2);
              expect(firstDifference(viaThreads, viaTs)).toBe(-1);
            }
          }
        }
      }
      expect(single.splitProducts()).toBe(0);
    } finally {
      threaded.stopThreads();
    }
  }, 60_000);

  it("keeps small products on the calling thread, and works on after its helper is stopped", async () => {
    const g = createWasmGemmWith({ threads: true })!;
    expect(await started(g)).toBe(true);
    const random = seededRandom(23);
    const small = 40;
    const A = randomArray(small * small, random), B = randomArray(small * small, random);
    const C = new Float32Array(small * small), reference = new Float32Array(small * small);
    g.gemm(false, false, small, small, small, 1, A, 0, B, 0, 0, C, 0);
    expect(g.splitProducts()).toBe(0);
    g.stopThreads();
    expect(g.helperReady()).toBe(false);
    const M = 64, N = 512, K = 128;
    const A2 = randomArray(M * K, random), B2 = randomArray(K * N, random);
    const C2 = new Float32Array(M * N), reference2 = new Float32Array(M * N);
    g.gemm(false, false, M, N, K, 1, A2, 0, B2, 0, 0, C2, 0);
    expect(g.splitProducts()).toBe(0);
    gemmTs(false, false, M, N, K, 1, A2, 0, B2, 0, 0, reference2, 0);
    gemmTs(false, false, small, small, small, 1, A, 0, B, 0, 0, reference, 0);
    expect(C).toEqual(reference);
    expect(C2).toEqual(reference2);
  });
});

describe("gemm backend selection", () => {
  const initial = getGemmBackend();
  afterEach(() => setGemmBackend(initial));
  const random = seededRandom(5);

  function product(fn: GemmFn, m: number, n: number, k: number, a: Float32Array, b: Float32Array): number[] {
    const C = new Float32Array(m * n);
    fn(true, false, m, n, k, 1, a, 0, b, 0, 0, C, 0);
    return [...C];
  }

  it("gives gemmTs's results under ts, wasm and auto", () => {
    const m = 20, n = 24, k = 30;
    const a = randomArray(m * k, random), b = randomArray(k * n, random);
    const expected = product(gemmTs, m, n, k, a, b);
    for (const choice of wasm === null ? (["ts", "auto"] as const) : (["ts", "wasm", "auto"] as const)) {
      setGemmBackend(choice);
      expect(product(gemm, m, n, k, a, b)).toEqual(expected);
    }
  });
});
