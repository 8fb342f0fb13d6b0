/**
 * Pooling (MAX, AVE; 2-D; global_pooling; round_mode CEIL (default) or FLOOR).
 * Output size: ceil((H + 2p - k) / s) + 1 (FLOOR: floor), then, when padded,
 * one fewer if the last window would start at or beyond H + p (Caffe's clip).
 * Window of output (py, px): rows [py*s - p, py*s - p + k).
 *   MAX: y = max over the window clipped to the image; dx[argmax] += dy.
 *        An optional second top holds the argmax index (as Caffe's mask).
 *   AVE: y = Σ(window clipped to the image) / |window clipped to [-p, H + p)|,
 *        so padding counts in the divisor except past the pad boundary;
 *        dx += dy / divisor over the clipped window.
 */
import type { LayerDefinition } from "../types.js";
import { countOf, reshapeBlob } from "../blob.js";
import { bool, check, has, num, str, sub, wants } from "./params.js";
import { getGemmBackend } from "../math/gemm.js";
import { getWasmMaxPool } from "../math/wasm/pool-kernel.js";
import { tryWasm } from "../math/wasm/runtime.js";

/** Pooling geometry of one plane. */
export interface PoolGeometry {
  height: number; width: number;
  kernelH: number; kernelW: number;
  padH: number; padW: number;
  strideH: number; strideW: number;
  outH: number; outW: number;
}

/** Caffe's pooled size along one axis. */
export function pooledSize(size: number, kernel: number, pad: number, stride: number, ceilMode: boolean): number {
  const span = (size + 2 * pad - kernel) / stride;
  let out = (ceilMode ? Math.ceil(span) : Math.floor(span)) + 1;
  if (pad > 0 && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** Average pooling of `planes` planes from x[xOff..] into y[yOff..], Caffe's divisor rule. */
export function avePoolForward(g: PoolGeometry, planes: number, x: Float32Array, xOff: number, y: Float32Array, yOff: number): void {
  averageWindows(g, planes, x, xOff, y, yOff, true);
}

/** Adjoint of avePoolForward: dx[xOff..] += spread of dy[yOff..] (dx is not cleared). */
export function avePoolBackward(g: PoolGeometry, planes: number, dy: Float32Array, yOff: number, dx: Float32Array, xOff: number): void {
  averageWindows(g, planes, dx, xOff, dy, yOff, false);
}

/** For every AVE window: pooled = Σ image / divisor (forward), or image += pooled / divisor (adjoint). */
function averageWindows(g: PoolGeometry, planes: number, image: Float32Array, imageOff: number, pooled: Float32Array, pooledOff: number, forward: boolean): void {
  const { height: H, width: W } = g;
  for (let c = 0; c < planes; c++) {
    const xp = imageOff + c * H * W, yp = pooledOff + c * g.outH * g.outW;
    for (let py = 0; py < g.outH; py++) {
      let h0 = py * g.strideH - g.padH;
      let h1 = Math.min(h0 + g.kernelH, H + g.padH);
      const rows = h1 - h0;
      h0 = Math.max(h0, 0); h1 = Math.min(h1, H);
      for (let px = 0; px < g.outW; px++) {
        let w0 = px * g.strideW - g.padW;
        let w1 = Math.min(w0 + g.kernelW, W + g.padW);
        const size = rows * (w1 - w0);
        w0 = Math.max(w0, 0); w1 = Math.min(w1, W);
        const at = yp + py * g.outW + px;
        if (forward) {
          let s = 0;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += image[xp + h * W + w]!;
          pooled[at] = s / size;
        } else {
          const share = pooled[at]! / size;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) image[xp + h * W + w] += share;
        }
      }
    }
  }
}

export const poolingLayer: LayerDefinition = {
  type: "Pooling",
  bottoms: { exact: 1 },
  tops: { min: 1, max: 2 },
  create(param, bottom) {
    const pp = sub(param, "pooling_param");
    const method = str(pp, "pool", "MAX");
    check(param, method === "MAX" || method === "AVE", `pool: ${method} is not supported (MAX and AVE are)`);
    const global = bool(pp, "global_pooling", false);
    const ceilMode = str(pp, "round_mode", "CEIL") !== "FLOOR";
    check(param, bottom[0]!.shape.length === 4, `needs a 4-d bottom (got ${bottom[0]!.shape.length} axes)`);
    const hw = (name: string, fallback: number): [number, number] => {
      if (has(pp, `${name}_h`) || has(pp, `${name}_w`)) return [num(pp, `${name}_h`, fallback), num(pp, `${name}_w`, fallback)];
      const v = num(pp, name === "kernel" ? "kernel_size" : name, fallback);
      return [v, v];
    };
    let [kernelH, kernelW] = hw("kernel", 0);
    const [padH, padW] = hw("pad", 0);
    const [strideH, strideW] = hw("stride", 1);
    if (global) {
      check(param, !has(pp, "kernel_size") && !has(pp, "kernel_h") && !has(pp, "kernel_w"), "global_pooling takes the kernel size from the input; do not set kernel_size");
      check(param, padH === 0 && padW === 0 && strideH === 1 && strideW === 1, "global_pooling requires pad 0 and stride 1");
    } else {
      check(param, kernelH > 0 && kernelW > 0, "kernel_size (or kernel_h and kernel_w) must be positive");
      check(param, padH < kernelH && padW < kernelW, "pad must be smaller than the kernel");
    }
    check(param, strideH > 0 && strideW > 0, "stride must be positive");
    const g: PoolGeometry = { height: 0, width: 0, kernelH, kernelW, padH, padW, strideH, strideW, outH: 0, outW: 0 };
    let planes = 0;
    let argmax = new Int32Array(0);
    return {
      params: [],
      reshape(bot, top) {
        const [n, c, h, w] = bot[0]!.shape as [number, number, number, number];
        if (global) { kernelH = h; kernelW = w; g.kernelH = h; g.kernelW = w; }
        g.height = h; g.width = w;
        g.outH = pooledSize(h, kernelH, padH, strideH, ceilMode);
        g.outW = pooledSize(w, kernelW, padW, strideW, ceilMode);
        check(param, g.outH > 0 && g.outW > 0, `output would be ${g.outH} x ${g.outW} for a ${h} x ${w} input`);
        planes = n * c;
        reshapeBlob(top[0]!, [n, c, g.outH, g.outW]);
        if (top[1]) {
          check(param, method === "MAX", "a second top (the argmax mask) needs pool: MAX");
          reshapeBlob(top[1], [n, c, g.outH, g.outW]);
        }
        if (argmax.length !== countOf(top[0]!.shape)) argmax = new Int32Array(countOf(top[0]!.shape));
      },
      forward(bot, top) {
        const x = bot[0]!.data, y = top[0]!.data;
        if (method === "AVE") { avePoolForward(g, planes, x, 0, y, 0); return; }
        // The WebAssembly sweep (bit-identical, no data-dependent branches) unless wasm is turned off.
        const wasm = getGemmBackend() === "ts" ? null : getWasmMaxPool();
        if (wasm !== null && tryWasm(() => wasm({ planes, ...g }, x, y, argmax))) {
          if (top[1]) for (let i = 0; i < argmax.length; i++) top[1].data[i] = argmax[i]!;
          return;
        }
        // Geometry in local constants: the hot loop reads no object properties or closure variables.
        const H = g.height, W = g.width, outH = g.outH, outW = g.outW;
        const kH = kernelH, kW = kernelW, sH = strideH, sW = strideW, pH = padH, pW = padW;
        const mask = argmax;
        for (let c = 0; c < planes; c++) {
          const xp = c * H * W, yp = c * outH * outW;
          for (let py = 0; py < outH; py++) {
            const hs = py * sH - pH;
            const h0 = hs > 0 ? hs : 0, h1 = hs + kH < H ? hs + kH : H;
            for (let px = 0; px < outW; px++) {
              const ws = px * sW - pW;
              const w0 = ws > 0 ? ws : 0, w1 = ws + kW < W ? ws + kW : W;
              let best = -3.4028234663852886e38, at = -1;
              if (h1 - h0 === 2 && w1 - w0 === 2) {
                // The common 2x2 window, unrolled; same order and comparisons as the general loop.
                const i0 = h0 * W + w0, i1 = i0 + W;
                const a = x[xp + i0]!, b = x[xp + i0 + 1]!, c2 = x[xp + i1]!, d = x[xp + i1 + 1]!;
                if (a > best) { best = a; at = i0; }
                if (b > best) { best = b; at = i0 + 1; }
                if (c2 > best) { best = c2; at = i1; }
                if (d > best) { best = d; at = i1 + 1; }
              } else {
                for (let hh = h0; hh < h1; hh++) {
                  const row = xp + hh * W;
                  for (let ww = w0; ww < w1; ww++) {
                    const v = x[row + ww]!;
                    if (v > best) { best = v; at = hh * W + ww; }
                  }
                }
              }
              const o = yp + py * outW + px;
              y[o] = best;
              mask[o] = at;
            }
          }
        }
        if (top[1]) for (let i = 0; i < argmax.length; i++) top[1].data[i] = argmax[i]!;
      },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const dx = bot[0]!.diff, dy = top[0]!.diff;
        dx.fill(0);
        if (method === "AVE") { avePoolBackward(g, planes, dy, 0, dx, 0); return; }
        const planeIn = g.height * g.width, planeOut = g.outH * g.outW;
        for (let c = 0; c < planes; c++) {
          for (let i = 0; i < planeOut; i++) {
            const at = argmax[c * planeOut + i]!;
            if (at >= 0) dx[c * planeIn + at] += dy[c * planeOut + i]!;
          }
        }
      },
    };
  },
};
