/**
 * What Convolution and Deconvolution share: reading ConvolutionParameter, the
 * weight/bias blobs, and the three GEMM passes between an "image side" (the
 * blob im2col unfolds: bottom for Convolution, top for Deconvolution) and a
 * "column side" (top for Convolution, bottom for Deconvolution). With g groups,
 * M = colChannels / g, Kg = imageChannels / g * kh * kw, P = colH * colW, for
 * a batch of B images side by side (Q = B * P columns):
 *   imageToColumnSide:  colSide_g (M x Q)  = W_g (M x Kg) * im2col(images)_g (Kg x Q)
 *   columnSideToImage:  images = col2im( W_g^T (Kg x M) * colSide_g (M x Q) )
 *   accumulateWeightGrad: dW_g += colSide_g * im2col(images)_g^T
 * The column side of a blob ([n][channels][P]) is gathered into and scattered
 * from the side-by-side layout (channels x Q) around the GEMMs.
 * Weights have shape [colChannels, imageChannels / g, kh, kw].
 */
import type { Blob, LayerContext, LayerDefinition, LayerParameter } from "../types.js";
import type { PlainMessage } from "../../schema/types.js";
import { countOf, makeBlob, reshapeBlob, sameShape, shapeText } from "../blob.js";
import { fillBlob } from "../fillers.js";
import { multiplyAndFold, unfoldAndAccumulate, unfoldAndMultiply } from "../math/conv-columns.js";
import { gemm } from "../math/gemm.js";
import { sumOf } from "../math/sums.js";
import { col2im, convOutputSize, im2col, type ConvGeometry } from "../math/im2col.js";
import { axisOf, bool, check, has, num, nums, optionalSub, sub, wants } from "./params.js";

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

/**
 * Images unfolded together: as many as keep the column buffer (C*kh*kw rows,
 * count*P columns) within this many floats, and at least one. A few images
 * per GEMM make products large enough to split between two threads, while
 * the buffers still fit in the caches (whole batches at once are slower).
 */
export const COLUMN_BUFFER_FLOATS = 1 << 18;

/**
 * Below this many column-buffer rows per group (the GEMMs' inner dimension)
 * images are unfolded one at a time: such products are bound by memory
 * traffic, not arithmetic, and batching them only adds cache misses
 * (measured on LeNet's conv1, 25 rows: a third slower batched).
 */
export const BATCH_MIN_ROWS = 64;

/** How many images to unfold at once for this geometry. */
export function imagesPerBatch(geo: ConvGeometry, groups: number, P: number, images: number): number {
  const rows = geo.channels * geo.kernelH * geo.kernelW;
  if (rows / groups < BATCH_MIN_ROWS) return 1;
  return Math.max(1, Math.min(images, Math.floor(COLUMN_BUFFER_FLOATS / (rows * P))));
}

/** dst (channels x count*P) = the column side of `count` images from src[srcOff..] ([n][channels][P]) side by side. */
export function gatherColumnSide(src: Float32Array, srcOff: number, count: number, channels: number, P: number, dst: Float32Array): void {
  if (count === 1) {
    dst.set(src.subarray(srcOff, srcOff + channels * P));
    return;
  }
  const ld = count * P;
  for (let n = 0; n < count; n++) {
    for (let c = 0; c < channels; c++) {
      const from = srcOff + (n * channels + c) * P, to = c * ld + n * P;
      for (let p = 0; p < P; p++) dst[to + p] = src[from + p]!;
    }
  }
}

/**
 * The inverse of gatherColumnSide: dst[dstOff..] ([n][channels][P]) = src (channels x count*P),
 * plus bias[c] on channel c when a bias is given (the same single float addition as adding it after).
 */
export function scatterColumnSide(
  src: Float32Array, count: number, channels: number, P: number, dst: Float32Array, dstOff: number, bias?: Float32Array,
): void {
  if (count === 1 && bias === undefined) {
    dst.set(src.subarray(0, channels * P), dstOff);
    return;
  }
  const ld = count * P;
  for (let n = 0; n < count; n++) {
    for (let c = 0; c < channels; c++) {
      const from = c * ld + n * P, to = dstOff + (n * channels + c) * P;
      if (bias === undefined) for (let p = 0; p < P; p++) dst[to + p] = src[from + p]!;
      else {
        const b = bias[c]!;
        for (let p = 0; p < P; p++) dst[to + p] = src[from + p]! + b;
      }
    }
  }
}

/**
 * colSide (colChannels x count*P) = per group W_g * im2col(images)_g, for
 * `count` images from image[imageOff..]; col is the column-buffer scratch.
 */
export function imageToColumnSide(
  image: Float32Array, imageOff: number, count: number, geo: ConvGeometry, weight: Float32Array, groups: number,
  colChannels: number, P: number, col: Float32Array, colSide: Float32Array,
): void {
  if (groups === 1 && unfoldAndMultiply(image, imageOff, count, geo, weight, colChannels, P, colSide)) return;
  const ld = count * P;
  im2col(image, imageOff, geo, col, 0, count);
  const M = colChannels / groups, Kg = (geo.channels / groups) * geo.kernelH * geo.kernelW;
  for (let g = 0; g < groups; g++) gemm(false, false, M, ld, Kg, 1, weight, g * M * Kg, col, g * Kg * ld, 0, colSide, g * M * ld);
}

/** `count` images from image[imageOff..] = col2im of per group W_g^T * colSide (colChannels x count*P). */
export function columnSideToImage(
  colSide: Float32Array, count: number, geo: ConvGeometry, weight: Float32Array, groups: number,
  colChannels: number, P: number, col: Float32Array, image: Float32Array, imageOff: number,
): void {
  if (groups === 1 && multiplyAndFold(colSide, count, geo, weight, colChannels, P, image, imageOff)) return;
  const ld = count * P;
  const M = colChannels / groups, Kg = (geo.channels / groups) * geo.kernelH * geo.kernelW;
  for (let g = 0; g < groups; g++) gemm(true, false, Kg, ld, M, 1, weight, g * M * Kg, colSide, g * M * ld, 0, col, g * Kg * ld);
  col2im(col, 0, geo, image, imageOff, count);
}

/**
 * weightDiff += per group colSide_g * im2col(images)_g^T over `count` images
 * from image[imageOff..] (one sum over the images and positions, rounded once).
 */
export function accumulateWeightGrad(
  image: Float32Array, imageOff: number, count: number, geo: ConvGeometry, colSide: Float32Array, groups: number,
  colChannels: number, P: number, col: Float32Array, weightDiff: Float32Array,
): void {
  if (groups === 1 && unfoldAndAccumulate(image, imageOff, count, geo, colSide, colChannels, P, weightDiff)) return;
  const ld = count * P;
  im2col(image, imageOff, geo, col, 0, count);
  const M = colChannels / groups, Kg = (geo.channels / groups) * geo.kernelH * geo.kernelW;
  for (let g = 0; g < groups; g++) gemm(false, true, M, Kg, ld, 1, colSide, g * M * ld, col, g * Kg * ld, 1, weightDiff, g * M * Kg);
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

/** biasDiff[c] += sum over n, p of diff[n, c, p] (in float64, see sumOf). */
export function accumulateBiasGrad(diff: Float32Array, biasDiff: Float32Array, outer: number, channels: number, inner: number): void {
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let n = 0; n < outer; n++) {
      const base = (n * channels + c) * inner;
      s += sumOf(diff, base, base + inner);
    }
    biasDiff[c] += s;
  }
}

/**
 * Convolution (transposed = false: image side = bottom, column side = top) or
 * Deconvolution (transposed = true: image side = top, column side = bottom).
 * Each bottom i maps to top i with the same weights.
 */
export function convolutionFamily(type: string, transposed: boolean): LayerDefinition {
  return {
    type,
    bottoms: { min: 1 },
    tops: { min: 1 },
    create(param, bottom, ctx) {
      const s = readConvSettings(param, bottom[0]!);
      const inChannels = bottom[0]!.shape[s.axis]!;
      const imageChannels = transposed ? s.numOutput : inChannels;
      const colChannels = transposed ? inChannels : s.numOutput;
      const params = makeConvParams(s, colChannels, imageChannels, s.numOutput, ctx);
      let geo: ConvGeometry = geometry(s, imageChannels, 1, 1);
      let col = new Float32Array(0);
      let colSide = new Float32Array(0);
      let outer = 0, P = 0, imageSize = 0, topPlane = 0, batch = 1;
      return {
        params,
        reshape(bot, top) {
          const shape = bot[0]!.shape;
          for (const b of bot) check(param, sameShape(b.shape, shape), `all bottoms must have the same shape (${shapeText(b.shape)} vs ${shapeText(shape)})`);
          outer = countOf(shape, 0, s.axis);
          const h = shape[s.axis + 1]!, w = shape[s.axis + 2]!;
          let outH: number, outW: number;
          if (transposed) {
            outH = s.strideH * (h - 1) + s.dilationH * (s.kernelH - 1) + 1 - 2 * s.padH;
            outW = s.strideW * (w - 1) + s.dilationW * (s.kernelW - 1) + 1 - 2 * s.padW;
            geo = geometry(s, imageChannels, outH, outW);
            P = h * w;
          } else {
            outH = convOutputSize(h, s.kernelH, s.padH, s.strideH, s.dilationH);
            outW = convOutputSize(w, s.kernelW, s.padW, s.strideW, s.dilationW);
            geo = geometry(s, imageChannels, h, w);
            P = outH * outW;
          }
          check(param, outH > 0 && outW > 0, `output would be ${outH} x ${outW} for a ${h} x ${w} input`);
          imageSize = imageChannels * geo.height * geo.width;
          topPlane = outH * outW;
          batch = imagesPerBatch(geo, s.group, P, Math.max(outer, 1));
          const colSize = imageChannels * s.kernelH * s.kernelW * P * batch;
          if (col.length < colSize) col = new Float32Array(colSize);
          if (colSide.length < colChannels * P * batch) colSide = new Float32Array(colChannels * P * batch);
          for (let i = 0; i < bot.length; i++) reshapeBlob(top[i]!, [...shape.slice(0, s.axis), s.numOutput, outH, outW]);
        },
        forward(bot, top) {
          const W = params[0]!.data;
          for (let i = 0; i < bot.length; i++) {
            const x = bot[i]!.data, y = top[i]!.data;
            for (let n = 0; n < outer; n += batch) {
              const count = Math.min(batch, outer - n);
              if (transposed) {
                gatherColumnSide(x, n * colChannels * P, count, colChannels, P, colSide);
                columnSideToImage(colSide, count, geo, W, s.group, colChannels, P, col, y, n * imageSize);
              } else {
                imageToColumnSide(x, n * imageSize, count, geo, W, s.group, colChannels, P, col, colSide);
                // The bias goes in while the outputs are copied out (one pass over the top instead of two).
                scatterColumnSide(colSide, count, colChannels, P, y, n * colChannels * P, s.biasTerm ? params[1]!.data : undefined);
              }
            }
            if (s.biasTerm && transposed) addBias(y, params[1]!.data, outer, s.numOutput, topPlane);
          }
        },
        backward(top, propagateDown, bot) {
          const W = params[0]!;
          for (let i = 0; i < top.length; i++) {
            const dy = top[i]!.diff, x = bot[i]!.data, dx = bot[i]!.diff;
            if (s.biasTerm) accumulateBiasGrad(dy, params[1]!.diff, outer, s.numOutput, topPlane);
            for (let n = 0; n < outer; n += batch) {
              const count = Math.min(batch, outer - n);
              const imageOff = n * imageSize, colOff = n * colChannels * P;
              if (transposed) {
                gatherColumnSide(x, colOff, count, colChannels, P, colSide);
                accumulateWeightGrad(dy, imageOff, count, geo, colSide, s.group, colChannels, P, col, W.diff);
                if (wants(propagateDown, i)) {
                  imageToColumnSide(dy, imageOff, count, geo, W.data, s.group, colChannels, P, col, colSide);
                  scatterColumnSide(colSide, count, colChannels, P, dx, colOff);
                }
              } else {
                gatherColumnSide(dy, colOff, count, colChannels, P, colSide);
                accumulateWeightGrad(x, imageOff, count, geo, colSide, s.group, colChannels, P, col, W.diff);
                if (wants(propagateDown, i)) columnSideToImage(colSide, count, geo, W.data, s.group, colChannels, P, col, dx, imageOff);
              }
            }
          }
        },
      };
    },
  };
}
