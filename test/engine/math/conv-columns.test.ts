import { afterEach, describe, expect, it } from "vitest";
import { foldedInto, multiplyAndFold, unfoldAndAccumulate, unfoldAndMultiply, unfoldedImages } from "../../../src/engine/math/conv-columns.js";
import { gemmTs, getGemmBackend, getWasmGemm, setGemmBackend } from "../../../src/engine/math/gemm.js";
import { col2imTs, convOutputSize, im2colTs, type ConvGeometry } from "../../../src/engine/math/im2col.js";
import { createWasmGemmWith, THREAD_MIN_MULTIPLY_ADDS } from "../../../src/engine/math/wasm/gemm-kernel.js";
import { seededRandom } from "../../../src/engine/rng.js";

function randomArray(n: number, random: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
}

function geometry(channels: number, size: number, kernel: number, pad: number, stride: number, dilation: number): ConvGeometry {
  return {
    channels, height: size, width: size + 1, kernelH: kernel, kernelW: kernel, padH: pad, padW: pad,
    strideH: stride, strideW: stride, dilationH: dilation, dilationW: dilation,
  };
}

const CASES: { name: string; g: ConvGeometry; M: number; count: number }[] = [
  { name: "LeNet conv1 shape, one image", g: geometry(1, 28, 5, 0, 1, 1), M: 20, count: 1 },
  { name: "LeNet conv2 shape, four images", g: geometry(20, 12, 5, 0, 1, 1), M: 50, count: 4 },
  { name: "padding, stride 2, dilation 2, three images (ragged columns)", g: geometry(3, 13, 3, 2, 2, 2), M: 7, count: 3 },
];

function columnsOf(g: ConvGeometry): { P: number; K: number; imageFloats: number } {
  const outH = convOutputSize(g.height, g.kernelH, g.padH, g.strideH, g.dilationH);
  const outW = convOutputSize(g.width, g.kernelW, g.padW, g.strideW, g.dilationW);
  return { P: outH * outW, K: g.channels * g.kernelH * g.kernelW, imageFloats: g.channels * g.height * g.width };
}

/** Bits of two float arrays equal (NaN-safe, fast). */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe.skipIf(getWasmGemm() === null)("convolution products with the columns in the gemm's memory", () => {
  const initial = getGemmBackend();
  afterEach(() => setGemmBackend(initial));

  for (const { name, g, M, count } of CASES) {
    const { P, K, imageFloats } = columnsOf(g);
    const N = count * P;
    const random = seededRandom(M + count);
    const offset = 3 * imageFloats; // images taken from the middle of a larger blob
    if (name.startsWith("padding")) expect(N % 8).not.toBe(0); // the gemm's result rows are padded: col2im reads them with a gap

    it(`${name}: W * im2col(images) equals im2col, then gemm, bit for bit`, () => {
      const image = randomArray(offset + count * imageFloats + 5, random), W = randomArray(M * K, random);
      const col = new Float32Array(K * N), expected = new Float32Array(M * N), got = new Float32Array(M * N).fill(Number.NaN);
      im2colTs(image, offset, g, col, 0, count);
      gemmTs(false, false, M, N, K, 1, W, 0, col, 0, 0, expected, 0);
      expect(unfoldAndMultiply(image, offset, count, g, W, M, P, got)).toBe(true);
      expect(sameBits(got, expected)).toBe(true);
    });

    it(`${name}: dW += dY * im2col(images)^T equals im2col, then gemm, bit for bit`, () => {
      const image = randomArray(offset + count * imageFloats, random), dY = randomArray(M * N, random);
      const start = randomArray(M * K, random);
      const col = new Float32Array(K * N), expected = Float32Array.from(start), got = Float32Array.from(start);
      im2colTs(image, offset, g, col, 0, count);
      gemmTs(false, true, M, K, N, 1, dY, 0, col, 0, 1, expected, 0);
      expect(unfoldAndAccumulate(image, offset, count, g, dY, M, P, got)).toBe(true);
      expect(sameBits(got, expected)).toBe(true);
    });

    it(`${name}: col2im(W^T * dY) equals gemm, then col2im, bit for bit, and leaves the rest of the blob alone`, () => {
      const W = randomArray(M * K, random), dY = randomArray(M * N, random);
      const col = new Float32Array(K * N);
      const expected = randomArray(offset + count * imageFloats + 7, random), got = Float32Array.from(expected);
      gemmTs(true, false, K, N, M, 1, W, 0, dY, 0, 0, col, 0);
      col2imTs(col, 0, g, expected, offset, count);
      expect(multiplyAndFold(dY, count, g, W, M, P, got, offset)).toBe(true);
      expect(sameBits(got, expected)).toBe(true);
    });
  }

  it('declines (and writes nothing) under BNLINT_GEMM=ts, so the plain TypeScript path runs', () => {
    setGemmBackend("ts");
    const { g, M, count } = CASES[1]!;
    const { P, K, imageFloats } = columnsOf(g);
    const random = seededRandom(2);
    const out = new Float32Array(M * count * P).fill(7);
    expect(unfoldAndMultiply(randomArray(count * imageFloats, random), 0, count, g, randomArray(M * K, random), M, P, out)).toBe(false);
    expect(out.every((x) => x === 7)).toBe(true);
    const image = new Float32Array(count * imageFloats).fill(7);
    expect(multiplyAndFold(randomArray(M * count * P, random), count, g, randomArray(M * K, random), M, P, image, 0)).toBe(false);
    expect(image.every((x) => x === 7)).toBe(true);
  });

  it("throws a RangeError before anything is written when the room asked for cannot be had (the plain path then runs)", () => {
    const gemm = createWasmGemmWith({})!;
    let ran = false;
    const C = new Float32Array(8 * 8).fill(3);
    const huge = { roomFloats: 2 ** 30, run: () => { ran = true; } }; // 4 GiB of room: more than a wasm32 memory holds
    expect(() => gemm.gemm(false, false, 8, 8, 8, 1, new Float32Array(64), 0, huge, 0, 1, C, 0)).toThrow(RangeError);
    expect(ran).toBe(false);
    expect(C.every((x) => x === 3)).toBe(true);
    // The same gemm still works afterwards.
    const D = new Float32Array(64);
    gemm.gemm(false, false, 8, 8, 8, 1, new Float32Array(64).fill(1), 0, new Float32Array(64).fill(2), 0, 0, D, 0);
    expect(D.every((x) => x === 16)).toBe(true);
  });

  it("works in the threaded gemm's shared memory: the products split with the helper give the same bits", async () => {
    const threaded = createWasmGemmWith({ threads: true })!;
    try {
      for (let i = 0; i < 1000 && !threaded.helperReady(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(threaded.helperReady()).toBe(true);
      const g = geometry(20, 12, 5, 0, 1, 1), M = 50, count = 16;
      const { P, K, imageFloats } = columnsOf(g);
      const N = count * P;
      expect(M * N * K).toBeGreaterThanOrEqual(THREAD_MIN_MULTIPLY_ADDS);
      const random = seededRandom(99);
      const image = randomArray(count * imageFloats, random), W = randomArray(M * K, random), dY = randomArray(M * N, random);
      const col = new Float32Array(K * N);
      im2colTs(image, 0, g, col, 0, count);

      const forward = new Float32Array(M * N), forwardExpected = new Float32Array(M * N);
      gemmTs(false, false, M, N, K, 1, W, 0, col, 0, 0, forwardExpected, 0);
      const split = threaded.splitProducts();
      threaded.gemm(false, false, M, N, K, 1, W, 0, unfoldedImages(image, 0, count, g), 0, 0, forward, 0);
      expect(threaded.splitProducts()).toBe(split + 1);
      expect(sameBits(forward, forwardExpected)).toBe(true);

      const back = new Float32Array(count * imageFloats), backExpected = new Float32Array(count * imageFloats);
      const backCol = new Float32Array(K * N);
      gemmTs(true, false, K, N, M, 1, W, 0, dY, 0, 0, backCol, 0);
      col2imTs(backCol, 0, g, backExpected, 0, count);
      threaded.gemm(true, false, K, N, M, 1, W, 0, dY, 0, 0, foldedInto(back, 0, count, g), 0);
      expect(threaded.splitProducts()).toBe(split + 2);
      expect(sameBits(back, backExpected)).toBe(true);
    } finally {
      threaded.stopThreads();
    }
  }, 60_000);
});
