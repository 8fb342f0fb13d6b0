/**
 * im2col / col2im for 2-D convolution (Caffe's layout). For one image of
 * C x H x W, the column buffer has C*kh*kw rows and outH*outW columns: row
 * (c, i, j) holds, for each output position (y, x), the input pixel at
 * (y*sh - ph + i*dh, x*sw - pw + j*dw), or 0 outside the image.
 * col2im is the adjoint: it adds every column entry back onto its pixel.
 *
 * Both take a batch: `count` images (image n at off + n * imageStride) share
 * one column buffer of C*kh*kw rows and count*outH*outW columns, image n's
 * columns being n*outH*outW .. (n+1)*outH*outW - 1 of every row, so one GEMM
 * serves the whole batch.
 *
 * `im2col`/`col2im` run the WebAssembly version (./wasm/im2col-kernel.ts,
 * bit-identical: the same copies and the same order of additions) unless the
 * gemm backend is "ts" (BNLINT_GEMM=ts, see ./gemm.ts) or the column buffer
 * is tiny; `im2colTs`/`col2imTs` are the TypeScript reference.
 */
import { getGemmBackend } from "./gemm.js";
import { createWasmIm2col, type WasmIm2col } from "./wasm/im2col-kernel.js";
import { tryWasm } from "./wasm/runtime.js";

/** Geometry of one 2-D convolution window sweep. */
export interface ConvGeometry {
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  padH: number;
  padW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
}

/** Output size of a sweep along one axis (floor rounding, as Caffe's convolution). */
export function convOutputSize(size: number, kernel: number, pad: number, stride: number, dilation: number): number {
  const extent = dilation * (kernel - 1) + 1;
  return Math.floor((size + 2 * pad - extent) / stride) + 1;
}

/** Below this many column-buffer entries the TypeScript sweep is used (copying in and out would dominate). */
export const WASM_MIN_COLUMN_ENTRIES = 256;

let wasmSweeps: WasmIm2col | null | undefined; // undefined: not tried yet; null: unavailable

/** The WebAssembly im2col/col2im, instantiated on first use; null without WebAssembly. */
export function getWasmIm2col(): WasmIm2col | null {
  if (wasmSweeps === undefined) wasmSweeps = createWasmIm2col();
  return wasmSweeps;
}

/** Output rows and columns of a sweep. */
function outputShape(g: ConvGeometry): { outH: number; outW: number } {
  return {
    outH: convOutputSize(g.height, g.kernelH, g.padH, g.strideH, g.dilationH),
    outW: convOutputSize(g.width, g.kernelW, g.padW, g.strideW, g.dilationW),
  };
}

/** The WebAssembly sweeps when they should serve this sweep, else null (then the TypeScript one runs). */
function wasmFor(g: ConvGeometry, outH: number, outW: number): WasmIm2col | null {
  const backend = getGemmBackend();
  if (backend === "ts" || outH <= 0 || outW <= 0) return null;
  if (backend === "auto" && g.channels * g.kernelH * g.kernelW * outH * outW < WASM_MIN_COLUMN_ENTRIES) return null;
  return getWasmIm2col();
}


/** Floats in one image. */
const imageSizeOf = (g: ConvGeometry): number => g.channels * g.height * g.width;

/** Unfold `count` images from data[off..] (imageStride floats apart) into col[colOff..]. */
export function im2col(
  data: Float32Array, off: number, g: ConvGeometry, col: Float32Array, colOff: number, count = 1, imageStride = imageSizeOf(g),
): void {
  const { outH, outW } = outputShape(g);
  const wasm = wasmFor(g, outH, outW);
  if (wasm === null || !tryWasm(() => wasm.im2col(data, off, g, outH, outW, col, colOff, count, imageStride))) {
    im2colTs(data, off, g, col, colOff, count, imageStride);
  }
}

/** Fold col[colOff..] back into `count` images data[off..]: each is overwritten with the sum of its column entries. */
export function col2im(
  col: Float32Array, colOff: number, g: ConvGeometry, data: Float32Array, off: number, count = 1, imageStride = imageSizeOf(g),
): void {
  const { outH, outW } = outputShape(g);
  const wasm = wasmFor(g, outH, outW);
  if (wasm === null || !tryWasm(() => wasm.col2im(col, colOff, g, outH, outW, data, off, count, imageStride))) {
    col2imTs(col, colOff, g, data, off, count, imageStride);
  }
}

/** `im2col` in TypeScript (the reference). */
export function im2colTs(
  data: Float32Array, off: number, g: ConvGeometry, col: Float32Array, colOff: number, count = 1, imageStride = imageSizeOf(g),
): void {
  const { outH, outW } = outputShape(g);
  for (let n = 0; n < count; n++) sweep(data, off + n * imageStride, g, col, colOff + n * outH * outW, (count - 1) * outH * outW, true);
}

/** `col2im` in TypeScript (the reference). */
export function col2imTs(
  col: Float32Array, colOff: number, g: ConvGeometry, data: Float32Array, off: number, count = 1, imageStride = imageSizeOf(g),
): void {
  const { outH, outW } = outputShape(g);
  for (let n = 0; n < count; n++) {
    const image = off + n * imageStride;
    data.fill(0, image, image + imageSizeOf(g));
    sweep(data, image, g, col, colOff + n * outH * outW, (count - 1) * outH * outW, false);
  }
}

/**
 * Visit every (column entry, pixel) pair of one image: copy pixel -> entry (toCol, 0 outside) or add
 * entry -> pixel. Consecutive rows of the column buffer are outH*outW + rowGap floats apart.
 * For a kernel column kj the output columns whose pixel lies inside the image form one range
 * [oxLo, oxHi), the same on every row, so the inner loops run branch-free over it.
 */
function sweep(data: Float32Array, off: number, g: ConvGeometry, col: Float32Array, colOff: number, rowGap: number, toCol: boolean): void {
  const { channels, height, width, kernelH, kernelW, padH, padW, strideH, strideW, dilationH, dilationW } = g;
  const { outH, outW } = outputShape(g);
  let o = colOff;
  for (let c = 0; c < channels; c++) {
    const plane = off + c * height * width;
    for (let ki = 0; ki < kernelH; ki++) {
      for (let kj = 0; kj < kernelW; kj++) {
        // Pixel column of output column ox is x0 + ox * strideW; inside when 0 <= x < width.
        const x0 = kj * dilationW - padW;
        const oxLo = Math.min(outW, x0 >= 0 ? 0 : Math.ceil(-x0 / strideW));
        const oxHi = Math.max(oxLo, Math.min(outW, x0 >= width ? 0 : Math.floor((width - 1 - x0) / strideW) + 1));
        let y = ki * dilationH - padH;
        for (let oy = 0; oy < outH; oy++, y += strideH, o += outW) {
          if (y < 0 || y >= height) {
            if (toCol) col.fill(0, o, o + outW);
            continue;
          }
          let p = plane + y * width + x0 + oxLo * strideW;
          if (toCol) {
            for (let ox = 0; ox < oxLo; ox++) col[o + ox] = 0;
            if (strideW === 1) for (let ox = oxLo; ox < oxHi; ox++, p++) col[o + ox] = data[p]!;
            else for (let ox = oxLo; ox < oxHi; ox++, p += strideW) col[o + ox] = data[p]!;
            for (let ox = oxHi; ox < outW; ox++) col[o + ox] = 0;
          } else if (strideW === 1) {
            for (let ox = oxLo; ox < oxHi; ox++, p++) data[p] += col[o + ox]!;
          } else {
            for (let ox = oxLo; ox < oxHi; ox++, p += strideW) data[p] += col[o + ox]!;
          }
        }
        o += rowGap;
      }
    }
  }
}
