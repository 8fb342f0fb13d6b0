/**
 * Swish (swish_param beta 1): y = x * s with s = sigmoid(beta x), the sigmoid
 * computed as Caffe's Sigmoid layer does (0.5 tanh(0.5 t) + 0.5 on t = beta x
 * rounded to float) and kept for backward.
 * Gradient: dx = dy * (beta y + s (1 - beta y)), from y and s only, so in place works.
 */
import type { LayerDefinition } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { num, sub, wants } from "./params.js";

export const swishLayer: LayerDefinition = {
  type: "Swish",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param) {
    const beta = Math.fround(num(sub(param, "swish_param"), "beta", 1));
    let sigmoid = new Float32Array(0);
    return {
      params: [],
      reshape(bot, top) {
        if (top[0] !== bot[0]) reshapeBlob(top[0]!, bot[0]!.shape);
        if (sigmoid.length !== bot[0]!.data.length) sigmoid = new Float32Array(bot[0]!.data.length);
      },
      forward(bot, top) {
        const x = bot[0]!.data, y = top[0]!.data, s = sigmoid;
        for (let i = 0; i < x.length; i++) {
          const v = x[i]!;
          s[i] = 0.5 * Math.tanh(0.5 * Math.fround(beta * v)) + 0.5;
          y[i] = v * s[i]!;
        }
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const y = top[0]!.data, dy = top[0]!.diff, dx = bot[0]!.diff, s = sigmoid;
        for (let i = 0; i < y.length; i++) {
          const by = beta * y[i]!;
          dx[i] = dy[i]! * (by + s[i]! * (1 - by));
        }
      },
    };
  },
};
