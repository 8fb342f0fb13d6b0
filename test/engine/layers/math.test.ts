import { describe, expect, it } from "vitest";
import { gemm, gemmNaive, SUM_BLOCK } from "../../../src/engine/math/gemm.js";
import { col2im, convOutputSize, im2col, type ConvGeometry } from "../../../src/engine/math/im2col.js";
import { seededRandom } from "../../../src/engine/rng.js";

/**
 * gemm sums in float32 over runs of SUM_BLOCK products (the runs in double),
 * the naive loop in double: with entries in [-1, 1] they differ by at most
 * (min(K, SUM_BLOCK) + a few roundings) * u * (|alpha| * K + |beta|).
 */
function gemmBound(K: number, alpha: number, beta: number): number {
  return (Math.min(K, SUM_BLOCK) + 4) * 2 ** -24 * (Math.abs(alpha) * K + Math.abs(beta));
}

function randomArray(n: number, random: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
}

describe("gemm", () => {
  const random = seededRandom(7);
  for (const [M, N, K] of [[1, 1, 1], [4, 4, 4], [5, 7, 3], [9, 13, 17], [50, 64, 25]] as const) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`matches the triple loop for M=${M} N=${N} K=${K} transA=${transA} transB=${transB}`, () => {
          const A = randomArray(M * K + 3, random), B = randomArray(K * N + 5, random);
          const C0 = randomArray(M * N + 2, random);
          for (const [alpha, beta] of [[1, 0], [0.5, 1], [-2, 0.25]] as const) {
            const fast = Float32Array.from(C0), slow = Float32Array.from(C0);
            gemm(transA, transB, M, N, K, alpha, A, 3, B, 5, beta, fast, 2);
            gemmNaive(transA, transB, M, N, K, alpha, A, 3, B, 5, beta, slow, 2);
            expect(fast[0]).toBe(C0[0]);
            expect(fast[1]).toBe(C0[1]);
            let worst = 0;
            for (let i = 2; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i]! - slow[i]!));
            expect(worst).toBeLessThanOrEqual(gemmBound(K, alpha, beta));
          }
        });
      }
    }
  }

  it("computes a hand-checked 2x2 product", () => {
    const A = Float32Array.of(1, 2, 3, 4), B = Float32Array.of(5, 6, 7, 8), C = new Float32Array(4);
    gemm(false, false, 2, 2, 2, 1, A, 0, B, 0, 0, C, 0);
    expect([...C]).toEqual([19, 22, 43, 50]);
    gemm(true, false, 2, 2, 2, 1, A, 0, B, 0, 0, C, 0);
    expect([...C]).toEqual([26, 30, 38, 44]);
  });

  it("ignores NaN in C when beta is 0", () => {
    const C = Float32Array.of(NaN);
    gemm(false, false, 1, 1, 1, 1, Float32Array.of(2), 0, Float32Array.of(3), 0, 0, C, 0);
    expect(C[0]).toBe(6);
  });
});

describe("im2col / col2im", () => {
  const geo: ConvGeometry = {
    channels: 2, height: 5, width: 4, kernelH: 3, kernelW: 2, padH: 1, padW: 0, strideH: 2, strideW: 1, dilationH: 1, dilationW: 2,
  };
  const outH = convOutputSize(5, 3, 1, 2, 1), outW = convOutputSize(4, 2, 0, 1, 2);

  it("sizes outputs with floor rounding", () => {
    expect(outH).toBe(3); // (5 + 2 - 3) / 2 + 1
    expect(outW).toBe(2); // (4 - 3) / 1 + 1
  });

  it("unfolds a 1-channel 3x3 image with a 2x2 kernel by hand", () => {
    const g: ConvGeometry = { ...geo, channels: 1, height: 3, width: 3, kernelH: 2, kernelW: 2, padH: 0, padW: 0, strideH: 1, strideW: 1, dilationW: 1 };
    const col = new Float32Array(16);
    im2col(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), 0, g, col, 0);
    expect([...col]).toEqual([1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9]);
  });

  it("col2im is the adjoint of im2col (<im2col x, c> = <x, col2im c>)", () => {
    const random = seededRandom(3);
    const x = randomArray(2 * 5 * 4, random);
    const c = randomArray(2 * 3 * 2 * outH * outW, random);
    const colX = new Float32Array(c.length), imC = new Float32Array(x.length);
    im2col(x, 0, geo, colX, 0);
    col2im(c, 0, geo, imC, 0);
    let lhs = 0, rhs = 0;
    for (let i = 0; i < c.length; i++) lhs += colX[i]! * c[i]!;
    for (let i = 0; i < x.length; i++) rhs += x[i]! * imC[i]!;
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-5);
  });
});
