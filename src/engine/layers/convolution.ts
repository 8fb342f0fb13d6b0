/**
 * Convolution (2-D, groups, padding, stride, dilation), Caffe's im2col + GEMM.
 * Forward, per sample n and group g:
 *   y_g = W_g * im2col(x_n)_g (+ b ⊗ 1), output size (H + 2p - (d(k-1)+1)) / s + 1 (floor).
 * Gradients:
 *   db += Σ_{n,p} dy,   dW_g += dy_g * im2col(x_n)_g^T,   dx_n = col2im(W_g^T * dy_g).
 */
import type { LayerDefinition } from "../types.js";
import { countOf, reshapeBlob } from "../blob.js";
import { convOutputSize, type ConvGeometry } from "../math/im2col.js";
import { wants } from "./params.js";
import {
  accumulateBiasGrad, accumulateWeightGrad, addBias, columnSideToImage, geometry, imageToColumnSide,
  makeConvParams, readConvSettings,
} from "./conv-common.js";

export const convolutionLayer: LayerDefinition = {
  type: "Convolution",
  bottoms: { min: 1 },
  tops: { min: 1 },
  create(param, bottom, ctx) {
    const s = readConvSettings(param, bottom[0]!);
    const channels = bottom[0]!.shape[s.axis]!;
    const params = makeConvParams(s, s.numOutput, channels, s.numOutput, ctx);
    let geo: ConvGeometry = geometry(s, channels, 1, 1);
    let col = new Float32Array(0);
    let outer = 0, P = 0, imageSize = 0;
    return {
      params,
      reshape(bot, top) {
        const shape = bot[0]!.shape;
        outer = countOf(shape, 0, s.axis);
        geo = geometry(s, channels, shape[s.axis + 1]!, shape[s.axis + 2]!);
        const outH = convOutputSize(geo.height, s.kernelH, s.padH, s.strideH, s.dilationH);
        const outW = convOutputSize(geo.width, s.kernelW, s.padW, s.strideW, s.dilationW);
        P = outH * outW;
        imageSize = channels * geo.height * geo.width;
        const colSize = channels * s.kernelH * s.kernelW * P;
        if (col.length < colSize) col = new Float32Array(colSize);
        for (let i = 0; i < bot.length; i++) reshapeBlob(top[i]!, [...shape.slice(0, s.axis), s.numOutput, outH, outW]);
      },
      forward(bot, top) {
        const W = params[0]!.data;
        for (let i = 0; i < bot.length; i++) {
          for (let n = 0; n < outer; n++) {
            imageToColumnSide(bot[i]!.data, n * imageSize, geo, W, s.group, s.numOutput, P, col, top[i]!.data, n * s.numOutput * P);
          }
          if (s.biasTerm) addBias(top[i]!.data, params[1]!.data, outer, s.numOutput, P);
        }
      },
      backward(top, propagateDown, bot) {
        const W = params[0]!;
        for (let i = 0; i < top.length; i++) {
          const dy = top[i]!.diff;
          if (s.biasTerm) accumulateBiasGrad(dy, params[1]!.diff, outer, s.numOutput, P);
          for (let n = 0; n < outer; n++) {
            const yOff = n * s.numOutput * P;
            accumulateWeightGrad(bot[i]!.data, n * imageSize, geo, dy, yOff, s.group, s.numOutput, P, col, W.diff);
            if (wants(propagateDown, i)) columnSideToImage(dy, yOff, geo, W.data, s.group, s.numOutput, P, col, bot[i]!.diff, n * imageSize);
          }
        }
      },
    };
  },
};
