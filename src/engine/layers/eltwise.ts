/**
 * Eltwise over equally shaped bottoms (operation SUM by default):
 *   SUM:  y = Σ_k coeff_k x_k (coeff default 1),   dx_k = coeff_k dy
 *   PROD: y = Π_k x_k,   dx_k = dy Π_{j != k} x_j (stable_prod_grad, default)
 *                        or dy y / x_k (stable_prod_grad: false)
 *   MAX:  y = max_k x_k (ties: Caffe's order, see below), dx_k = dy where k won, else 0.
 * MAX ties: between bottoms 0 and 1 bottom 1 wins, a later bottom must be strictly larger.
 */
import type { LayerDefinition } from "../types.js";
import { reshapeBlob, sameShape, shapeText } from "../blob.js";
import { bool, check, nums, str, sub, wants } from "./params.js";

export const eltwiseLayer: LayerDefinition = {
  type: "Eltwise",
  bottoms: { min: 2 },
  tops: { exact: 1 },
  create(param, bottom) {
    const ep = sub(param, "eltwise_param");
    const op = str(ep, "operation", "SUM");
    check(param, op === "SUM" || op === "PROD" || op === "MAX", `unknown operation ${op}`);
    const given = nums(ep, "coeff");
    check(param, given.length === 0 || given.length === bottom.length, `coeff must be given once per bottom (${bottom.length}), got ${given.length}`);
    check(param, op === "SUM" || given.length === 0, "coeff is only allowed with operation SUM");
    const coeff = given.length > 0 ? given : bottom.map(() => 1);
    const stable = bool(ep, "stable_prod_grad", true);
    let winner = new Int32Array(0);
    return {
      params: [],
      reshape(bot, top) {
        for (const b of bot) check(param, sameShape(b.shape, bot[0]!.shape), `bottoms differ in shape: ${shapeText(b.shape)} vs ${shapeText(bot[0]!.shape)}`);
        reshapeBlob(top[0]!, bot[0]!.shape);
        if (op === "MAX" && winner.length !== bot[0]!.data.length) winner = new Int32Array(bot[0]!.data.length);
      },
      forward(bot, top) {
        const y = top[0]!.data, n = y.length;
        if (op === "SUM") {
          y.fill(0);
          for (let k = 0; k < bot.length; k++) {
            const c = coeff[k]!, x = bot[k]!.data;
            for (let i = 0; i < n; i++) y[i] += c * x[i]!;
          }
        } else if (op === "PROD") {
          y.set(bot[0]!.data);
          for (let k = 1; k < bot.length; k++) { const x = bot[k]!.data; for (let i = 0; i < n; i++) y[i] *= x[i]!; }
        } else {
          const a = bot[0]!.data, b = bot[1]!.data;
          for (let i = 0; i < n; i++) {
            if (a[i]! > b[i]!) { y[i] = a[i]!; winner[i] = 0; } else { y[i] = b[i]!; winner[i] = 1; }
          }
          for (let k = 2; k < bot.length; k++) {
            const x = bot[k]!.data;
            for (let i = 0; i < n; i++) if (x[i]! > y[i]!) { y[i] = x[i]!; winner[i] = k; }
          }
        }
      },
      backward(top, propagateDown, bot) {
        const dy = top[0]!.diff, y = top[0]!.data, n = dy.length;
        for (let k = 0; k < bot.length; k++) {
          if (!wants(propagateDown, k)) continue;
          const b = bot[k]!, dx = b.diff;
          if (op === "SUM") {
            const c = coeff[k]!;
            for (let i = 0; i < n; i++) dx[i] = c * dy[i]!;
          } else if (op === "MAX") {
            for (let i = 0; i < n; i++) dx[i] = winner[i] === k ? dy[i]! : 0;
          } else if (stable) {
            for (let i = 0; i < n; i++) {
              let p = 1;
              for (let j = 0; j < bot.length; j++) if (j !== k) p *= bot[j]!.data[i]!;
              dx[i] = Math.fround(p) * dy[i]!;
            }
          } else {
            for (let i = 0; i < n; i++) dx[i] = (y[i]! / b.data[i]!) * dy[i]!;
          }
        }
      },
    };
  },
};
