/**
 * SigmoidCrossEntropyLoss: logits x, targets t in [0, 1] of the same count.
 *   loss = -Σ_{valid i} [x_i (t_i - [x_i >= 0]) - log(1 + exp(x_i - 2 x_i [x_i >= 0]))] / normalizer,
 * the stable form of -[t log σ(x) + (1 - t) log(1 - σ(x))]. Targets equal to
 * ignore_label are skipped. normalization defaults to BATCH_SIZE (legacy
 * `normalize` applies when it is unset); the outer count is shape[0].
 * Gradient (w = loss weight): dx_i = w (σ(x_i) - t_i) / normalizer, 0 if ignored.
 */
import type { LayerDefinition } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { check, wants } from "./params.js";
import { normalizer, readLossSettings } from "./loss-common.js";

export const sigmoidCrossEntropyLossLayer: LayerDefinition = {
  type: "SigmoidCrossEntropyLoss",
  bottoms: { exact: 2 },
  tops: { exact: 1 },
  create(param) {
    const loss = readLossSettings(param, "BATCH_SIZE");
    let outer = 0, inner = 0, validCount = 0;
    return {
      params: [],
      defaultLossWeight: 1,
      allowForceBackward: (i) => i !== 1,
      reshape(bot, top) {
        check(param, bot[0]!.data.length === bot[1]!.data.length,
          `logits and targets must have the same count (${bot[0]!.data.length} vs ${bot[1]!.data.length})`);
        outer = bot[0]!.shape[0] ?? 1;
        inner = outer > 0 ? bot[0]!.data.length / outer : 0;
        reshapeBlob(top[0]!, []);
      },
      forward(bot, top) {
        const x = bot[0]!.data, t = bot[1]!.data;
        let s = 0;
        validCount = 0;
        for (let i = 0; i < x.length; i++) {
          if (loss.ignoreLabel !== undefined && Math.trunc(t[i]!) === loss.ignoreLabel) continue;
          const v = x[i]!, pos = v >= 0 ? 1 : 0;
          s -= v * (t[i]! - pos) - Math.log(1 + Math.exp(v - 2 * v * pos));
          validCount++;
        }
        top[0]!.data[0] = s / normalizer(loss.normalization, outer, inner, validCount);
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const x = bot[0]!.data, t = bot[1]!.data, dx = bot[0]!.diff;
        const w = top[0]!.diff[0]! / normalizer(loss.normalization, outer, inner, validCount);
        for (let i = 0; i < x.length; i++) {
          const ignored = loss.ignoreLabel !== undefined && Math.trunc(t[i]!) === loss.ignoreLabel;
          dx[i] = ignored ? 0 : w * (1 / (1 + Math.exp(-x[i]!)) - t[i]!);
        }
      },
    };
  },
};
