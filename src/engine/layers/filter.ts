/**
 * Filter: bottoms data_0 .. data_{k-1} and a selector last, tops 0 .. k-1.
 * The selector has shape [N] (any further axes must be 1); every data bottom
 * has N items along axis 0. Items whose selector value is non-zero (NaN counts
 * as non-zero, as in C++) are kept, in order:
 *   top_t[p] = bottom_t[i_p]   for the kept items i_0 < i_1 < ...
 * Gradient: dbottom_t[i_p] = dtop_t[p], zero for the items dropped. The
 * selector gets no gradient: Caffe aborts when asked for one and so does the
 * engine; the selector opts out of force_backward.
 * Like Caffe, the first reshape (SetUp) gives the tops all N items, so layers
 * after it are set up before any selector values exist; every later reshape
 * sizes them to the kept items.
 */
import type { LayerDefinition } from "../types.js";
import { countOf, reshapeBlob, shapeText } from "../blob.js";
import { check, fail, wants } from "./params.js";

export const filterLayer: LayerDefinition = {
  type: "Filter",
  bottoms: { min: 2 },
  tops: { min: 1 },
  create(param, bottom) {
    const selectorIndex = bottom.length - 1;
    let firstReshape = true;
    let kept = new Int32Array(0), keptCount = 0;
    return {
      params: [],
      allowForceBackward: (i) => i !== selectorIndex,
      reshape(bot, top) {
        check(param, top.length === bot.length - 1, `needs one top per data bottom: ${bot.length - 1} data bottom(s), ${top.length} top(s)`);
        const selector = bot[selectorIndex]!;
        check(param, selector.shape.length >= 1, "the selector (last bottom) needs an item axis");
        const items = selector.shape[0]!;
        check(param, selector.shape.slice(1).every((d) => d === 1),
          `the selector (last bottom) must have shape [N] or [N, 1, ...], got ${shapeText(selector.shape)}`);
        for (let t = 0; t < selectorIndex; t++) {
          check(param, bot[t] !== top[t], "does not allow in-place computation");
          check(param, bot[t]!.shape.length > 0 && bot[t]!.shape[0] === items,
            `bottom ${t} (${shapeText(bot[t]!.shape)}) must have the selector's ${items} items along axis 0`);
        }
        if (kept.length !== items) kept = new Int32Array(items);
        keptCount = 0;
        const s = selector.data;
        for (let i = 0; i < items; i++) if (s[i] !== 0) kept[keptCount++] = i;
        const rows = firstReshape ? items : keptCount;
        firstReshape = false;
        for (let t = 0; t < selectorIndex; t++) reshapeBlob(top[t]!, [rows, ...bot[t]!.shape.slice(1)]);
      },
      forward(bot, top) {
        for (let t = 0; t < selectorIndex; t++) {
          const x = bot[t]!.data, y = top[t]!.data, dim = countOf(bot[t]!.shape, 1);
          for (let p = 0; p < keptCount; p++) {
            const from = kept[p]! * dim, to = p * dim;
            for (let j = 0; j < dim; j++) y[to + j] = x[from + j]!;
          }
        }
      },
      backward(top, propagateDown, bot) {
        if (wants(propagateDown, selectorIndex)) fail(param, "cannot backpropagate to its selector (last bottom; set propagate_down: false for it)");
        for (let t = 0; t < selectorIndex; t++) {
          if (!wants(propagateDown, t)) continue;
          const dy = top[t]!.diff, dx = bot[t]!.diff, dim = countOf(bot[t]!.shape, 1);
          dx.fill(0);
          for (let p = 0; p < keptCount; p++) {
            const from = p * dim, to = kept[p]! * dim;
            for (let j = 0; j < dim; j++) dx[to + j] = dy[from + j]!;
          }
        }
      },
    };
  },
};
