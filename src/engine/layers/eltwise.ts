/**
 * Eltwise over equally shaped bottoms (operation SUM by default):
 *   SUM:  y = Σ_k coeff_k x_k (coeff default 1),   dx_k = coeff_k dy
 *   PROD: y = Π_k x_k,   dx_k = dy Π_{j != k} x_j (stable_prod_grad, default)
 *                        or dy y / x_k (stable_prod_grad: false)
 *   MAX:  y = max_k x_k (ties: Caffe's order, see below), dx_k = dy where k won, else 0.
 * MAX ties: between bottoms 0 and 1 bottom 1 wins, a later bottom must be strictly larger.
 */
import type { Blob, LayerDefinition } from "../types.js";
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
        const y = top[0]!.data;
        if (op === "SUM") sumForward(bot, coeff, y);
        else if (op === "PROD") prodForward(bot, y);
        else maxForward(bot, y, winner);
      },
      backward(top, propagateDown, bot) {
        const dy = top[0]!.diff, y = top[0]!.data;
        for (let k = 0; k < bot.length; k++) {
          if (!wants(propagateDown, k)) continue;
          const dx = bot[k]!.diff;
          if (op === "SUM") scaled(dy, coeff[k]!, dx);
          else if (op === "MAX") routedTo(dy, winner, k, dx);
          else if (stable) prodOfOthersTimes(bot, k, dy, dx);
          else quotientTimes(y, bot[k]!.data, dy, dx);
        }
      },
    };
  },
};

// The loops are module-level functions: every Eltwise layer's closures share V8's type feedback, and
// a loop optimised for one operation would be thrown away again and again by a layer of another.

function sumForward(bot: Blob[], coeff: readonly number[], y: Float32Array): void {
  const n = y.length;
  y.fill(0);
  for (let k = 0; k < bot.length; k++) {
    const c = coeff[k]!, x = bot[k]!.data;
    for (let i = 0; i < n; i++) y[i] += c * x[i]!;
  }
}

function prodForward(bot: Blob[], y: Float32Array): void {
  const n = y.length;
  y.set(bot[0]!.data);
  for (let k = 1; k < bot.length; k++) { const x = bot[k]!.data; for (let i = 0; i < n; i++) y[i] *= x[i]!; }
}

/** y = the largest bottom (the first on ties), winner = its index. */
function maxForward(bot: Blob[], y: Float32Array, winner: Int32Array): void {
  const n = y.length, a = bot[0]!.data, b = bot[1]!.data;
  for (let i = 0; i < n; i++) {
    if (a[i]! > b[i]!) { y[i] = a[i]!; winner[i] = 0; } else { y[i] = b[i]!; winner[i] = 1; }
  }
  for (let k = 2; k < bot.length; k++) {
    const x = bot[k]!.data;
    for (let i = 0; i < n; i++) if (x[i]! > y[i]!) { y[i] = x[i]!; winner[i] = k; }
  }
}

function scaled(dy: Float32Array, c: number, dx: Float32Array): void {
  for (let i = 0; i < dy.length; i++) dx[i] = c * dy[i]!;
}

function routedTo(dy: Float32Array, winner: Int32Array, k: number, dx: Float32Array): void {
  for (let i = 0; i < dy.length; i++) dx[i] = winner[i] === k ? dy[i]! : 0;
}

/** dx = (product of the other bottoms, rounded to float) * dy: Caffe's stable_prod_grad. */
function prodOfOthersTimes(bot: Blob[], k: number, dy: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < dy.length; i++) {
    let p = 1;
    for (let j = 0; j < bot.length; j++) if (j !== k) p *= bot[j]!.data[i]!;
    dx[i] = Math.fround(p) * dy[i]!;
  }
}

/** dx = (y / x) * dy: Caffe's PROD gradient with stable_prod_grad false. */
function quotientTimes(y: Float32Array, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < dy.length; i++) dx[i] = (y[i]! / x[i]!) * dy[i]!;
}
