/**
 * Local response normalisation (lrn_param: local_size 5, alpha 1, beta 0.75,
 * norm_region ACROSS_CHANNELS, k 1).
 * ACROSS_CHANNELS (local_size odd), window W(c) = channels c - (n-1)/2 .. c + (n-1)/2:
 *   s = k + alpha / n * Σ_{c' in W(c)} x_{c'}^2,   y = x s^-beta,
 *   dx = dy s^-beta - (2 alpha beta / n) x Σ_{c' in W(c)} dy_{c'} y_{c'} / s_{c'}.
 * WITHIN_CHANNEL (Caffe builds it from Power, Pooling and Eltwise; k is ignored):
 *   s = 1 + alpha * AVE-pool(x^2) over n x n windows, pad (n-1)/2, stride 1
 *   (divisor n^2, clipped at the pad boundary as Pooling), y = x s^-beta,
 *   dx = dy s^-beta + 2 x * AVE-pool-adjoint(-alpha beta dy x s^(-beta-1)).
 */
import type { LayerDefinition } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { check, num, str, sub, wants } from "./params.js";
import { avePoolBackward, avePoolForward, pooledSize, type PoolGeometry } from "./pooling.js";

export const lrnLayer: LayerDefinition = {
  type: "LRN",
  bottoms: { exact: 1 },
  tops: { exact: 1 },
  create(param, bottom) {
    const lp = sub(param, "lrn_param");
    const size = num(lp, "local_size", 5);
    const alpha = num(lp, "alpha", 1), beta = num(lp, "beta", 0.75), k = num(lp, "k", 1);
    const region = str(lp, "norm_region", "ACROSS_CHANNELS");
    check(param, region === "ACROSS_CHANNELS" || region === "WITHIN_CHANNEL", `unknown norm_region ${region}`);
    check(param, size % 2 === 1 && size > 0, `local_size must be odd (got ${size})`);
    check(param, bottom[0]!.shape.length === 4, `needs a 4-d bottom (got ${bottom[0]!.shape.length} axes)`);
    const half = (size - 1) / 2;
    let N = 0, C = 0, plane = 0;
    let scale = new Float32Array(0), work = new Float32Array(0), work2 = new Float32Array(0);
    const geo: PoolGeometry = { height: 0, width: 0, kernelH: size, kernelW: size, padH: half, padW: half, strideH: 1, strideW: 1, outH: 0, outW: 0 };
    return {
      params: [],
      reshape(bot, top) {
        const s = bot[0]!.shape;
        N = s[0]!; C = s[1]!; plane = s[2]! * s[3]!;
        geo.height = s[2]!; geo.width = s[3]!;
        geo.outH = pooledSize(s[2]!, size, half, 1, true);
        geo.outW = pooledSize(s[3]!, size, half, 1, true);
        reshapeBlob(top[0]!, s);
        const n = N * C * plane;
        if (scale.length !== n) { scale = new Float32Array(n); work = new Float32Array(n); work2 = new Float32Array(n); }
      },
      forward(bot, top) {
        const x = bot[0]!.data;
        if (region === "ACROSS_CHANNELS") acrossChannelsScale(x, scale, N, C, plane, half, k, alpha / size);
        else withinChannelScale(x, scale, work, geo, N * C, alpha);
        scaleBy(x, top[0]!.data, scale, beta);
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const x = bot[0]!.data, y = top[0]!.data, dy = top[0]!.diff, dx = bot[0]!.diff;
        if (region === "ACROSS_CHANNELS") acrossChannelsBackward(x, y, dy, dx, scale, work, N, C, plane, half, (2 * alpha * beta) / size, beta);
        else withinChannelBackward(x, dy, dx, scale, work, work2, geo, N * C, alpha, beta);
      },
    };
  },
};

// The passes are module-level functions: every LRN layer's closures share V8's type feedback, and a
// loop optimised for one region was thrown away again and again when a layer of the other region
// reached the branch the first never took.

/** scale = k + alpha/n * Σ_{c' in W(c)} x_{c'}^2. */
function acrossChannelsScale(x: Float32Array, scale: Float32Array, N: number, C: number, plane: number, half: number, k: number, alphaOverSize: number): void {
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let p = 0; p < plane; p++) {
    let s = 0;
    for (let cc = Math.max(0, c - half); cc <= Math.min(C - 1, c + half); cc++) { const v = x[(n * C + cc) * plane + p]!; s += v * v; }
    scale[(n * C + c) * plane + p] = k + alphaOverSize * s;
  }
}

/** scale = 1 + alpha * AVE-pool(x^2). */
function withinChannelScale(x: Float32Array, scale: Float32Array, work: Float32Array, geo: PoolGeometry, planes: number, alpha: number): void {
  for (let i = 0; i < x.length; i++) work[i] = x[i]! * x[i]!;
  avePoolForward(geo, planes, work, 0, scale, 0);
  for (let i = 0; i < x.length; i++) scale[i] = 1 + alpha * scale[i]!;
}

/** y = x * scale^-beta. */
function scaleBy(x: Float32Array, y: Float32Array, scale: Float32Array, beta: number): void {
  for (let i = 0; i < x.length; i++) y[i] = x[i]! * Math.pow(scale[i]!, -beta);
}

function acrossChannelsBackward(
  x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array, scale: Float32Array, work: Float32Array,
  N: number, C: number, plane: number, half: number, ratio: number, beta: number,
): void {
  for (let i = 0; i < x.length; i++) work[i] = (dy[i]! * y[i]!) / scale[i]!;
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let p = 0; p < plane; p++) {
    let s = 0;
    for (let cc = Math.max(0, c - half); cc <= Math.min(C - 1, c + half); cc++) s += work[(n * C + cc) * plane + p]!;
    const i = (n * C + c) * plane + p;
    dx[i] = dy[i]! * Math.pow(scale[i]!, -beta) - ratio * x[i]! * s;
  }
}

function withinChannelBackward(
  x: Float32Array, dy: Float32Array, dx: Float32Array, scale: Float32Array, work: Float32Array, work2: Float32Array,
  geo: PoolGeometry, planes: number, alpha: number, beta: number,
): void {
  for (let i = 0; i < x.length; i++) work[i] = -alpha * beta * dy[i]! * x[i]! * Math.pow(scale[i]!, -beta - 1);
  work2.fill(0);
  avePoolBackward(geo, planes, work, 0, work2, 0);
  for (let i = 0; i < x.length; i++) dx[i] = dy[i]! * Math.pow(scale[i]!, -beta) + 2 * x[i]! * work2[i]!;
}
