/**
 * Tile (tile_param axis 1, tiles required and positive): the top repeats, for
 * each index of the axes before `axis`, the whole block from `axis` on `tiles`
 * times, so top.shape[axis] = tiles * bottom.shape[axis].
 *   y[o, t, r] = x[o, r]   (o < outer = count before axis, t < tiles, r < inner = count from axis)
 * Gradient: dx[o, r] = Σ_t dy[o, t, r].
 */
import type { LayerDefinition } from "../types.js";
import { countOf, reshapeBlob } from "../blob.js";
import { axisOf, check, has, num, sub, wants } from "./params.js";

export const tileLayer: LayerDefinition = {
  type: "Tile",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param) {
    const tp = sub(param, "tile_param");
    check(param, has(tp, "tiles"), "tile_param.tiles must be specified");
    const tiles = num(tp, "tiles", 0);
    check(param, Number.isInteger(tiles) && tiles > 0, `tiles must be a positive integer (got ${tiles})`);
    const axisSetting = num(tp, "axis", 1);
    let outer = 0, inner = 0;
    return {
      params: [],
      reshape(bot, top) {
        check(param, top[0] !== bot[0], "does not allow in-place computation");
        const shape = bot[0]!.shape, axis = axisOf(param, axisSetting, bot[0]!);
        outer = countOf(shape, 0, axis);
        inner = countOf(shape, axis);
        const topShape = [...shape];
        topShape[axis] = shape[axis]! * tiles;
        reshapeBlob(top[0]!, topShape);
      },
      forward(bot, top) {
        const x = bot[0]!.data, y = top[0]!.data;
        for (let o = 0; o < outer; o++) {
          const from = o * inner;
          for (let t = 0; t < tiles; t++) {
            const to = (o * tiles + t) * inner;
            for (let r = 0; r < inner; r++) y[to + r] = x[from + r]!;
          }
        }
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const dy = top[0]!.diff, dx = bot[0]!.diff;
        for (let o = 0; o < outer; o++) {
          const base = o * inner;
          for (let r = 0; r < inner; r++) dx[base + r] = dy[o * tiles * inner + r]!;
          for (let t = 1; t < tiles; t++) {
            const from = (o * tiles + t) * inner;
            for (let r = 0; r < inner; r++) dx[base + r] += dy[from + r]!;
          }
        }
      },
    };
  },
};
