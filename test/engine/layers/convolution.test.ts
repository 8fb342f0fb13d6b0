import { describe, expect, it } from "vitest";
import { BATCH_MIN_ROWS, imagesPerBatch } from "../../../src/engine/layers/conv-common.js";
import { convolutionLayer } from "../../../src/engine/layers/convolution.js";
import { deconvolutionLayer } from "../../../src/engine/layers/deconvolution.js";
import { seededRandom } from "../../../src/engine/rng.js";
import type { Blob } from "../../../src/engine/types.js";
import { blobOf, checkGradients, randomBlob, replayableContext, runForward } from "../gradient-check.js";

/** Forward values against a direct sum in double precision. */
const FORWARD_TOLERANCE = 1e-5;

/** Direct 2-D convolution (no im2col), the definition written out. */
function directConvolution(x: Blob, w: Blob, bias: Float32Array | undefined, s: { pad: readonly number[]; stride: readonly number[]; dilation: readonly number[]; group: number }): { shape: number[]; data: number[] } {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, Cg, KH, KW] = w.shape as [number, number, number, number];
  const OH = Math.floor((H + 2 * s.pad[0] - (s.dilation[0] * (KH - 1) + 1)) / s.stride[0]) + 1;
  const OW = Math.floor((W + 2 * s.pad[1] - (s.dilation[1] * (KW - 1) + 1)) / s.stride[1]) + 1;
  const out: number[] = [];
  const perGroup = O / s.group;
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    const g = Math.floor(o / perGroup);
    let sum = bias ? bias[o]! : 0;
    for (let c = 0; c < Cg; c++) for (let ky = 0; ky < KH; ky++) for (let kx = 0; kx < KW; kx++) {
      const y = oy * s.stride[0] - s.pad[0] + ky * s.dilation[0], xx = ox * s.stride[1] - s.pad[1] + kx * s.dilation[1];
      if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
      sum += w.data[((o * Cg + c) * KH + ky) * KW + kx]! * x.data[((n * C + g * Cg + c) * H + y) * W + xx]!;
    }
    out.push(sum);
  }
  return { shape: [N, O, OH, OW], data: out };
}

const configs = [
  { name: "3x3 pad 1", cp: { num_output: 4, kernel_size: [3], pad: [1] }, pad: [1, 1], stride: [1, 1], dilation: [1, 1], group: 1 },
  { name: "stride 2, kernel_h/w 3x2", cp: { num_output: 3, kernel_h: 3, kernel_w: 2, stride: [2] }, pad: [0, 0], stride: [2, 2], dilation: [1, 1], group: 1 },
  { name: "group 2, pad_h/pad_w", cp: { num_output: 4, kernel_size: [2], group: 2, pad_h: 1, pad_w: 0 }, pad: [1, 0], stride: [1, 1], dilation: [1, 1], group: 2 },
  { name: "1x1 pointwise, group 2", cp: { num_output: 6, kernel_size: [1], group: 2 }, pad: [0, 0], stride: [1, 1], dilation: [1, 1], group: 2 },
  { name: "dilation 2, stride 1x2, no bias", cp: { num_output: 2, kernel_size: [2], dilation: [2], stride: [1, 2], bias_term: false }, pad: [0, 0], stride: [1, 2], dilation: [2, 2], group: 1 },
] as const;

function convParam(cp: object) {
  return { name: "conv", type: "Convolution", convolution_param: { ...cp, weight_filler: { type: "gaussian", std: 0.5 }, bias_filler: { type: "uniform", min: -1, max: 1 } } };
}

describe("Convolution", () => {
  it("sums 2x2 windows by hand with unit weights", () => {
    const x = blobOf([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const { tops } = runForward(convolutionLayer, { name: "c", type: "Convolution", convolution_param: { num_output: 1, kernel_size: [2], weight_filler: { type: "constant", value: 1 }, bias_filler: { type: "constant", value: 0.5 } } }, [x], replayableContext("TRAIN", 1));
    expect(tops[0]!.shape).toEqual([1, 1, 2, 2]);
    expect([...tops[0]!.data]).toEqual([12.5, 16.5, 24.5, 28.5]);
  });

  it("makes weights [num_output, C/group, kh, kw] and bias [num_output]", () => {
    const x = randomBlob([2, 6, 5, 5], seededRandom(1));
    const { layer, tops } = runForward(convolutionLayer, convParam({ num_output: 4, kernel_size: [3], group: 2, stride: [2] }), [x], replayableContext("TRAIN", 1));
    expect(layer.params.map((p) => p.shape)).toEqual([[4, 3, 3, 3], [4]]);
    expect(tops[0]!.shape).toEqual([2, 4, 2, 2]);
  });

  for (const c of configs) {
    it(`matches a direct convolution: ${c.name}`, () => {
      const x = randomBlob([2, 4, 6, 5], seededRandom(11));
      const { layer, tops } = runForward(convolutionLayer, convParam(c.cp), [x], replayableContext("TRAIN", 2));
      const ref = directConvolution(x, layer.params[0]!, layer.params[1]?.data, c);
      expect(tops[0]!.shape).toEqual(ref.shape);
      ref.data.forEach((v, i) => expect(Math.abs(tops[0]!.data[i]! - v)).toBeLessThan(FORWARD_TOLERANCE));
    });

    it(`has correct gradients: ${c.name}`, () => {
      const x = randomBlob([2, 4, 6, 5], seededRandom(12));
      const r = checkGradients(convolutionLayer, convParam(c.cp), [x], 1, { step: 1e-2, threshold: 1e-2 });
      expect(r.checked).toBeGreaterThan(0);
      expect(r.failures).toEqual([]);
    });
  }
});

describe("Convolution reshape and several bottoms", () => {
  it("follows a new input size after reshape", () => {
    const c = configs[0];
    const first = randomBlob([2, 4, 6, 5], seededRandom(1));
    const { layer } = runForward(convolutionLayer, convParam(c.cp), [first], replayableContext("TRAIN", 2));
    const bigger = randomBlob([1, 4, 9, 7], seededRandom(2));
    const top = { shape: [], data: new Float32Array(0), diff: new Float32Array(0) } as Blob;
    layer.reshape([bigger], [top]);
    layer.forward([bigger], [top]);
    const ref = directConvolution(bigger, layer.params[0]!, layer.params[1]?.data, c);
    expect(top.shape).toEqual(ref.shape);
    ref.data.forEach((v, i) => expect(Math.abs(top.data[i]! - v)).toBeLessThan(FORWARD_TOLERANCE));
  });

  it("applies the same weights to every bottom (gradients summed over both)", () => {
    const random = seededRandom(3);
    const r = checkGradients(convolutionLayer, convParam({ num_output: 2, kernel_size: [3], pad: [1] }), [randomBlob([2, 2, 3, 5], random), randomBlob([2, 2, 3, 5], random)], 2);
    expect(r.tops.map((t) => t.shape)).toEqual([[2, 2, 3, 5], [2, 2, 3, 5]]);
    expect(r.failures).toEqual([]);
    expect(() => runForward(convolutionLayer, convParam({ num_output: 2, kernel_size: [3] }), [randomBlob([1, 2, 4, 4], random), randomBlob([1, 2, 5, 4], random)], replayableContext("TRAIN", 1), 2))
      .toThrow(/same shape/);
  });
});

describe("Deconvolution", () => {
  function deconvParam(cp: object) {
    return { name: "deconv", type: "Deconvolution", convolution_param: { ...cp, weight_filler: { type: "gaussian", std: 0.5 }, bias_filler: { type: "uniform", min: -1, max: 1 } } };
  }

  it("is the transpose of a convolution with the same weights (<conv x, y> = <x, deconv y>)", () => {
    const random = seededRandom(5);
    const cp = { num_output: 2, kernel_size: [3], stride: [2], pad: [1], bias_term: false };
    const x = randomBlob([1, 4, 7, 7], random);
    const conv = runForward(convolutionLayer, convParam(cp), [x], replayableContext("TRAIN", 3));
    const y = randomBlob(conv.tops[0]!.shape, random);
    const deconv = runForward(deconvolutionLayer, deconvParam({ ...cp, num_output: 4 }), [y], replayableContext("TRAIN", 3));
    expect(deconv.layer.params[0]!.shape).toEqual([2, 4, 3, 3]);
    expect(deconv.tops[0]!.shape).toEqual([1, 4, 7, 7]); // 2 * (4 - 1) + 3 - 2
    deconv.layer.params[0]!.data.set(conv.layer.params[0]!.data);
    deconv.layer.forward([y], deconv.tops);
    let lhs = 0, rhs = 0;
    conv.tops[0]!.data.forEach((v, i) => { lhs += v * y.data[i]!; });
    deconv.tops[0]!.data.forEach((v, i) => { rhs += v * x.data[i]!; });
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
  });

  for (const cp of [
    { num_output: 3, kernel_size: [2], stride: [2] },
    { num_output: 2, kernel_size: [1] },
    { num_output: 4, kernel_size: [3], stride: [2], pad: [1], group: 2 },
    { num_output: 2, kernel_size: [2], dilation: [2], bias_term: false },
  ]) {
    it(`has correct gradients: ${JSON.stringify(cp)}`, () => {
      const x = randomBlob([2, 4, 3, 4], seededRandom(13));
      const r = checkGradients(deconvolutionLayer, deconvParam(cp), [x], 1);
      expect(r.checked).toBeGreaterThan(0);
      expect(r.failures).toEqual([]);
    });
  }
});

describe("Convolution and Deconvolution over batches of images (one GEMM for several images)", () => {
  const deconvParam = (cp: object) => ({ ...convParam(cp), name: "deconv", type: "Deconvolution" });

  // At least BATCH_MIN_ROWS column-buffer rows per group, so the images of a blob are unfolded together.
  for (const [name, layer, param, shape] of [
    ["convolution, 8 channels 3x3 pad 1", convolutionLayer, convParam({ num_output: 4, kernel_size: [3], pad: [1] }), [3, 8, 4, 4]],
    ["convolution, group 2 of 8 channels", convolutionLayer, convParam({ num_output: 4, kernel_size: [3], pad: [1], group: 2 }), [3, 16, 3, 4]],
    ["deconvolution to 8 channels, stride 2", deconvolutionLayer, deconvParam({ num_output: 8, kernel_size: [3], stride: [2] }), [3, 2, 2, 3]],
  ] as const) {
    it(`batches its images and has correct gradients: ${name}`, () => {
      const x = randomBlob([...shape], seededRandom(31));
      const imageChannels = layer === convolutionLayer ? shape[1] : 8;
      expect(imageChannels * 9 / (name.includes("group") ? 2 : 1)).toBeGreaterThanOrEqual(BATCH_MIN_ROWS);
      const r = checkGradients(layer, param, [x], 1, { step: 1e-2, threshold: 1e-2 });
      expect(r.checked).toBeGreaterThan(0);
      expect(r.failures).toEqual([]);
    });
  }

  it("splits a batch whose column buffer would be too large, with the same results as the definition", () => {
    const random = seededRandom(37);
    const x = randomBlob([3, 8, 42, 42], random);
    const geo = { channels: 8, height: 42, width: 42, kernelH: 3, kernelW: 3, padH: 0, padW: 0, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1 };
    expect(imagesPerBatch(geo, 1, 40 * 40, 3)).toBe(2); // two images, then one
    const { layer, tops } = runForward(convolutionLayer, convParam({ num_output: 4, kernel_size: [3] }), [x], replayableContext("TRAIN", 2));
    const W = layer.params[0]!, bias = layer.params[1]!;
    const s = { pad: [0, 0], stride: [1, 1], dilation: [1, 1], group: 1 };
    const ref = directConvolution(x, W, bias.data, s);
    ref.data.forEach((v, i) => expect(Math.abs(tops[0]!.data[i]! - v)).toBeLessThan(FORWARD_TOLERANCE));

    // Backward against the definition: dW[o,c,i,j] = sum dy[n,o,y,x] x[n,c,y+i,x+j], dx the adjoint, db the sum.
    const top = tops[0]!;
    top.diff.set(randomBlob(top.shape, random).data);
    W.diff.fill(0);
    bias.diff.fill(0);
    layer.backward([top], [true], [x]);
    const [N, C, H, Wd] = x.shape as [number, number, number, number];
    const O = 4, OH = 40, OW = 40;
    const dW = new Float64Array(O * C * 9), dx = new Float64Array(N * C * H * Wd), db = new Float64Array(O);
    for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
      const g = top.diff[((n * O + o) * OH + oy) * OW + ox]!;
      db[o]! += g;
      for (let c = 0; c < C; c++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
        const xi = ((n * C + c) * H + oy + i) * Wd + ox + j, wi = ((o * C + c) * 3 + i) * 3 + j;
        dW[wi]! += g * x.data[xi]!;
        dx[xi]! += g * W.data[wi]!;
      }
    }
    const close = (got: Float32Array, want: Float64Array) => {
      let worst = 0;
      want.forEach((v, i) => { worst = Math.max(worst, Math.abs(got[i]! - v) / (1 + Math.abs(v))); });
      return worst;
    };
    expect(close(W.diff, dW)).toBeLessThan(1e-5);
    expect(close(x.diff, dx)).toBeLessThan(1e-5);
    expect(close(bias.diff, db)).toBeLessThan(1e-5);
  });
});
