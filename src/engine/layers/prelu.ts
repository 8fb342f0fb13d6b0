/**
 * PReLU: y = max(x, 0) + a_c min(x, 0), one learned slope per channel (axis 1),
 * or a single one with channel_shared; filler default constant 0.25.
 * Gradients: da_c += Σ_{channel c} dy x (x <= 0),  dx = dy ((x > 0) + a_c (x <= 0)).
 * In place, x is kept from the forward pass.
 */
import type { LayerDefinition } from "../types.js";
import { countOf, makeBlob, reshapeBlob } from "../blob.js";
import { fillBlob } from "../fillers.js";
import { bool, check, optionalSub, sub, wants } from "./params.js";

export const preluLayer: LayerDefinition = {
  type: "PReLU",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param, bottom, ctx) {
    const pp = sub(param, "prelu_param");
    const shared = bool(pp, "channel_shared", false);
    check(param, bottom[0]!.shape.length >= 2, "needs a bottom with at least 2 axes");
    const channels = bottom[0]!.shape[1]!;
    const slope = makeBlob([shared ? 1 : channels]);
    fillBlob(slope, optionalSub(pp, "filler") ?? { type: "constant", value: 0.25 }, ctx.random);
    let outer = 0, inner = 0;
    let saved = new Float32Array(0);
    return {
      params: [slope],
      reshape(bot, top) {
        const s = bot[0]!.shape;
        check(param, s[1] === channels, `channel count changed from ${channels}`);
        outer = s[0]!; inner = countOf(s, 2);
        if (top[0] !== bot[0]) reshapeBlob(top[0]!, s);
        else if (saved.length !== bot[0]!.data.length) saved = new Float32Array(bot[0]!.data.length);
      },
      forward(bot, top) {
        const x = bot[0]!.data;
        if (top[0] === bot[0]) saved.set(x);
        preluForward(x, top[0]!.data, slope.data, shared, outer, channels, inner);
      },
      backward(top, propagateDown, bot) {
        const x = top[0] === bot[0] ? saved : bot[0]!.data, dy = top[0]!.diff;
        accumulateSlopeGrad(x, dy, slope.diff, shared, outer, channels, inner);
        if (wants(propagateDown, 0)) preluInputGrad(x, dy, bot[0]!.diff, slope.data, shared, outer, channels, inner);
      },
    };
  },
};

// The loops are module-level functions: every PReLU layer's closures share V8's type feedback, and
// a loop optimised for one layer was thrown away again and again when another reached a branch the
// first never took.

function preluForward(x: Float32Array, y: Float32Array, a: Float32Array, shared: boolean, outer: number, channels: number, inner: number): void {
  for (let n = 0; n < outer; n++) for (let c = 0; c < channels; c++) {
    const base = (n * channels + c) * inner, k = a[shared ? 0 : c]!;
    for (let i = 0; i < inner; i++) { const v = x[base + i]!; y[base + i] = Math.max(v, 0) + k * Math.min(v, 0); }
  }
}

/** slopeDiff[c] += Σ dy * x * (x <= 0), as Caffe multiplies (so an infinite x gives NaN, as there). */
function accumulateSlopeGrad(x: Float32Array, dy: Float32Array, slopeDiff: Float32Array, shared: boolean, outer: number, channels: number, inner: number): void {
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let n = 0; n < outer; n++) {
      const base = (n * channels + c) * inner;
      for (let i = 0; i < inner; i++) { const v = x[base + i]!; s += dy[base + i]! * v * +(v <= 0); }
    }
    slopeDiff[shared ? 0 : c] += s;
  }
}

/** dx = dy * ((x > 0) + a_c * (x <= 0)), Caffe's factor, without a branch per element. */
function preluInputGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, a: Float32Array, shared: boolean, outer: number, channels: number, inner: number): void {
  for (let n = 0; n < outer; n++) for (let c = 0; c < channels; c++) {
    const base = (n * channels + c) * inner, k = a[shared ? 0 : c]!;
    for (let i = 0; i < inner; i++) { const v = x[base + i]!; dx[base + i] = dy[base + i]! * (+(v > 0) + k * +(v <= 0)); }
  }
}
