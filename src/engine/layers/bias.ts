/**
 * Bias: y[o, d, i] = x[o, d, i] + b[d], b either a learned blob of shape
 * bottom.shape[axis .. axis + num_axes) (filler default constant 0) or a
 * second bottom. Gradients: db[d] = Σ_{o,i} dy (accumulated for the blob,
 * written for a bottom), dx = dy.
 */
import type { Blob, LayerDefinition } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { num, optionalSub, sub, wants } from "./params.js";
import { broadcastDims, learnedOperand, reduceOverBroadcast } from "./broadcast-common.js";

export const biasLayer: LayerDefinition = {
  type: "Bias",
  bottoms: { min: 1, max: 2 },
  tops: { exact: 1 },
  create(param, bottom, ctx) {
    const bp = sub(param, "bias_param");
    const axis = num(bp, "axis", 1);
    const params: Blob[] = [];
    if (bottom.length === 1) params.push(learnedOperand(param, bp, bottom[0]!, optionalSub(bp, "filler"), ctx.random));
    let dims: [number, number, number] = [0, 0, 0];
    const biasOf = (bot: Blob[]): Blob => (bot.length === 2 ? bot[1]! : params[0]!);
    return {
      params,
      reshape(bot, top) {
        dims = broadcastDims(param, axis, bot[0]!, biasOf(bot).shape);
        if (top[0] !== bot[0]) reshapeBlob(top[0]!, bot[0]!.shape);
      },
      forward(bot, top) {
        const [outer, dim, inner] = dims;
        const x = bot[0]!.data, y = top[0]!.data, b = biasOf(bot).data;
        for (let o = 0; o < outer; o++) {
          for (let d = 0; d < dim; d++) {
            const base = (o * dim + d) * inner, v = b[d]!;
            for (let i = 0; i < inner; i++) y[base + i] = x[base + i]! + v;
          }
        }
      },
      backward(top, propagateDown, bot) {
        const [outer, dim, inner] = dims;
        const dy = top[0]!.diff;
        if (bot.length === 1) reduceOverBroadcast(dy, undefined, outer, dim, inner, params[0]!.diff, true);
        else if (wants(propagateDown, 1)) reduceOverBroadcast(dy, undefined, outer, dim, inner, bot[1]!.diff, false);
        if (wants(propagateDown, 0) && top[0] !== bot[0]) bot[0]!.diff.set(dy);
      },
    };
  },
};
