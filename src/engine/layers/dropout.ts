/**
 * Dropout (dropout_ratio p, default 0.5). TRAIN: keep each value with
 * probability 1 - p (mask drawn from ctx.random: kept when random() >= p),
 * y = x * mask / (1 - p), dx = dy * mask / (1 - p). TEST: y = x, dx = dy.
 */
import type { LayerDefinition } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { check, num, sub, wants } from "./params.js";

export const dropoutLayer: LayerDefinition = {
  type: "Dropout",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param, _bottom, ctx) {
    const p = num(sub(param, "dropout_param"), "dropout_ratio", 0.5);
    check(param, p >= 0 && p < 1, `dropout_ratio must be in [0, 1) (got ${p})`);
    const scale = 1 / (1 - p);
    const train = ctx.phase === "TRAIN";
    let mask = new Uint8Array(0);
    return {
      params: [],
      reshape(bot, top) {
        if (top[0] !== bot[0]) reshapeBlob(top[0]!, bot[0]!.shape);
        if (mask.length !== bot[0]!.data.length) mask = new Uint8Array(bot[0]!.data.length);
      },
      forward(bot, top) {
        const x = bot[0]!.data, y = top[0]!.data;
        if (!train) { if (y !== x) y.set(x); return; }
        for (let i = 0; i < x.length; i++) {
          mask[i] = ctx.random() >= p ? 1 : 0;
          y[i] = x[i]! * mask[i]! * scale;
        }
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const dy = top[0]!.diff, dx = bot[0]!.diff;
        if (!train) { if (dx !== dy) dx.set(dy); return; }
        for (let i = 0; i < dy.length; i++) dx[i] = dy[i]! * mask[i]! * scale;
      },
    };
  },
};
