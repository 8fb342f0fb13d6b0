/**
 * SoftmaxWithLoss: softmax along `axis` (softmax_param.axis, default 1), then the
 * multinomial logistic loss of the integer labels (bottom[1], one per outer x inner position):
 *   loss = -Σ_{valid i} log(max(p_{i, label_i}, FLT_MIN)) / normalizer
 * summed in float32 as Caffe does (a saturated wrong answer costs -ln(FLT_MIN) = 87.33654).
 * Positions whose label is ignore_label are skipped. normalization defaults to VALID.
 * Gradient (w = top diff, the loss weight): dx_{i,c} = w (p_{i,c} - [c = label_i]) / normalizer,
 * 0 for ignored positions. Optional top[1] is the probabilities. No gradient for labels.
 */
import type { LayerDefinition } from "../types.js";
import { countOf, makeBlob, reshapeBlob, shapeText } from "../blob.js";
import { axisOf, check, fail, num, sub, wants } from "./params.js";
import { softmaxForward } from "./softmax.js";
import { normalizer, readLossSettings } from "./loss-common.js";

/** Smallest positive normal float32. */
export const FLT_MIN = 1.1754943508222875e-38;

export const softmaxWithLossLayer: LayerDefinition = {
  type: "SoftmaxWithLoss",
  bottoms: { exact: 2 },
  tops: { min: 1, max: 2 },
  create(param, bottom) {
    const axis = axisOf(param, num(sub(param, "softmax_param"), "axis", 1), bottom[0]!);
    const loss = readLossSettings(param, "VALID");
    const prob = makeBlob(bottom[0]!.shape);
    let outer = 0, channels = 0, inner = 0, validCount = 0;
    return {
      params: [],
      defaultLossWeight: 1,
      allowForceBackward: (i) => i !== 1,
      reshape(bot, top) {
        const shape = bot[0]!.shape;
        outer = countOf(shape, 0, axis); channels = shape[axis]!; inner = countOf(shape, axis + 1);
        check(param, countOf(bot[1]!.shape) === outer * inner,
          `labels ${shapeText(bot[1]!.shape)} must have one value per prediction (${outer * inner}) for predictions ${shapeText(shape)}`);
        reshapeBlob(prob, shape);
        reshapeBlob(top[0]!, []);
        if (top[1]) reshapeBlob(top[1], shape);
      },
      forward(bot, top) {
        softmaxForward(bot[0]!.data, prob.data, outer, channels, inner);
        const p = prob.data, labels = bot[1]!.data;
        let sum = 0;
        validCount = 0;
        for (let o = 0; o < outer; o++) {
          for (let j = 0; j < inner; j++) {
            const label = Math.trunc(labels[o * inner + j]!);
            if (loss.ignoreLabel !== undefined && label === loss.ignoreLabel) continue;
            if (!(label >= 0 && label < channels)) fail(param, `label ${label} is outside [0, ${channels})`);
            sum = Math.fround(sum - Math.fround(Math.log(Math.max(p[(o * channels + label) * inner + j]!, FLT_MIN))));
            validCount++;
          }
        }
        top[0]!.data[0] = sum / normalizer(loss.normalization, outer, inner, validCount);
        if (top[1]) top[1].data.set(p);
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const dx = bot[0]!.diff, labels = bot[1]!.data;
        dx.set(prob.data);
        for (let o = 0; o < outer; o++) {
          for (let j = 0; j < inner; j++) {
            const label = Math.trunc(labels[o * inner + j]!);
            if (loss.ignoreLabel !== undefined && label === loss.ignoreLabel) {
              for (let c = 0; c < channels; c++) dx[(o * channels + c) * inner + j] = 0;
            } else {
              dx[(o * channels + label) * inner + j] -= 1;
            }
          }
        }
        const scale = top[0]!.diff[0]! / normalizer(loss.normalization, outer, inner, validCount);
        for (let i = 0; i < dx.length; i++) dx[i] *= scale;
      },
    };
  },
};
