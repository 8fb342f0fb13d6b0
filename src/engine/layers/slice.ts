/**
 * Slice along `axis` (slice_param.axis, default 1; legacy slice_dim) at the
 * ascending slice_point list, or into equal parts (one per top) without one.
 * Forward copies each part; dx is the concatenation of the tops' diffs.
 */
import type { LayerDefinition } from "../types.js";
import { countOf, reshapeBlob } from "../blob.js";
import { axisOf, check, has, num, nums, sub, wants } from "./params.js";
import { copyAlongAxis } from "./concat.js";

export const sliceLayer: LayerDefinition = {
  type: "Slice",
  bottoms: { exact: 1 },
  tops: { min: 1 },
  create(param, bottom) {
    const sp = sub(param, "slice_param");
    check(param, !(has(sp, "axis") && has(sp, "slice_dim")), "give either axis or slice_dim, not both");
    const axis = axisOf(param, has(sp, "slice_dim") ? num(sp, "slice_dim", 1) : num(sp, "axis", 1), bottom[0]!);
    const points = nums(sp, "slice_point");
    let sizes: number[] = [];
    let outer = 0, inner = 0, total = 0;
    return {
      params: [],
      reshape(bot, top) {
        const s = bot[0]!.shape;
        total = s[axis]!;
        if (points.length > 0) {
          check(param, points.length === top.length - 1, `slice_point must be given ${top.length - 1} times (tops - 1), got ${points.length}`);
          const bounds = [0, ...points, total];
          sizes = top.map((_, i) => bounds[i + 1]! - bounds[i]!);
          check(param, sizes.every((n) => n > 0), `slice points [${points.join(", ")}] must increase strictly within (0, ${total})`);
        } else {
          check(param, total % top.length === 0, `axis ${axis} of size ${total} cannot be split evenly into ${top.length} tops`);
          sizes = top.map(() => total / top.length);
        }
        outer = countOf(s, 0, axis); inner = countOf(s, axis + 1);
        top.forEach((t, i) => { const shape = [...s]; shape[axis] = sizes[i]!; reshapeBlob(t, shape); });
      },
      forward(bot, top) {
        for (let i = 0, offset = 0; i < top.length; offset += sizes[i]!, i++) {
          copyAlongAxis(top[i]!.data, bot[0]!.data, outer, sizes[i]!, total, offset, inner, false);
        }
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        for (let i = 0, offset = 0; i < top.length; offset += sizes[i]!, i++) {
          copyAlongAxis(top[i]!.diff, bot[0]!.diff, outer, sizes[i]!, total, offset, inner, true);
        }
      },
    };
  },
};
