/**
 * EuclideanLoss: loss = Σ (a - b)^2 / (2 N), N = bottom[0].shape[0].
 * Gradients (w = loss weight): da = w (a - b) / N, db = -w (a - b) / N.
 */
import type { LayerDefinition } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { check, wants } from "./params.js";

export const euclideanLossLayer: LayerDefinition = {
  type: "EuclideanLoss",
  bottoms: { exact: 2 },
  tops: { exact: 1 },
  create(param) {
    let difference = new Float32Array(0);
    return {
      params: [],
      defaultLossWeight: 1,
      allowForceBackward: () => true,
      reshape(bot, top) {
        check(param, bot[0]!.data.length === bot[1]!.data.length,
          `bottoms must have the same count (${bot[0]!.data.length} vs ${bot[1]!.data.length})`);
        if (difference.length !== bot[0]!.data.length) difference = new Float32Array(bot[0]!.data.length);
        reshapeBlob(top[0]!, []);
      },
      forward(bot, top) {
        const a = bot[0]!.data, b = bot[1]!.data;
        let s = 0;
        for (let i = 0; i < a.length; i++) { const d = Math.fround(a[i]! - b[i]!); difference[i] = d; s += d * d; }
        top[0]!.data[0] = s / bot[0]!.shape[0]! / 2;
      },
      backward(top, propagateDown, bot) {
        for (let k = 0; k < 2; k++) {
          if (!wants(propagateDown, k)) continue;
          const alpha = ((k === 0 ? 1 : -1) * top[0]!.diff[0]!) / bot[k]!.shape[0]!;
          const dx = bot[k]!.diff;
          for (let i = 0; i < dx.length; i++) dx[i] = alpha * difference[i]!;
        }
      },
    };
  },
};
