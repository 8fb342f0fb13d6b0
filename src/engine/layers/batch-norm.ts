/**
 * BatchNorm, Caffe's version (no scale/shift of its own; pair it with Scale).
 * Bottom [N, C, ...], statistics per channel over m = N * spatial values.
 * Blobs: 0 = running sum of means, 1 = running sum of variances, 2 = [factor].
 *
 * use_global_stats (default: phase == TEST):
 *   mean = blob0 / factor, var = blob1 / factor (scale 0 when factor is 0),
 *   y = (x - mean) / sqrt(var + eps),  dx = dy / sqrt(var + eps).
 * Otherwise (batch statistics):
 *   mean = Σx / m, var = Σ(x - mean)^2 / m, y = (x - mean) / sqrt(var + eps), and the
 *   running sums advance: factor = maf * factor + 1, blob0 = maf * blob0 + mean,
 *   blob1 = maf * blob1 + m / (m - 1) * var (m / (m - 1) is 1 when m = 1);
 *   dx = (dy - Σdy / m - y * Σ(dy * y) / m) / sqrt(var + eps).
 * maf = moving_average_fraction (0.999), eps = 1e-5. The statistics blobs are
 * not learned: Caffe gives them lr_mult 0 (the solver's concern).
 */
import type { LayerDefinition } from "../types.js";
import { countOf, makeBlob, reshapeBlob } from "../blob.js";
import { bool, check, has, num, sub, wants } from "./params.js";
import { dotOf, squaredDeviationsOf, sumOf } from "../math/sums.js";

export const batchNormLayer: LayerDefinition = {
  type: "BatchNorm",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param, bottom, ctx) {
    const bp = sub(param, "batch_norm_param");
    const useGlobal = has(bp, "use_global_stats") ? bool(bp, "use_global_stats", false) : ctx.phase === "TEST";
    const maf = num(bp, "moving_average_fraction", Math.fround(0.999));
    const eps = num(bp, "eps", Math.fround(1e-5));
    const shape = bottom[0]!.shape;
    const C = shape.length === 1 ? 1 : shape[1]!;
    const params = [makeBlob([C]), makeBlob([C]), makeBlob([1])];
    const mean = new Float64Array(C), std = new Float64Array(C);
    let N = 0, spatial = 0;
    let normalized = new Float32Array(0);
    return {
      params,
      reshape(bot, top) {
        const s = bot[0]!.shape;
        check(param, (s.length === 1 ? 1 : s[1]!) === C, `channel count changed from ${C}`);
        N = s[0]!;
        spatial = countOf(s) / (N * C);
        if (top[0] !== bot[0]) reshapeBlob(top[0]!, s);
        if (normalized.length !== countOf(s)) normalized = new Float32Array(countOf(s));
      },
      forward(bot, top) {
        const x = bot[0]!.data, y = top[0]!.data;
        const m = N * spatial;
        if (useGlobal) {
          const factor = params[2]!.data[0]!;
          const scale = factor === 0 ? 0 : 1 / factor;
          for (let c = 0; c < C; c++) {
            mean[c] = Math.fround(scale * params[0]!.data[c]!);
            std[c] = Math.fround(Math.sqrt(Math.fround(Math.fround(scale * params[1]!.data[c]!) + eps)));
          }
        } else {
          for (let c = 0; c < C; c++) {
            let s = 0;
            for (let n = 0; n < N; n++) { const base = (n * C + c) * spatial; s += sumOf(x, base, base + spatial); }
            mean[c] = Math.fround(s / m);
          }
          const factor = params[2]!.data;
          factor[0] = Math.fround(maf * factor[0]!) + 1;
          const bias = m > 1 ? m / (m - 1) : 1;
          for (let c = 0; c < C; c++) {
            let s = 0;
            for (let n = 0; n < N; n++) {
              const base = (n * C + c) * spatial;
              s += squaredDeviationsOf(x, base, base + spatial, mean[c]!);
            }
            const variance = Math.fround(s / m);
            // Float steps as caffe_cpu_axpby: scale the running sum, then add.
            params[0]!.data[c] = Math.fround(maf * params[0]!.data[c]!) + mean[c]!;
            params[1]!.data[c] = Math.fround(maf * params[1]!.data[c]!) + Math.fround(bias * variance);
            std[c] = Math.fround(Math.sqrt(Math.fround(variance + eps)));
          }
        }
        for (let n = 0; n < N; n++) {
          for (let c = 0; c < C; c++) {
            const base = (n * C + c) * spatial, mu = mean[c]!, sd = std[c]!;
            for (let i = 0; i < spatial; i++) {
              const v = Math.fround(x[base + i]! - mu) / sd;
              y[base + i] = v;
              normalized[base + i] = v;
            }
          }
        }
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const dy = top[0]!.diff, dx = bot[0]!.diff;
        if (useGlobal) {
          for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
            const base = (n * C + c) * spatial, sd = std[c]!;
            for (let i = 0; i < spatial; i++) dx[base + i] = dy[base + i]! / sd;
          }
          return;
        }
        const m = N * spatial;
        for (let c = 0; c < C; c++) {
          let sumDy = 0, sumDyY = 0;
          for (let n = 0; n < N; n++) {
            const base = (n * C + c) * spatial;
            sumDy += sumOf(dy, base, base + spatial);
            sumDyY += dotOf(dy, normalized, base, base + spatial);
          }
          // Caffe scales the sums by -1/m (caffe_cpu_axpby) rather than dividing: one division per element, not two.
          const sd = std[c]!, meanDy = sumDy / m, meanDyY = sumDyY / m;
          for (let n = 0; n < N; n++) {
            const base = (n * C + c) * spatial;
            for (let i = 0; i < spatial; i++) {
              dx[base + i] = (dy[base + i]! - (meanDy + normalized[base + i]! * meanDyY)) / sd;
            }
          }
        }
      },
    };
  },
};
