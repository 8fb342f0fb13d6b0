/**
 * Reshape: replaces bottom axes [axis, axis + num_axes) (reshape_param, defaults
 * 0 and -1 = to the end) with reshape_param.shape, where a 0 dim copies the
 * bottom's dim at that position and one -1 dim is inferred from the count.
 * Values are unchanged; dx = dy.
 */
import { countOf, shapeText } from "../blob.js";
import { blobShapeDims, check, num, sub } from "./params.js";
import { shapeOnlyLayer } from "./reshape-common.js";

export const reshapeLayer = shapeOnlyLayer("Reshape", (param, bottom) => {
  const rp = sub(param, "reshape_param");
  const dims = blobShapeDims(sub(rp, "shape"));
  const rank = bottom.shape.length;
  const axisSetting = num(rp, "axis", 0), numAxes = num(rp, "num_axes", -1);
  const start = axisSetting < 0 ? axisSetting + rank + 1 : axisSetting;
  check(param, start >= 0 && start <= rank, `axis ${axisSetting} is out of range for ${rank} axes`);
  check(param, numAxes >= -1, `num_axes must be -1 or more (got ${numAxes})`);
  const end = numAxes === -1 ? rank : start + numAxes;
  check(param, end <= rank, `axis ${axisSetting} + num_axes ${numAxes} exceeds ${rank} axes`);
  const middle = dims.map((d, i) => {
    if (d === 0) {
      check(param, start + i < rank, `dim ${i} is 0 (copy) but the bottom has no axis ${start + i}`);
      return bottom.shape[start + i]!;
    }
    return d;
  });
  const inferred = middle.filter((d) => d === -1).length;
  check(param, inferred <= 1, "at most one dim may be -1");
  check(param, middle.every((d) => d >= -1), `bad reshape dims [${dims.join(", ")}]`);
  const shape = [...bottom.shape.slice(0, start), ...middle, ...bottom.shape.slice(end)];
  const total = countOf(bottom.shape);
  if (inferred === 1) {
    const known = -countOf(shape);
    check(param, known > 0 && total % known === 0, `cannot infer -1: ${total} values do not divide by ${known}`);
    shape[shape.indexOf(-1)] = total / known;
  }
  check(param, countOf(shape) === total, `shape ${shapeText(shape)} has ${countOf(shape)} values, bottom ${shapeText(bottom.shape)} has ${total}`);
  return shape;
});
