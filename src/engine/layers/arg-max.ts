/**
 * ArgMax (argmax_param out_max_val false, top_k 1, axis unset): the indices of
 * the top_k largest values, largest first.
 * - axis unset: over the count(1) values of each item n; top shape
 *   [N, 1, top_k] (padded with 1s to the bottom's axes, at least 3); with
 *   out_max_val the top is [N, 2, top_k]: the indices, then their values.
 * - axis set: along that axis for every other position; the top is the
 *   bottom's shape with top_k at `axis`, holding the indices, or with
 *   out_max_val the values instead.
 * Ties are ordered as Caffe's partial_sort of (value, index) pairs with
 * std::greater: of equal values the larger index comes first.
 * No gradient (Caffe's Backward is NOT_IMPLEMENTED and aborts if asked): the
 * engine writes zeros to the bottom's diff when asked, and the layer opts out
 * of force_backward.
 */
import type { LayerDefinition } from "../types.js";
import { countOf, reshapeBlob } from "../blob.js";
import { axisOf, bool, check, has, num, sub, wants } from "./params.js";

export const argMaxLayer: LayerDefinition = {
  type: "ArgMax",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param, bottom) {
    const ap = sub(param, "argmax_param");
    const outMaxVal = bool(ap, "out_max_val", false);
    const topK = num(ap, "top_k", 1);
    check(param, Number.isInteger(topK) && topK >= 1, `top_k must be at least 1 (got ${topK})`);
    const hasAxis = has(ap, "axis");
    const axis = hasAxis ? axisOf(param, num(ap, "axis", 0), bottom[0]!) : -1;
    if (hasAxis) check(param, topK <= bottom[0]!.shape[axis]!, `top_k (${topK}) exceeds the size of axis ${axis} (${bottom[0]!.shape[axis]})`);
    else check(param, topK <= countOf(bottom[0]!.shape, 1), `top_k (${topK}) exceeds the ${countOf(bottom[0]!.shape, 1)} values per item`);
    let dim = 0, stride = 1, count = 0;
    let order = new Int32Array(0);
    return {
      params: [],
      allowForceBackward: () => false,
      reshape(bot, top) {
        check(param, top[0] !== bot[0], "does not allow in-place computation");
        const shape = bot[0]!.shape;
        let topShape: number[];
        if (hasAxis) {
          dim = shape[axis]!;
          stride = countOf(shape, axis + 1);
          topShape = [...shape];
          topShape[axis] = topK;
        } else {
          dim = countOf(shape, 1);
          stride = 1;
          topShape = new Array<number>(Math.max(shape.length, 3)).fill(1);
          topShape[0] = shape[0]!;
          topShape[1] = outMaxVal ? 2 : 1;
          topShape[2] = topK;
        }
        check(param, topK <= dim, `top_k (${topK}) exceeds the ${dim} values compared`);
        count = countOf(shape);
        reshapeBlob(top[0]!, topShape);
        if (order.length !== dim) order = new Int32Array(dim);
      },
      forward(bot, top) {
        const x = bot[0]!.data, y = top[0]!.data;
        const rows = dim === 0 ? 0 : count / dim;
        for (let i = 0; i < rows; i++) {
          // Row i is x[base + j * stride], j < dim; its results go to the same place with topK for dim.
          const outerIndex = Math.floor(i / stride), innerIndex = i % stride;
          const base = outerIndex * dim * stride + innerIndex;
          selectTop(order, x, base, stride, dim, topK);
          for (let k = 0; k < topK; k++) {
            const j = order[k]!, v = x[base + j * stride]!;
            if (!hasAxis && outMaxVal) {
              y[2 * i * topK + k] = j;
              y[2 * i * topK + topK + k] = v;
            } else {
              y[(outerIndex * topK + k) * stride + innerIndex] = outMaxVal ? v : j;
            }
          }
        }
      },
      backward(_top, propagateDown, bot) { if (wants(propagateDown, 0)) bot[0]!.diff.fill(0); },
    };
  },
};

/**
 * Put the indices j of the `k` greatest of x[base + j * stride] (j < n) in
 * order[0..k), greatest first; a tie goes to the larger index (std::greater on
 * (value, index) pairs). A partial selection sort: k passes over the row.
 */
function selectTop(order: Int32Array, x: Float32Array, base: number, stride: number, n: number, k: number): void {
  for (let j = 0; j < n; j++) order[j] = j;
  for (let p = 0; p < k; p++) {
    let best = p;
    let bestValue = x[base + order[p]! * stride]!;
    for (let q = p + 1; q < n; q++) {
      const v = x[base + order[q]! * stride]!;
      if (v > bestValue || (v === bestValue && order[q]! > order[best]!)) { best = q; bestValue = v; }
    }
    const t = order[p]!; order[p] = order[best]!; order[best] = t;
  }
}
