/**
 * Input: tops of fixed shapes (input_param.shape; one shape for all tops or one
 * per top). Forward leaves the tops as the host filled them, or asks the
 * host for their values (ctx.inputValues) when it provides them; no backward.
 */
import type { LayerDefinition } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { blobShapeDims, check, sub, subs } from "./params.js";

export const inputLayer: LayerDefinition = {
  type: "Input",
  bottoms: { exact: 0 },
  tops: { min: 1 },
  create(param, _bottom, ctx) {
    const shapes = subs(sub(param, "input_param"), "shape").map(blobShapeDims);
    const tops = Array.isArray(param["top"]) ? param["top"].length : 1;
    check(param, shapes.length === 1 || shapes.length === tops,
      `input_param.shape must be given once or once per top (${tops} tops, ${shapes.length} shapes)`);
    for (const s of shapes) check(param, s.every((d) => Number.isInteger(d) && d >= 0), `bad input shape [${s.join(", ")}]`);
    return {
      params: [],
      reshape(_bottom, top) {
        top.forEach((t, i) => reshapeBlob(t, shapes.length === 1 ? shapes[0]! : shapes[i]!));
      },
      forward(_bottom, top) {
        if (ctx.inputValues) top.forEach((t, i) => ctx.inputValues!(param, i, t));
      },
      backward() {},
    };
  },
};
