/**
 * Concat along `axis` (concat_param.axis, default 1; legacy concat_dim):
 * y = [x_1 | x_2 | ...]; every other axis must agree. dx_k = the slice of dy
 * that x_k filled.
 */
import type { LayerDefinition } from "../types.js";
import { countOf, reshapeBlob, shapeText } from "../blob.js";
import { axisOf, check, has, num, sub, wants } from "./params.js";

/** Copy blocks between a whole blob (`whole`, axis size `total`) and a part at `offset` along the axis. */
export function copyAlongAxis(
  part: Float32Array, whole: Float32Array, outer: number, partAxis: number, total: number, offset: number, inner: number, toWhole: boolean,
): void {
  const block = partAxis * inner;
  for (let o = 0; o < outer; o++) {
    const p = o * block, w = (o * total + offset) * inner;
    if (toWhole) for (let i = 0; i < block; i++) whole[w + i] = part[p + i]!;
    else for (let i = 0; i < block; i++) part[p + i] = whole[w + i]!;
  }
}

export const concatLayer: LayerDefinition = {
  type: "Concat",
  bottoms: { min: 1 },
  tops: { exact: 1 },
  create(param, bottom) {
    const cp = sub(param, "concat_param");
    check(param, !(has(cp, "axis") && has(cp, "concat_dim")), "give either axis or concat_dim, not both");
    const axis = axisOf(param, has(cp, "concat_dim") ? num(cp, "concat_dim", 1) : num(cp, "axis", 1), bottom[0]!);
    let outer = 0, inner = 0, total = 0;
    return {
      params: [],
      reshape(bot, top) {
        const s0 = bot[0]!.shape;
        total = 0;
        for (const b of bot) {
          check(param, b.shape.length === s0.length && b.shape.every((d, i) => i === axis || d === s0[i]),
            `bottoms ${shapeText(b.shape)} and ${shapeText(s0)} differ outside axis ${axis}`);
          total += b.shape[axis]!;
        }
        outer = countOf(s0, 0, axis); inner = countOf(s0, axis + 1);
        const shape = [...s0]; shape[axis] = total;
        reshapeBlob(top[0]!, shape);
      },
      forward(bot, top) {
        let offset = 0;
        for (const b of bot) { copyAlongAxis(b.data, top[0]!.data, outer, b.shape[axis]!, total, offset, inner, true); offset += b.shape[axis]!; }
      },
      backward(top, propagateDown, bot) {
        let offset = 0;
        for (let k = 0; k < bot.length; k++) {
          const b = bot[k]!;
          if (wants(propagateDown, k)) copyAlongAxis(b.diff, top[0]!.diff, outer, b.shape[axis]!, total, offset, inner, false);
          offset += b.shape[axis]!;
        }
      },
    };
  },
};
