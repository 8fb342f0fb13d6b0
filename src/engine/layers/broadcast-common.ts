/**
 * Shape rules shared by Scale and Bias: a per-"channel" operand s whose shape
 * equals bottom.shape[axis .. axis + s.ndims), broadcast over the outer axes
 * (before `axis`) and the inner ones (after the operand's axes). Element
 * (o, d, i) of the bottom pairs with s[d].
 */
import type { Blob, LayerParameter } from "../types.js";
import type { PlainMessage } from "../../schema/types.js";
import { canonicalAxis, countOf, makeBlob, shapeText } from "../blob.js";
import { fillBlob } from "../fillers.js";
import { check, num } from "./params.js";
import { dotOf, sumOf } from "../math/sums.js";

/** Operand shape for the parameter form: bottom.shape[axis .. axis + num_axes) (num_axes -1: to the end). */
export function operandShape(param: LayerParameter, settings: PlainMessage, bottom: Blob): number[] {
  const axisSetting = num(settings, "axis", 1), numAxes = num(settings, "num_axes", 1);
  check(param, numAxes >= -1, `num_axes must be -1 or more (got ${numAxes})`);
  const rank = bottom.shape.length;
  const axis = canonicalAxis(axisSetting, rank);
  check(param, axis >= 0 || (numAxes === 0 && (axisSetting === rank || axisSetting === 0)),
    `axis ${axisSetting} is out of range for a bottom of shape ${shapeText(bottom.shape)}`);
  const start = Math.max(axis, 0);
  const end = numAxes === -1 ? rank : start + numAxes;
  check(param, end <= rank, `axis ${axisSetting} + num_axes ${numAxes} exceeds the bottom's ${rank} axes`);
  return bottom.shape.slice(start, end);
}

/** The learned operand of the one-bottom form, filled with `filler`. */
export function learnedOperand(param: LayerParameter, settings: PlainMessage, bottom: Blob, filler: PlainMessage | undefined, random: () => number): Blob {
  const operand = makeBlob(operandShape(param, settings, bottom));
  fillBlob(operand, filler, random);
  return operand;
}

/** [outer, dim, inner] for `operand` applied to `bottom` starting at `axis` (given unnormalised). */
export function broadcastDims(param: LayerParameter, axisSetting: number, bottom: Blob, operand: readonly number[]): [number, number, number] {
  const rank = bottom.shape.length;
  const axis = operand.length === 0 ? 0 : canonicalAxis(axisSetting, rank);
  check(param, axis >= 0, `axis ${axisSetting} is out of range for a bottom of shape ${shapeText(bottom.shape)}`);
  check(param, axis + operand.length <= rank, `operand ${shapeText(operand)} does not fit bottom ${shapeText(bottom.shape)} at axis ${axis}`);
  for (let i = 0; i < operand.length; i++) {
    check(param, bottom.shape[axis + i] === operand[i],
      `operand shape ${shapeText(operand)} does not match bottom ${shapeText(bottom.shape)} from axis ${axis}`);
  }
  return [countOf(bottom.shape, 0, axis), countOf(operand), countOf(bottom.shape, axis + operand.length)];
}

/** target[d] (+)= Σ_{o, i} a[o, d, i] * (b ? b[o, d, i] : 1), summed in double. */
export function reduceOverBroadcast(
  a: Float32Array, b: Float32Array | undefined, outer: number, dim: number, inner: number, target: Float32Array, accumulate: boolean,
): void {
  for (let d = 0; d < dim; d++) {
    let s = 0;
    for (let o = 0; o < outer; o++) {
      const base = (o * dim + d) * inner;
      s += b ? dotOf(a, b, base, base + inner) : sumOf(a, base, base + inner);
    }
    target[d] = accumulate ? target[d]! + s : s;
  }
}
