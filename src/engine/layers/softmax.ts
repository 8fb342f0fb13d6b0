/**
 * Softmax along `axis` (default 1), for every (outer, inner) position:
 *   y_c = exp(x_c - max_c' x_c') / Σ_c' exp(x_c' - max x).
 * Gradient: dx_c = y_c (dy_c - Σ_c' dy_c' y_c').
 */
import type { LayerDefinition } from "../types.js";
import { countOf, reshapeBlob } from "../blob.js";
import { axisOf, num, sub, wants } from "./params.js";

/** Softmax of x into y over `channels` at stride `inner`, for outer x inner positions. */
export function softmaxForward(x: Float32Array, y: Float32Array, outer: number, channels: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * channels * inner + j;
      let max = -Infinity;
      for (let c = 0; c < channels; c++) max = Math.max(max, x[base + c * inner]!);
      let sum = 0;
      for (let c = 0; c < channels; c++) {
        const e = Math.fround(Math.exp(x[base + c * inner]! - max));
        y[base + c * inner] = e;
        sum += e;
      }
      for (let c = 0; c < channels; c++) y[base + c * inner] = y[base + c * inner]! / sum;
    }
  }
}

/** The Softmax layer's shape bookkeeping: [outer, channels, inner] around the axis. */
export function softmaxDims(shape: readonly number[], axis: number): [number, number, number] {
  return [countOf(shape, 0, axis), shape[axis]!, countOf(shape, axis + 1)];
}

export const softmaxLayer: LayerDefinition = {
  type: "Softmax",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param, bottom) {
    const axis = axisOf(param, num(sub(param, "softmax_param"), "axis", 1), bottom[0]!);
    let dims: [number, number, number] = [0, 0, 0];
    return {
      params: [],
      reshape(bot, top) {
        dims = softmaxDims(bot[0]!.shape, axis);
        if (top[0] !== bot[0]) reshapeBlob(top[0]!, bot[0]!.shape);
      },
      forward(bot, top) { softmaxForward(bot[0]!.data, top[0]!.data, dims[0], dims[1], dims[2]); },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const [outer, channels, inner] = dims;
        const y = top[0]!.data, dy = top[0]!.diff, dx = bot[0]!.diff;
        for (let o = 0; o < outer; o++) {
          for (let j = 0; j < inner; j++) {
            const base = o * channels * inner + j;
            let d = 0;
            for (let c = 0; c < channels; c++) d += dy[base + c * inner]! * y[base + c * inner]!;
            for (let c = 0; c < channels; c++) dx[base + c * inner] = y[base + c * inner]! * (dy[base + c * inner]! - d);
          }
        }
      },
    };
  },
};
