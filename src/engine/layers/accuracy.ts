/**
 * Accuracy (accuracy_param: top_k 1, axis 1, ignore_label): the fraction of
 * non-ignored positions whose true class is among the top_k scores, where a
 * class ties in when its score is >= the true class's score (Caffe's count).
 * Optional top[1]: per-class accuracy. 0 when nothing was counted. No backward.
 */
import type { LayerDefinition } from "../types.js";
import { countOf, reshapeBlob, shapeText } from "../blob.js";
import { axisOf, check, fail, has, num, sub } from "./params.js";

export const accuracyLayer: LayerDefinition = {
  type: "Accuracy",
  bottoms: { exact: 2 },
  tops: { min: 1, max: 2 },
  create(param, bottom) {
    const ap = sub(param, "accuracy_param");
    const topK = num(ap, "top_k", 1);
    const axis = axisOf(param, num(ap, "axis", 1), bottom[0]!);
    const ignore = has(ap, "ignore_label") ? num(ap, "ignore_label", 0) : undefined;
    let outer = 0, classes = 0, inner = 0;
    let perClass = new Float64Array(0), perClassCount = new Float64Array(0);
    return {
      params: [],
      allowForceBackward: () => false,
      reshape(bot, top) {
        const s = bot[0]!.shape;
        outer = countOf(s, 0, axis); classes = s[axis]!; inner = countOf(s, axis + 1);
        check(param, topK <= classes, `top_k (${topK}) exceeds the number of classes (${classes})`);
        check(param, countOf(bot[1]!.shape) === outer * inner,
          `labels ${shapeText(bot[1]!.shape)} must have one value per prediction (${outer * inner})`);
        reshapeBlob(top[0]!, []);
        if (top[1]) reshapeBlob(top[1], [classes]);
        if (perClass.length !== classes) { perClass = new Float64Array(classes); perClassCount = new Float64Array(classes); }
      },
      forward(bot, top) {
        const x = bot[0]!.data, labels = bot[1]!.data;
        let correct = 0, counted = 0;
        perClass.fill(0); perClassCount.fill(0);
        for (let o = 0; o < outer; o++) {
          for (let j = 0; j < inner; j++) {
            const label = Math.trunc(labels[o * inner + j]!);
            if (ignore !== undefined && label === ignore) continue;
            if (!(label >= 0 && label < classes)) fail(param, `label ${label} is outside [0, ${classes})`);
            perClassCount[label]++;
            const truth = x[(o * classes + label) * inner + j]!;
            let better = 0; // classes scoring >= the true one, itself included
            for (let c = 0; c < classes && better <= topK; c++) if (x[(o * classes + c) * inner + j]! >= truth) better++;
            if (better <= topK) { correct++; perClass[label]++; }
            counted++;
          }
        }
        top[0]!.data[0] = counted === 0 ? 0 : correct / counted;
        if (top[1]) for (let c = 0; c < classes; c++) top[1].data[c] = perClassCount[c] === 0 ? 0 : perClass[c]! / perClassCount[c]!;
      },
      backward() {},
    };
  },
};
