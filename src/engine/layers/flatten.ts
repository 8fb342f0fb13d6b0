/**
 * Flatten: axes axis..end_axis (flatten_param, defaults 1 and -1) become one.
 * Values are unchanged; dx = dy.
 */
import { countOf } from "../blob.js";
import { axisOf, check, num, sub } from "./params.js";
import { shapeOnlyLayer } from "./reshape-common.js";

export const flattenLayer = shapeOnlyLayer("Flatten", (param, bottom) => {
  const fp = sub(param, "flatten_param");
  const start = axisOf(param, num(fp, "axis", 1), bottom);
  const end = axisOf(param, num(fp, "end_axis", -1), bottom, "end_axis");
  check(param, start <= end, `axis ${start} comes after end_axis ${end}`);
  return [...bottom.shape.slice(0, start), countOf(bottom.shape, start, end + 1), ...bottom.shape.slice(end + 1)];
});
