/**
 * The three products of a convolution with its column buffer kept inside the
 * wasm gemm's memory: im2col writes the columns where the gemm reads op(B),
 * and col2im reads the gemm's result where it was stored. Against the plain
 * path (im2col into a JavaScript buffer, which the gemm copies in; the gemm's
 * result copied out, which col2im copies in) this saves two copies of every
 * column buffer, megabytes per layer and pass. The sums are the same, in the
 * same order, so results are bit-identical to the plain path.
 *
 * Each function returns false, having written nothing, when this path does
 * not serve the product (backend "ts", no WebAssembly, or a product the gemm
 * would keep in TypeScript, or memory that cannot grow); the caller then runs
 * the plain path. Only single-group convolutions come here.
 */
import { getWasmGemmInMemory, wasmServes } from "./gemm.js";
import { convOutputSize, type ConvGeometry } from "./im2col.js";
import type { GemmInMemoryFn, InMemory } from "./wasm/gemm-kernel.js";
import { sweepsOn } from "./wasm/im2col-kernel.js";
import { tryWasm, type WasmMemory } from "./wasm/runtime.js";

/**
 * Thrown (as a RangeError, which tryWasm turns into "use the plain path") before anything is written
 * when the sweeps cannot be instantiated over the gemm's memory.
 */
const SWEEPS_UNAVAILABLE = "conv-columns: the sweeps kernel is unavailable over this memory";

/** Floats of `count` images of geometry g, rounded up to a 16-byte multiple. */
function imagesFloats(g: ConvGeometry, count: number): number {
  return Math.ceil((g.channels * g.height * g.width * count) / 4) * 4;
}

function outputOf(g: ConvGeometry): { outH: number; outW: number } {
  return {
    outH: convOutputSize(g.height, g.kernelH, g.padH, g.strideH, g.dilationH),
    outW: convOutputSize(g.width, g.kernelW, g.padW, g.strideW, g.dilationW),
  };
}

/** op(B) = im2col of `count` images from image[imageOff..], unfolded in the gemm's memory. */
export function unfoldedImages(image: Float32Array, imageOff: number, count: number, g: ConvGeometry): InMemory {
  const { outH, outW } = outputOf(g);
  const floats = g.channels * g.height * g.width * count;
  return {
    roomFloats: imagesFloats(g, count),
    run(memory: WasmMemory, at: number, _ld: number, room: number): void {
      const sweeps = sweepsOn(memory);
      if (sweeps === null) throw new RangeError(SWEEPS_UNAVAILABLE);
      new Float32Array(memory.buffer).set(image.subarray(imageOff, imageOff + floats), room);
      sweeps.unfold(room * 4, at * 4, g, outH, outW, count, count * outH * outW);
    },
  };
}

/** The gemm's result (the column buffer of `count` images) folded into image[imageOff..] by col2im. */
export function foldedInto(image: Float32Array, imageOff: number, count: number, g: ConvGeometry): InMemory {
  const { outH, outW } = outputOf(g);
  const floats = g.channels * g.height * g.width * count;
  return {
    roomFloats: imagesFloats(g, count),
    run(memory: WasmMemory, at: number, ld: number, room: number): void {
      const sweeps = sweepsOn(memory);
      if (sweeps === null) throw new RangeError(SWEEPS_UNAVAILABLE);
      const heap = new Float32Array(memory.buffer);
      heap.fill(0, room, room + floats);
      sweeps.fold(at * 4, room * 4, g, outH, outW, count, ld);
      image.set(heap.subarray(room, room + floats), imageOff);
    },
  };
}

/**
 * Runs `call` with the in-memory gemm when it serves an M x N x K product under the current backend;
 * false (nothing written) when it does not, or when the call could not run (see tryWasm).
 */
function withInMemoryGemm(M: number, N: number, K: number, call: (gemm: GemmInMemoryFn) => void): boolean {
  const gemm = wasmServes(M, N, K) ? getWasmGemmInMemory() : null;
  return gemm !== null && tryWasm(() => call(gemm));
}

/** Rows of a geometry's column buffer: C * kh * kw. */
const columnRows = (g: ConvGeometry): number => g.channels * g.kernelH * g.kernelW;

/** colSide (M x count*P) = W (M x K) * im2col(images) for `count` images from image[imageOff..]. */
export function unfoldAndMultiply(
  image: Float32Array, imageOff: number, count: number, g: ConvGeometry, weight: Float32Array, M: number, P: number,
  colSide: Float32Array,
): boolean {
  const K = columnRows(g), N = count * P;
  return withInMemoryGemm(M, N, K, (gemm) => gemm(false, false, M, N, K, 1, weight, 0, unfoldedImages(image, imageOff, count, g), 0, 0, colSide, 0));
}

/** weightDiff (M x K) += colSide (M x count*P) * im2col(images)^T for `count` images from image[imageOff..]. */
export function unfoldAndAccumulate(
  image: Float32Array, imageOff: number, count: number, g: ConvGeometry, colSide: Float32Array, M: number, P: number,
  weightDiff: Float32Array,
): boolean {
  const K = columnRows(g), N = count * P;
  return withInMemoryGemm(M, K, N, (gemm) => gemm(false, true, M, K, N, 1, colSide, 0, unfoldedImages(image, imageOff, count, g), 0, 1, weightDiff, 0));
}

/** `count` images from image[imageOff..] = col2im(W^T (K x M) * colSide (M x count*P)). */
export function multiplyAndFold(
  colSide: Float32Array, count: number, g: ConvGeometry, weight: Float32Array, M: number, P: number,
  image: Float32Array, imageOff: number,
): boolean {
  const K = columnRows(g), N = count * P;
  return withInMemoryGemm(K, N, M, (gemm) => gemm(true, false, K, N, M, 1, weight, 0, colSide, 0, 0, foldedInto(image, imageOff, count, g), 0));
}
