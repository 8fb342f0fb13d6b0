/**
 * ReLU with optional leak: y = max(x, 0) + negative_slope * min(x, 0);
 * dx = dy * (x > 0 ? 1 : negative_slope). In place, x is read back from y,
 * as Caffe does (exact for negative_slope >= 0).
 */
import type { LayerDefinition } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { num, sub, wants } from "./params.js";

export const reluLayer: LayerDefinition = {
  type: "ReLU",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param) {
    const slope = num(sub(param, "relu_param"), "negative_slope", 0);
    return {
      params: [],
      reshape(bot, top) { if (top[0] !== bot[0]) reshapeBlob(top[0]!, bot[0]!.shape); },
      forward(bot, top) {
        const x = bot[0]!.data, y = top[0]!.data;
        for (let i = 0; i < x.length; i++) { const v = x[i]!; y[i] = Math.max(v, 0) + slope * Math.min(v, 0); }
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const x = bot[0]!.data, dy = top[0]!.diff, dx = bot[0]!.diff;
        for (let i = 0; i < x.length; i++) dx[i] = dy[i]! * (x[i]! > 0 ? 1 : slope);
      },
    };
  },
};
