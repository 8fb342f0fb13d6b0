/**
 * Reduction (reduction_param operation SUM, axis 0, coeff 1): every axis from
 * `axis` on is reduced, the top keeps the axes before it (axis 0: a scalar).
 * For each of the num = count(0, axis) rows of dim = count(axis) values:
 *   SUM: y = c Σ x    ASUM: y = c Σ |x|    SUMSQ: y = c Σ x²    MEAN: y = (c / dim) Σ x
 * Gradient (per row, with the same factor c or c / dim):
 *   SUM, MEAN: dx = c dy    ASUM: dx = c dy sign(x) (sign(0) = 0)    SUMSQ: dx = 2 c dy x
 */
import type { LayerDefinition } from "../types.js";
import { countOf, reshapeBlob } from "../blob.js";
import { axisOf, check, num, str, sub, wants } from "./params.js";

const OPERATIONS = ["SUM", "ASUM", "SUMSQ", "MEAN"] as const;
type Operation = (typeof OPERATIONS)[number];

export const reductionLayer: LayerDefinition = {
  type: "Reduction",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param) {
    const rp = sub(param, "reduction_param");
    const opName = str(rp, "operation", "SUM");
    check(param, (OPERATIONS as readonly string[]).includes(opName), `unknown operation "${opName}" (expected ${OPERATIONS.join(", ")})`);
    const op = opName as Operation;
    const axisSetting = num(rp, "axis", 0);
    const givenCoeff = Math.fround(num(rp, "coeff", 1));
    let rows = 0, dim = 0, coeff = givenCoeff;
    return {
      params: [],
      reshape(bot, top) {
        check(param, top[0] !== bot[0], "does not allow in-place computation");
        const shape = bot[0]!.shape, axis = axisOf(param, axisSetting, bot[0]!);
        rows = countOf(shape, 0, axis);
        dim = countOf(shape, axis);
        coeff = op === "MEAN" ? Math.fround(givenCoeff / dim) : givenCoeff;
        reshapeBlob(top[0]!, shape.slice(0, axis));
      },
      forward(bot, top) {
        const x = bot[0]!.data, y = top[0]!.data;
        for (let r = 0; r < rows; r++) {
          const base = r * dim;
          let s = 0;
          if (op === "ASUM") for (let j = 0; j < dim; j++) s += Math.abs(x[base + j]!);
          else if (op === "SUMSQ") for (let j = 0; j < dim; j++) { const v = x[base + j]!; s += v * v; }
          else for (let j = 0; j < dim; j++) s += x[base + j]!;
          y[r] = coeff === 1 ? s : Math.fround(s) * coeff;
        }
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const x = bot[0]!.data, dy = top[0]!.diff, dx = bot[0]!.diff;
        for (let r = 0; r < rows; r++) {
          const base = r * dim, g = Math.fround(dy[r]! * coeff);
          if (op === "ASUM") for (let j = 0; j < dim; j++) { const v = x[base + j]!; dx[base + j] = g * (+(v > 0) - +(v < 0)); }
          else if (op === "SUMSQ") for (let j = 0; j < dim; j++) dx[base + j] = 2 * g * x[base + j]!;
          else for (let j = 0; j < dim; j++) dx[base + j] = g;
        }
      },
    };
  },
};
