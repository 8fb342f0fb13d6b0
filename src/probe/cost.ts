/**
 * Estimating what a probe costs before running it, from the static shapes:
 * multiply-adds of the layers that dominate (convolution, inner product),
 * times three for forward + backward, and the bytes of every blob's data and
 * diff. Rough, on purpose: it only has to tell "seconds" from "hours".
 */
import { num, sub } from "../model/access.js";
import { convGeometry } from "../model/shapes.js";
import type { PhaseNet } from "../model/types.js";

/**
 * Floating-point operations per second the engine sustains on one core, kept well under what
 * `npm run bench` measures (LeNet's ~0.85 GFLOP forward+backward in ~30 ms with the WebAssembly GEMM,
 * about 28 GFLOP/s; larger nets and slower machines do less), so that plans err on the safe side.
 */
export const ENGINE_FLOPS = 8e9;
/** Forward + backward cost relative to forward. */
const TRAIN_FACTOR = 3;

export interface CostEstimate {
  /** Operations of one forward + backward at the net's own batch size. */
  flopsPerIteration: number;
  /** Bytes of blobs (data + diff) at the net's own batch size. */
  bytes: number;
  batch: number;
}

export function estimateCost(net: PhaseNet, batch: number): CostEstimate {
  let forward = 0;
  let values = 0;
  for (const layer of net.layers) {
    for (const s of layer.topShapes) if (s) values += s.reduce((a, b) => a * b, 1);
    const top = layer.topShapes[0];
    const bottom = layer.bottomShapes[0];
    if (!top || !bottom) continue;
    if (layer.type === "Convolution" || layer.type === "Deconvolution") {
      const p = sub(layer.param, "convolution_param");
      const g = convGeometry(p);
      const group = num(p, "group", 1);
      const spatial = layer.type === "Convolution" ? top.slice(2) : bottom.slice(2);
      const inChannels = layer.type === "Convolution" ? bottom[1]! : top[1]!;
      const outChannels = layer.type === "Convolution" ? top[1]! : bottom[1]!;
      forward += 2 * top[0]! * outChannels * (inChannels / group) * g.kernel[0] * g.kernel[1] * spatial.reduce((a, b) => a * b, 1);
    } else if (layer.type === "InnerProduct") {
      forward += 2 * (layer.paramCount ?? 0) * (top[0] ?? 1);
    } else {
      forward += 5 * top.reduce((a, b) => a * b, 1);
    }
  }
  return { flopsPerIteration: forward * TRAIN_FACTOR, bytes: values * 4 * 2, batch };
}

/** Seconds for `iterations` at `batch`, scaling the estimate linearly with the batch. */
export function estimateSeconds(cost: CostEstimate, batch: number, iterations: number): number {
  return (cost.flopsPerIteration * (batch / Math.max(cost.batch, 1)) * iterations) / ENGINE_FLOPS;
}
