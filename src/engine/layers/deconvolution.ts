/**
 * Deconvolution: the adjoint of Convolution in x (weights [C_in, num_output/g, kh, kw]).
 * Output size s(H - 1) + d(k - 1) + 1 - 2p. Forward, per sample and group:
 *   y = col2im(W_g^T * x_g) (+ b ⊗ 1).
 * Gradients: db += Σ dy,  dW_g += x_g * im2col(dy)_g^T,  dx_g = W_g * im2col(dy)_g.
 */
import type { LayerDefinition } from "../types.js";
import { countOf, reshapeBlob } from "../blob.js";
import type { ConvGeometry } from "../math/im2col.js";
import { check, wants } from "./params.js";
import {
  accumulateBiasGrad, accumulateWeightGrad, addBias, columnSideToImage, geometry, imageToColumnSide,
  makeConvParams, readConvSettings,
} from "./conv-common.js";

export const deconvolutionLayer: LayerDefinition = {
  type: "Deconvolution",
  bottoms: { min: 1 },
  tops: { min: 1 },
  create(param, bottom, ctx) {
    const s = readConvSettings(param, bottom[0]!);
    const inChannels = bottom[0]!.shape[s.axis]!;
    const params = makeConvParams(s, inChannels, s.numOutput, s.numOutput, ctx);
    let geo: ConvGeometry = geometry(s, s.numOutput, 1, 1);
    let col = new Float32Array(0);
    let outer = 0, P = 0, imageSize = 0;
    return {
      params,
      reshape(bot, top) {
        const shape = bot[0]!.shape;
        outer = countOf(shape, 0, s.axis);
        const h = shape[s.axis + 1]!, w = shape[s.axis + 2]!;
        const outH = s.strideH * (h - 1) + s.dilationH * (s.kernelH - 1) + 1 - 2 * s.padH;
        const outW = s.strideW * (w - 1) + s.dilationW * (s.kernelW - 1) + 1 - 2 * s.padW;
        check(param, outH > 0 && outW > 0, `output would be ${outH} x ${outW}`);
        geo = geometry(s, s.numOutput, outH, outW);
        P = h * w;
        imageSize = s.numOutput * outH * outW;
        const colSize = s.numOutput * s.kernelH * s.kernelW * P;
        if (col.length < colSize) col = new Float32Array(colSize);
        for (let i = 0; i < bot.length; i++) reshapeBlob(top[i]!, [...shape.slice(0, s.axis), s.numOutput, outH, outW]);
      },
      forward(bot, top) {
        const W = params[0]!.data;
        for (let i = 0; i < bot.length; i++) {
          for (let n = 0; n < outer; n++) {
            columnSideToImage(bot[i]!.data, n * inChannels * P, geo, W, s.group, inChannels, P, col, top[i]!.data, n * imageSize);
          }
          if (s.biasTerm) addBias(top[i]!.data, params[1]!.data, outer, s.numOutput, imageSize / s.numOutput);
        }
      },
      backward(top, propagateDown, bot) {
        const W = params[0]!;
        for (let i = 0; i < top.length; i++) {
          const dy = top[i]!.diff;
          if (s.biasTerm) accumulateBiasGrad(dy, params[1]!.diff, outer, s.numOutput, imageSize / s.numOutput);
          for (let n = 0; n < outer; n++) {
            const xOff = n * inChannels * P;
            accumulateWeightGrad(dy, n * imageSize, geo, bot[i]!.data, xOff, s.group, inChannels, P, col, W.diff);
            if (wants(propagateDown, i)) imageToColumnSide(dy, n * imageSize, geo, W.data, s.group, inChannels, P, col, bot[i]!.diff, xOff);
          }
        }
      },
    };
  },
};
