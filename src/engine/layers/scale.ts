/**
 * Scale: y[o, d, i] = x[o, d, i] * s[d] (+ b[d] with bias_term), s either a
 * learned blob of shape bottom.shape[axis .. axis + num_axes) (filler default
 * constant 1) or a second bottom. Gradients:
 *   ds[d] = Σ_{o,i} dy * x (accumulated for the blob, written for a bottom),
 *   db[d] += Σ_{o,i} dy,   dx = dy * s[d].
 * In place, x is kept from the forward pass.
 */
import type { Blob, LayerDefinition } from "../types.js";
import { makeBlob, reshapeBlob } from "../blob.js";
import { fillBlob } from "../fillers.js";
import { bool, num, optionalSub, sub, wants } from "./params.js";
import { broadcastDims, learnedOperand, reduceOverBroadcast } from "./broadcast-common.js";

export const scaleLayer: LayerDefinition = {
  type: "Scale",
  bottoms: { min: 1, max: 2 },
  tops: { exact: 1 },
  create(param, bottom, ctx) {
    const sp = sub(param, "scale_param");
    const axis = num(sp, "axis", 1);
    const params: Blob[] = [];
    let scaleShape: number[];
    if (bottom.length === 1) {
      const scale = learnedOperand(param, sp, bottom[0]!, optionalSub(sp, "filler") ?? { type: "constant", value: 1 }, ctx.random);
      params.push(scale);
      scaleShape = scale.shape;
    } else {
      scaleShape = bottom[1]!.shape;
    }
    const biasTerm = bool(sp, "bias_term", false);
    let bias: Blob | undefined;
    if (biasTerm) {
      bias = makeBlob(scaleShape);
      fillBlob(bias, optionalSub(sp, "bias_filler"), ctx.random);
      params.push(bias);
    }
    let dims: [number, number, number] = [0, 0, 0];
    let saved = new Float32Array(0);
    const scaleOf = (bot: Blob[]): Blob => (bot.length === 2 ? bot[1]! : params[0]!);
    return {
      params,
      reshape(bot, top) {
        dims = broadcastDims(param, axis, bot[0]!, scaleOf(bot).shape);
        if (top[0] !== bot[0]) reshapeBlob(top[0]!, bot[0]!.shape);
        else if (saved.length !== bot[0]!.data.length) saved = new Float32Array(bot[0]!.data.length);
      },
      forward(bot, top) {
        const [outer, dim, inner] = dims;
        const x = bot[0]!.data, y = top[0]!.data, s = scaleOf(bot).data;
        if (top[0] === bot[0]) saved.set(x);
        for (let o = 0; o < outer; o++) {
          for (let d = 0; d < dim; d++) {
            const base = (o * dim + d) * inner, k = s[d]!, b = bias ? bias.data[d]! : 0;
            if (bias) for (let i = 0; i < inner; i++) y[base + i] = x[base + i]! * k + b;
            else for (let i = 0; i < inner; i++) y[base + i] = x[base + i]! * k;
          }
        }
      },
      backward(top, propagateDown, bot) {
        const [outer, dim, inner] = dims;
        const dy = top[0]!.diff, x = top[0] === bot[0] ? saved : bot[0]!.data;
        const scale = scaleOf(bot);
        if (bot.length === 1) reduceOverBroadcast(dy, x, outer, dim, inner, scale.diff, true);
        else if (wants(propagateDown, 1)) reduceOverBroadcast(dy, x, outer, dim, inner, scale.diff, false);
        if (bias) reduceOverBroadcast(dy, undefined, outer, dim, inner, bias.diff, true);
        if (!wants(propagateDown, 0)) return;
        const dx = bot[0]!.diff, s = scale.data;
        for (let o = 0; o < outer; o++) {
          for (let d = 0; d < dim; d++) {
            const base = (o * dim + d) * inner, k = s[d]!;
            for (let i = 0; i < inner; i++) dx[base + i] = dy[base + i]! * k;
          }
        }
      },
    };
  },
};
