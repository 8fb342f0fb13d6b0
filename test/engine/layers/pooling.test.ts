import { describe, expect, it } from "vitest";
import { pooledSize, poolingLayer } from "../../../src/engine/layers/pooling.js";
import { seededRandom } from "../../../src/engine/rng.js";
import { getGemmBackend, setGemmBackend } from "../../../src/engine/math/gemm.js";
import { getWasmMaxPool } from "../../../src/engine/math/wasm/pool-kernel.js";
import { blobOf, checkGradients, distinctBlob, randomBlob, replayableContext, runForward } from "../gradient-check.js";

const ctx = () => replayableContext("TRAIN", 1);
const pool = (pp: object) => ({ name: "pool", type: "Pooling", pooling_param: pp });

describe("Pooling shapes", () => {
  it("rounds up by default: 32 -> 16 with kernel 3 stride 2", () => {
    expect(pooledSize(32, 3, 0, 2, true)).toBe(16);
    const { tops } = runForward(poolingLayer, pool({ pool: "MAX", kernel_size: 3, stride: 2 }), [randomBlob([1, 2, 32, 32], seededRandom(1))], ctx());
    expect(tops[0]!.shape).toEqual([1, 2, 16, 16]);
  });

  it("clips a last window that would start in the padding: 29 -> 15 with kernel 2 stride 2 pad 1", () => {
    // ceil((29 + 2 - 2) / 2) + 1 = 16, but window 15 would start at 30 - 1 = 29 >= 29: dropped.
    expect(pooledSize(29, 2, 1, 2, true)).toBe(15);
    const { tops } = runForward(poolingLayer, pool({ kernel_size: 2, stride: 2, pad: 1 }), [randomBlob([1, 1, 29, 29], seededRandom(1))], ctx());
    expect(tops[0]!.shape).toEqual([1, 1, 15, 15]);
  });

  it("rounds down with round_mode FLOOR: 16 -> 7 with kernel 3 stride 2", () => {
    expect(pooledSize(16, 3, 0, 2, true)).toBe(8);
    const { tops } = runForward(poolingLayer, pool({ kernel_size: 3, stride: 2, round_mode: "FLOOR" }), [randomBlob([1, 1, 16, 16], seededRandom(1))], ctx());
    expect(tops[0]!.shape).toEqual([1, 1, 7, 7]);
  });

  it("pools the whole plane with global_pooling", () => {
    const x = blobOf([1, 2, 2, 2], [1, 2, 3, 4, -1, -2, -3, -4]);
    const ave = runForward(poolingLayer, pool({ pool: "AVE", global_pooling: true }), [x], ctx());
    expect(ave.tops[0]!.shape).toEqual([1, 2, 1, 1]);
    expect([...ave.tops[0]!.data]).toEqual([2.5, -2.5]);
    const max = runForward(poolingLayer, pool({ global_pooling: true }), [x], ctx());
    expect([...max.tops[0]!.data]).toEqual([4, -1]);
  });

  it("rejects STOCHASTIC, pad >= kernel and a kernel size with global_pooling", () => {
    expect(() => runForward(poolingLayer, pool({ global_pooling: true, kernel_size: 2 }), [randomBlob([1, 1, 4, 4], seededRandom(1))], ctx())).toThrow(/global_pooling/);
    expect(() => runForward(poolingLayer, pool({ pool: "STOCHASTIC", kernel_size: 2 }), [randomBlob([1, 1, 4, 4], seededRandom(1))], ctx())).toThrow(/STOCHASTIC/);
    expect(() => runForward(poolingLayer, pool({ kernel_size: 2, pad: 2 }), [randomBlob([1, 1, 4, 4], seededRandom(1))], ctx())).toThrow(/pad/);
  });
});

describe("Pooling values", () => {
  const x4 = blobOf([1, 1, 4, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);

  it("MAX with kernel 3 stride 2 over a 4x4 ramp (last window clipped to the image)", () => {
    const { tops } = runForward(poolingLayer, pool({ kernel_size: 3, stride: 2 }), [x4], ctx(), 2);
    expect([...tops[0]!.data]).toEqual([11, 12, 15, 16]);
    expect([...tops[1]!.data]).toEqual([10, 11, 14, 15]); // argmax indexes
  });

  it("AVE divides clipped windows by their clipped size when there is no padding", () => {
    const { tops } = runForward(poolingLayer, pool({ pool: "AVE", kernel_size: 3, stride: 2 }), [x4], ctx());
    // windows: rows/cols {0,1,2} and {2,3}: sizes 9, 6, 6, 4.
    expect([...tops[0]!.data]).toEqual([54 / 9, (3 + 4 + 7 + 8 + 11 + 12) / 6, (9 + 10 + 11 + 13 + 14 + 15) / 6, (11 + 12 + 15 + 16) / 4]);
  });

  it("AVE counts padding in the divisor", () => {
    const x = blobOf([1, 1, 2, 2], [1, 2, 3, 4]);
    const { tops } = runForward(poolingLayer, pool({ pool: "AVE", kernel_size: 2, stride: 1, pad: 1 }), [x], ctx());
    expect(tops[0]!.shape).toEqual([1, 1, 3, 3]);
    expect([...tops[0]!.data]).toEqual([0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1]);
  });

  it("AVE stops counting at the pad boundary (kernel 3 stride 2 pad 1 on 4x4)", () => {
    // out = ceil((4 + 2 - 3) / 2) + 1 = 3; window 2 covers rows [3, 6) clipped to [3, 5): 2 rows incl. 1 pad.
    const { tops } = runForward(poolingLayer, pool({ pool: "AVE", kernel_size: 3, stride: 2, pad: 1 }), [x4], ctx());
    expect(tops[0]!.shape).toEqual([1, 1, 3, 3]);
    expect(tops[0]!.data[0]).toBeCloseTo((1 + 2 + 5 + 6) / 9, 6);
    expect(tops[0]!.data[8]).toBeCloseTo(16 / 4, 6);
    expect(tops[0]!.data[2]).toBeCloseTo((4 + 8) / 6, 6);
  });
});

describe("Pooling gradients", () => {
  const cases = [
    { pool: "MAX", kernel_size: 3, stride: 2 },
    { pool: "MAX", kernel_size: 2, stride: 2, pad: 1 },
    { pool: "MAX", kernel_h: 3, kernel_w: 2, stride_h: 1, stride_w: 2 },
    { pool: "AVE", kernel_size: 3, stride: 2 },
    { pool: "AVE", kernel_size: 3, stride: 2, pad: 1 },
    { pool: "AVE", global_pooling: true },
    { pool: "MAX", kernel_size: 3, stride: 2, round_mode: "FLOOR" },
  ];
  for (const pp of cases) {
    it(JSON.stringify(pp), () => {
      // Distinct values 0.05 apart: a step of 1e-2 never changes which input is the max.
      const x = distinctBlob([2, 2, 5, 6], seededRandom(4), 0.05);
      const r = checkGradients(poolingLayer, pool(pp), [x], 1, { step: 1e-2 });
      expect(r.checked).toBe(x.data.length);
      expect(r.failures).toEqual([]);
    });
  }
});

describe("MAX pooling in WebAssembly", () => {
  const FLT_MAX = 3.4028234663852886e38;
  /** Random values with ties, signed zeros, infinities, NaN and -FLT_MAX mixed in. */
  function awkwardBlob(shape: number[], random: () => number) {
    const b = randomBlob(shape, random);
    const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, -FLT_MAX, 0.25, 0.25];
    for (let i = 0; i < b.data.length; i++) if (random() < 0.15) b.data[i] = specials[Math.floor(random() * specials.length)]!;
    return b;
  }
  /** Output and argmax of a MAX pooling forward, under one gemm backend ("ts": the TypeScript loop). */
  function forwardUnder(backend: "auto" | "ts", pp: object, x: ReturnType<typeof randomBlob>) {
    const initial = getGemmBackend();
    setGemmBackend(backend);
    try {
      const { tops } = runForward(poolingLayer, pool({ pool: "MAX", ...pp }), [x], ctx(), 2);
      return { y: tops[0]!.data, mask: tops[1]!.data };
    } finally {
      setGemmBackend(initial);
    }
  }

  for (const pp of [
    { kernel_size: 2, stride: 2 },
    { kernel_size: 3, stride: 2 },
    { kernel_size: 3, stride: 1, pad: 1 },
    { kernel_size: 2, stride: 2, pad: 1 },
    { kernel_h: 3, kernel_w: 2, stride_h: 1, stride_w: 3 },
    { kernel_size: 3, stride: 2, round_mode: "FLOOR" },
    { global_pooling: true },
  ]) {
    it(`gives the TypeScript loop's outputs and argmax bit for bit: ${JSON.stringify(pp)}`, () => {
      const x = awkwardBlob([3, 2, 11, 13], seededRandom(41));
      const viaWasm = forwardUnder("auto", pp, x);
      const viaTs = forwardUnder("ts", pp, x);
      expect(new Uint32Array(viaWasm.y.buffer, viaWasm.y.byteOffset, viaWasm.y.length)).toEqual(new Uint32Array(viaTs.y.buffer, viaTs.y.byteOffset, viaTs.y.length));
      expect(viaWasm.mask).toEqual(viaTs.mask);
      // The special values do reach the outputs: NaN is never picked, a window of -Inf/-FLT_MAX keeps index -1.
      expect(viaTs.y.some((v) => v === Number.POSITIVE_INFINITY)).toBe(true);
      expect(viaTs.y.every((v) => !Number.isNaN(v))).toBe(true);
    });
  }

  it("gives the same outputs when the planes go through the kernel a few at a time (large planes)", () => {
    // 8 planes of 130 x 130: the wasm sweep takes them three, three and two at a time.
    const x = awkwardBlob([2, 4, 130, 130], seededRandom(43));
    const viaWasm = forwardUnder("auto", { kernel_size: 3, stride: 2 }, x);
    const viaTs = forwardUnder("ts", { kernel_size: 3, stride: 2 }, x);
    expect(new Uint32Array(viaWasm.y.buffer, viaWasm.y.byteOffset, viaWasm.y.length)).toEqual(new Uint32Array(viaTs.y.buffer, viaTs.y.byteOffset, viaTs.y.length));
    expect(viaWasm.mask).toEqual(viaTs.mask);
  });

  it("is the sweep the layer runs by default", () => {
    expect(getWasmMaxPool()).not.toBeNull();
  });
});
