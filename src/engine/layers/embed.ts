/**
 * Embed (embed_param num_output N and input_dim K, both required; bias_term
 * true; weight_filler and bias_filler default constant 0): a lookup table.
 * Each of the M bottom values is an integer index i in [0, K) and gives the row
 * W[i] of the [K, N] weight (the transpose of InnerProduct's layout), plus b:
 *   y[m] = W[x_m] + b,   top shape = bottom shape + [N].
 * Gradients: dW[x_m] += dy[m],  db += Σ_m dy[m]. The indices get no gradient:
 * Caffe aborts when asked for one ("Can't backpropagate to EmbedLayer input"),
 * and so does the engine; the layer opts out of force_backward for them.
 * An index that is not an integer in range is an error (Caffe only checks it
 * in debug builds and reads out of bounds otherwise).
 */
import type { LayerDefinition } from "../types.js";
import { countOf, makeBlob, reshapeBlob } from "../blob.js";
import { fillBlob } from "../fillers.js";
import { bool, check, fail, num, optionalSub, sub, wants } from "./params.js";

export const embedLayer: LayerDefinition = {
  type: "Embed",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param, _bottom, ctx) {
    const ep = sub(param, "embed_param");
    const N = num(ep, "num_output", 0), K = num(ep, "input_dim", 0);
    check(param, N > 0, "num_output must be positive");
    check(param, K > 0, "input_dim must be positive");
    const biasTerm = bool(ep, "bias_term", true);
    const weight = makeBlob([K, N]);
    fillBlob(weight, optionalSub(ep, "weight_filler"), ctx.random);
    const params = [weight];
    if (biasTerm) {
      const bias = makeBlob([N]);
      fillBlob(bias, optionalSub(ep, "bias_filler"), ctx.random);
      params.push(bias);
    }
    let M = 0;
    const indexAt = (x: Float32Array, m: number): number => {
      const v = x[m]!;
      if (!(Number.isInteger(v) && v >= 0 && v < K)) fail(param, `index ${v} (bottom position ${m}) is not an integer in [0, ${K})`);
      return v;
    };
    return {
      params,
      allowForceBackward: () => false,
      reshape(bot, top) {
        check(param, top[0] !== bot[0], "does not allow in-place computation");
        M = countOf(bot[0]!.shape);
        reshapeBlob(top[0]!, [...bot[0]!.shape, N]);
      },
      forward(bot, top) {
        const x = bot[0]!.data, y = top[0]!.data, w = weight.data;
        for (let m = 0; m < M; m++) {
          const row = indexAt(x, m) * N, out = m * N;
          for (let n = 0; n < N; n++) y[out + n] = w[row + n]!;
        }
        if (biasTerm) {
          const b = params[1]!.data;
          for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) y[m * N + n] += b[n]!;
        }
      },
      backward(top, propagateDown, bot) {
        if (wants(propagateDown, 0)) fail(param, "cannot backpropagate to its index input (set propagate_down: false for it)");
        const x = bot[0]!.data, dy = top[0]!.diff, dw = weight.diff;
        for (let m = 0; m < M; m++) {
          const row = indexAt(x, m) * N, from = m * N;
          for (let n = 0; n < N; n++) dw[row + n] += dy[from + n]!;
        }
        if (biasTerm) {
          const db = params[1]!.diff;
          for (let n = 0; n < N; n++) {
            let s = 0;
            for (let m = 0; m < M; m++) s += dy[m * N + n]!;
            db[n] += s;
          }
        }
      },
    };
  },
};
