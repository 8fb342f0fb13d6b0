/**
 * AbsVal: y = |x|.  Gradient: dx = dy * sign(x), with sign(0) = 0 (Caffe's
 * caffe_cpu_sign, so the kink at 0 passes no gradient). Caffe refuses to run
 * it in place (the sign of x would be lost), and so does the engine.
 */
import type { LayerDefinition } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { check, wants } from "./params.js";

export const absValLayer: LayerDefinition = {
  type: "AbsVal",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param) {
    return {
      params: [],
      reshape(bot, top) {
        check(param, top[0] !== bot[0], "does not allow in-place computation (its gradient needs the sign of the input)");
        reshapeBlob(top[0]!, bot[0]!.shape);
      },
      forward(bot, top) {
        const x = bot[0]!.data, y = top[0]!.data;
        for (let i = 0; i < x.length; i++) y[i] = Math.abs(x[i]!);
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const x = bot[0]!.data, dy = top[0]!.diff, dx = bot[0]!.diff;
        // (0 < x) - (x < 0) as numbers: 0 at 0 and for NaN, as caffe_cpu_sign.
        for (let i = 0; i < x.length; i++) { const v = x[i]!; dx[i] = dy[i]! * (+(v > 0) - +(v < 0)); }
      },
    };
  },
};
