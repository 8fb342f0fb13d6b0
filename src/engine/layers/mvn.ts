/**
 * MVN, mean-variance normalisation (mvn_param normalize_variance true,
 * across_channels false, eps 1e-9). The bottom is read as Caffe's legacy
 * N x C x H x W (at most 4 axes, missing ones are 1) and the top always gets
 * that 4-d shape. Each row, (n, c) with H*W values or n with C*H*W values
 * across channels, is normalised on its own (dim values, mean m):
 *   y = x - m,  or with normalize_variance  y = (x - m) / (sqrt(mean((x - m)²)) + eps).
 * Note that eps is added to the standard deviation, not to the variance.
 * Gradients (Caffe's formulas, read from y and the stored s = std + eps):
 *   mean only:            dx = dy - mean(dy)
 *   normalize_variance:   dx = (dy - (Σ dy + y Σ (y dy)) / dim) / s
 * The latter is exact for eps = 0 (and to within eps / std otherwise).
 * In place is allowed (backward needs only y, dy and s).
 */
import type { LayerDefinition } from "../types.js";
import { countOf, reshapeBlob, shapeText } from "../blob.js";
import { bool, check, num, sub, wants } from "./params.js";

export const mvnLayer: LayerDefinition = {
  type: "MVN",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param) {
    const mp = sub(param, "mvn_param");
    const normalizeVariance = bool(mp, "normalize_variance", true);
    const acrossChannels = bool(mp, "across_channels", false);
    const eps = Math.fround(num(mp, "eps", 1e-9));
    let rows = 0, dim = 0;
    let scale = new Float32Array(0);
    return {
      params: [],
      reshape(bot, top) {
        const shape = bot[0]!.shape;
        check(param, shape.length <= 4, `needs a bottom with at most 4 axes (N x C x H x W), got ${shapeText(shape)}`);
        const legacy = [0, 1, 2, 3].map((i) => (i < shape.length ? shape[i]! : 1));
        rows = acrossChannels ? legacy[0]! : legacy[0]! * legacy[1]!;
        dim = rows === 0 ? 0 : countOf(legacy) / rows;
        if (top[0] === bot[0]) top[0]!.shape = legacy;
        else reshapeBlob(top[0]!, legacy);
        if (scale.length !== rows) scale = new Float32Array(rows);
      },
      forward(bot, top) {
        const x = bot[0]!.data, y = top[0]!.data;
        for (let r = 0; r < rows; r++) {
          const base = r * dim;
          let sum = 0;
          for (let j = 0; j < dim; j++) sum += x[base + j]!;
          const mean = Math.fround(sum / dim);
          for (let j = 0; j < dim; j++) y[base + j] = x[base + j]! - mean;
          if (!normalizeVariance) continue;
          let sq = 0;
          for (let j = 0; j < dim; j++) { const v = y[base + j]!; sq += v * v; }
          const s = Math.fround(Math.fround(Math.sqrt(Math.fround(sq / dim))) + eps);
          scale[r] = s;
          for (let j = 0; j < dim; j++) y[base + j] = y[base + j]! / s;
        }
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const y = top[0]!.data, dy = top[0]!.diff, dx = bot[0]!.diff;
        for (let r = 0; r < rows; r++) {
          const base = r * dim;
          let sumDy = 0, sumYDy = 0;
          for (let j = 0; j < dim; j++) { const g = dy[base + j]!; sumDy += g; sumYDy += Math.fround(y[base + j]! * g); }
          sumDy = Math.fround(sumDy);
          if (!normalizeVariance) {
            const meanDy = Math.fround(sumDy / dim);
            for (let j = 0; j < dim; j++) dx[base + j] = dy[base + j]! - meanDy;
            continue;
          }
          sumYDy = Math.fround(sumYDy);
          const s = scale[r]!;
          for (let j = 0; j < dim; j++) {
            const t = Math.fround(Math.fround(y[base + j]! * sumYDy) + sumDy);
            dx[base + j] = Math.fround(dy[base + j]! - t / dim) / s;
          }
        }
      },
    };
  },
};
