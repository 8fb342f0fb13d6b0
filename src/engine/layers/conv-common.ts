/**
 * What Convolution and Deconvolution share: reading ConvolutionParameter, the
 * weight/bias blobs, and the three GEMM passes between an "image side" (the
 * blob im2col unfolds: bottom for Convolution, top for Deconvolution) and a
 * "column side" (top for Convolution, bottom for Deconvolution). With g groups,
 * M = colChannels / g, Kg = imageChannels / g * kh * kw, P = colH * colW:
 *   imageToColumnSide:  colSide_g (M x P)  = W_g (M x Kg) * im2col(image)_g (Kg x P)
 *   columnSideToImage:  image = col2im( W_g^T (Kg x M) * colSide_g (M x P) )
 *   accumulateWeightGrad: dW_g += colSide_g * im2col(image)_g^T
 * Weights have shape [colChannels, imageChannels / g, kh, kw].
 */
import type { Blob, LayerContext, LayerParameter } from "../types.js";
import type { PlainMessage } from "../../schema/types.js";
import { makeBlob } from "../blob.js";
import { fillBlob } from "../fillers.js";
import { gemm } from "../math/gemm.js";
import { col2im, im2col, type ConvGeometry } from "../math/im2col.js";
import { axisOf, bool, check, has, num, nums, optionalSub, sub } from "./params.js";

/** ConvolutionParameter with defaults applied (2-D only). */
export interface ConvSettings {
  numOutput: number;
  biasTerm: boolean;
  group: number;
  axis: number;
  kernelH: number; kernelW: number;
  padH: number; padW: number;
  strideH: number; strideW: number;
  dilationH: number; dilationW: number;
  weightFiller?: PlainMessage;
  biasFiller?: PlainMessage;
}

/** A (h, w) pair from `hName`/`wName` or the repeated `name` (one value for both, or two). */
function pair(param: LayerParameter, cp: PlainMessage, name: string, hName: string | undefined, wName: string | undefined, fallback: number): [number, number] {
  if (hName && wName && (has(cp, hName) || has(cp, wName))) {
    check(param, has(cp, hName) && has(cp, wName), `${hName} and ${wName} must be given together`);
    check(param, nums(cp, name).length === 0, `give either ${name} or ${hName}/${wName}, not both`);
    return [num(cp, hName, fallback), num(cp, wName, fallback)];
  }
  const v = nums(cp, name);
  if (v.length === 0) return [fallback, fallback];
  check(param, v.length <= 2, `${name} has ${v.length} values; only 2-D spatial shapes are supported`);
  return [v[0]!, v[v.length - 1]!];
}

export function readConvSettings(param: LayerParameter, bottom: Blob): ConvSettings {
  const cp = sub(param, "convolution_param");
  const axis = axisOf(param, num(cp, "axis", 1), bottom);
  check(param, bottom.shape.length - axis - 1 === 2,
    `only 2-D convolution is supported (bottom has ${bottom.shape.length - axis - 1} spatial axes)`);
  check(param, has(cp, "kernel_h") || has(cp, "kernel_w") || nums(cp, "kernel_size").length > 0,
    "kernel_size (or kernel_h and kernel_w) is required");
  const [kernelH, kernelW] = pair(param, cp, "kernel_size", "kernel_h", "kernel_w", 0);
  const [padH, padW] = pair(param, cp, "pad", "pad_h", "pad_w", 0);
  const [strideH, strideW] = pair(param, cp, "stride", "stride_h", "stride_w", 1);
  const [dilationH, dilationW] = pair(param, cp, "dilation", undefined, undefined, 1);
  const s: ConvSettings = {
    numOutput: num(cp, "num_output", 0),
    biasTerm: bool(cp, "bias_term", true),
    group: num(cp, "group", 1),
    axis,
    kernelH, kernelW, padH, padW, strideH, strideW, dilationH, dilationW,
    weightFiller: optionalSub(cp, "weight_filler"),
    biasFiller: optionalSub(cp, "bias_filler"),
  };
  check(param, s.kernelH > 0 && s.kernelW > 0, `kernel size must be positive (got ${s.kernelH} x ${s.kernelW})`);
  check(param, s.strideH > 0 && s.strideW > 0, "stride must be positive");
  check(param, s.dilationH > 0 && s.dilationW > 0, "dilation must be positive");
  check(param, s.numOutput > 0, "num_output must be positive");
  check(param, s.group > 0, "group must be positive");
  check(param, s.numOutput % s.group === 0, `num_output (${s.numOutput}) must be divisible by group (${s.group})`);
  const channels = bottom.shape[axis]!;
  check(param, channels % s.group === 0, `input channels (${channels}) must be divisible by group (${s.group})`);
  return s;
}

/** Weight [colChannels, imageChannels / group, kh, kw] and optional bias [biasCount], filled. */
export function makeConvParams(s: ConvSettings, colChannels: number, imageChannels: number, biasCount: number, ctx: LayerContext): Blob[] {
  const weight = makeBlob([colChannels, imageChannels / s.group, s.kernelH, s.kernelW]);
  fillBlob(weight, s.weightFiller, ctx.random);
  const params = [weight];
  if (s.biasTerm) {
    const bias = makeBlob([biasCount]);
    fillBlob(bias, s.biasFiller, ctx.random);
    params.push(bias);
  }
  return params;
}

/** The image-side geometry of one sample. */
export function geometry(s: ConvSettings, channels: number, height: number, width: number): ConvGeometry {
  return {
    channels, height, width,
    kernelH: s.kernelH, kernelW: s.kernelW, padH: s.padH, padW: s.padW,
    strideH: s.strideH, strideW: s.strideW, dilationH: s.dilationH, dilationW: s.dilationW,
  };
}

/** colSide[csOff..] (colChannels x P) = per group W_g * im2col(image). */
export function imageToColumnSide(
  image: Float32Array, imageOff: number, geo: ConvGeometry, weight: Float32Array, groups: number,
  colChannels: number, P: number, col: Float32Array, colSide: Float32Array, csOff: number,
): void {
  im2col(image, imageOff, geo, col, 0);
  const M = colChannels / groups, Kg = (geo.channels / groups) * geo.kernelH * geo.kernelW;
  for (let g = 0; g < groups; g++) gemm(false, false, M, P, Kg, 1, weight, g * M * Kg, col, g * Kg * P, 0, colSide, csOff + g * M * P);
}

/** image[imageOff..] = col2im of per group W_g^T * colSide. */
export function columnSideToImage(
  colSide: Float32Array, csOff: number, geo: ConvGeometry, weight: Float32Array, groups: number,
  colChannels: number, P: number, col: Float32Array, image: Float32Array, imageOff: number,
): void {
  const M = colChannels / groups, Kg = (geo.channels / groups) * geo.kernelH * geo.kernelW;
  for (let g = 0; g < groups; g++) gemm(true, false, Kg, P, M, 1, weight, g * M * Kg, colSide, csOff + g * M * P, 0, col, g * Kg * P);
  col2im(col, 0, geo, image, imageOff);
}

/** weightDiff += per group colSide_g * im2col(image)_g^T. */
export function accumulateWeightGrad(
  image: Float32Array, imageOff: number, geo: ConvGeometry, colSide: Float32Array, csOff: number, groups: number,
  colChannels: number, P: number, col: Float32Array, weightDiff: Float32Array,
): void {
  im2col(image, imageOff, geo, col, 0);
  const M = colChannels / groups, Kg = (geo.channels / groups) * geo.kernelH * geo.kernelW;
  for (let g = 0; g < groups; g++) gemm(false, true, M, Kg, P, 1, colSide, csOff + g * M * P, col, g * Kg * P, 1, weightDiff, g * M * Kg);
}

/** out[n, c, p] += bias[c] for an [outer, channels, inner] layout. */
export function addBias(out: Float32Array, bias: Float32Array, outer: number, channels: number, inner: number): void {
  for (let n = 0; n < outer; n++) {
    for (let c = 0; c < channels; c++) {
      const b = bias[c]!, base = (n * channels + c) * inner;
      for (let p = 0; p < inner; p++) out[base + p] += b;
    }
  }
}

/** biasDiff[c] += sum over n, p of diff[n, c, p]. */
export function accumulateBiasGrad(diff: Float32Array, biasDiff: Float32Array, outer: number, channels: number, inner: number): void {
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let n = 0; n < outer; n++) {
      const base = (n * channels + c) * inner;
      for (let p = 0; p < inner; p++) s += diff[base + p]!;
    }
    biasDiff[c] += s;
  }
}
