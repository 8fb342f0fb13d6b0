/**
 * InnerProduct: bottom viewed as M x K (M = count before `axis`, K = count from it).
 * Weight W is [N, K] ([K, N] with transpose: true), bias b is [N].
 *   y = x W^T + 1 b^T           (transpose: y = x W + 1 b^T)
 * Gradients:
 *   dW += dy^T x  (transpose: x^T dy),  db += Σ_rows dy,  dx = dy W  (transpose: dy W^T).
 */
import type { LayerDefinition } from "../types.js";
import { countOf, makeBlob, reshapeBlob } from "../blob.js";
import { fillBlob } from "../fillers.js";
import { gemm } from "../math/gemm.js";
import { axisOf, bool, check, num, optionalSub, sub, wants } from "./params.js";
import { accumulateBiasGrad, addBias } from "./conv-common.js";

export const innerProductLayer: LayerDefinition = {
  type: "InnerProduct",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param, bottom, ctx) {
    const ip = sub(param, "inner_product_param");
    const N = num(ip, "num_output", 0);
    check(param, N > 0, "num_output must be positive");
    const biasTerm = bool(ip, "bias_term", true);
    const transpose = bool(ip, "transpose", false);
    const axis = axisOf(param, num(ip, "axis", 1), bottom[0]!);
    const K = countOf(bottom[0]!.shape, axis);
    const weight = makeBlob(transpose ? [K, N] : [N, K]);
    fillBlob(weight, optionalSub(ip, "weight_filler"), ctx.random);
    const params = [weight];
    if (biasTerm) {
      const bias = makeBlob([N]);
      fillBlob(bias, optionalSub(ip, "bias_filler"), ctx.random);
      params.push(bias);
    }
    let M = 0;
    return {
      params,
      reshape(bot, top) {
        const shape = bot[0]!.shape;
        check(param, countOf(shape, axis) === K,
          `input size changed: ${countOf(shape, axis)} values per row, weights expect ${K}`);
        M = countOf(shape, 0, axis);
        reshapeBlob(top[0]!, [...shape.slice(0, axis), N]);
      },
      forward(bot, top) {
        gemm(false, !transpose, M, N, K, 1, bot[0]!.data, 0, weight.data, 0, 0, top[0]!.data, 0);
        if (biasTerm) addBias(top[0]!.data, params[1]!.data, M, N, 1);
      },
      backward(top, propagateDown, bot) {
        const dy = top[0]!.diff, x = bot[0]!.data;
        if (transpose) gemm(true, false, K, N, M, 1, x, 0, dy, 0, 1, weight.diff, 0);
        else gemm(true, false, N, K, M, 1, dy, 0, x, 0, 1, weight.diff, 0);
        if (biasTerm) accumulateBiasGrad(dy, params[1]!.diff, M, N, 1);
        if (wants(propagateDown, 0)) gemm(false, transpose, M, K, N, 1, dy, 0, weight.data, 0, 0, bot[0]!.diff, 0);
      },
    };
  },
};
