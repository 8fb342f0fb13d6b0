/**
 * im2col / col2im for one image in WebAssembly, generated at runtime: the
 * same sweep and the same order of additions as the TypeScript version in
 * ../im2col.ts, so results are bit-identical, but without float conversions
 * on every element. A row of the column buffer whose pixels are one
 * contiguous run inside the image (unit stride) is copied or added four
 * floats at a time. Other rows visit each (column entry, pixel) pair
 * branch-free: a pixel outside the image is redirected (by `select`) to a
 * cell holding 0 (im2col reads it) or to a sink cell (col2im's additions
 * land there).
 */
import { addToLocal, code, countDownAndLoop, countUpAndLoop, encodeModule, i32, op, type FunctionDef } from "./encode.js";
import { RESERVED_BYTES, SHARED_MAX_PAGES } from "./gemm-kernel.js";
import { PAGE_BYTES, wasmApi, type WasmMemory } from "./runtime.js";
import type { ConvGeometry } from "../im2col.js";

const get = op.localGet, set = op.localSet;

/**
 * Byte address of the cell that reads as 0, and of the cell outside pixels are added to: inside the
 * bytes a gemm sharing the memory leaves alone (RESERVED_BYTES).
 */
const ZERO_CELL = 0, SINK_CELL = 16;
/** First byte free for data. */
const DATA_START = RESERVED_BYTES;

/**
 * `name(image, col, channels, height, width, kernelH, kernelW, padH, padW, strideH, strideW, dilationH, dilationW, outH, outW, rowGap)`,
 * addresses in bytes, every count at least 1. toCol: col = unfold(image); otherwise image += fold(col).
 * Consecutive rows of the column buffer are outH*outW floats plus rowGap bytes apart.
 */
function sweepFunction(name: string, toCol: boolean): FunctionDef {
  const IMAGE = 0, COL = 1, CHANNELS = 2, H = 3, W = 4, KH = 5, KW = 6, PH = 7, PW = 8, SH = 9, SW = 10, DH = 11, DW = 12, OUT_H = 13, OUT_W = 14;
  const ROW_GAP = 15;
  const C = 16, KI = 17, KJ = 18, OY = 19, OX = 20, PLANE = 21, Y = 22, X = 23, ROW = 24, Y_INSIDE = 25, PIXEL = 26;
  const SRC = 27, LEFT = 28;
  const pixelAddress = code(
    get(ROW), get(X), op.i32Const(2), op.i32Shl(), op.i32Add(),
    op.i32Const(toCol ? ZERO_CELL : SINK_CELL),
    get(Y_INSIDE), get(X), get(W), op.i32LtU(), op.i32And(),
    op.select(), set(PIXEL),
  );
  const visit = toCol
    ? code(get(COL), get(PIXEL), op.f32Load(), op.f32Store())
    : code(get(PIXEL), get(PIXEL), op.f32Load(), get(COL), op.f32Load(), op.f32Add(), op.f32Store());
  const body = code(
    op.i32Const(0), set(C), get(IMAGE), set(PLANE),
    op.loop(),
    op.i32Const(0), set(KI),
    op.loop(),
    op.i32Const(0), set(KJ),
    op.loop(),
    // y = ki*dh - ph
    get(KI), get(DH), op.i32Mul(), get(PH), op.i32Sub(), set(Y),
    op.i32Const(0), set(OY),
    op.loop(),
    get(Y), get(H), op.i32LtU(), set(Y_INSIDE),
    get(PLANE), get(Y), get(W), op.i32Mul(), op.i32Const(2), op.i32Shl(), op.i32Add(), set(ROW),
    get(KJ), get(DW), op.i32Mul(), get(PW), op.i32Sub(), set(X),
    // A row wholly inside the image with unit stride is a contiguous run of pixels.
    get(Y_INSIDE), get(X), op.i32Const(0), op.i32GeS(), op.i32And(),
    get(X), get(OUT_W), op.i32Add(), get(W), op.i32LeS(), op.i32And(),
    get(SW), op.i32Const(1), op.i32Eq(), op.i32And(),
    op.if(),
    get(ROW), get(X), op.i32Const(2), op.i32Shl(), op.i32Add(), set(SRC),
    get(OUT_W), set(LEFT),
    op.block(),
    op.loop(), // four at a time
    get(LEFT), op.i32Const(4), op.i32LtU(), op.brIf(1),
    toCol
      ? code(get(COL), get(SRC), op.v128Load(), op.v128Store())
      : code(get(SRC), get(SRC), op.v128Load(), get(COL), op.v128Load(), op.f32x4Add(), op.v128Store()),
    addToLocal(COL, op.i32Const(16)), addToLocal(SRC, op.i32Const(16)),
    get(LEFT), op.i32Const(4), op.i32Sub(), set(LEFT),
    op.br(0),
    op.end(),
    op.end(),
    op.block(),
    get(LEFT), op.i32Eqz(), op.brIf(0),
    op.loop(), // the rest one by one
    toCol
      ? code(get(COL), get(SRC), op.f32Load(), op.f32Store())
      : code(get(SRC), get(SRC), op.f32Load(), get(COL), op.f32Load(), op.f32Add(), op.f32Store()),
    addToLocal(COL, op.i32Const(4)), addToLocal(SRC, op.i32Const(4)),
    countDownAndLoop(LEFT),
    op.end(),
    op.end(),
    op.else(),
    op.i32Const(0), set(OX),
    op.loop(),
    pixelAddress,
    visit,
    addToLocal(COL, op.i32Const(4)),
    addToLocal(X, get(SW)),
    countUpAndLoop(OX, OUT_W),
    op.end(),
    op.end(),
    addToLocal(Y, get(SH)),
    countUpAndLoop(OY, OUT_H),
    op.end(),
    addToLocal(COL, get(ROW_GAP)),
    countUpAndLoop(KJ, KW),
    op.end(),
    countUpAndLoop(KI, KH),
    op.end(),
    addToLocal(PLANE, code(get(H), get(W), op.i32Mul(), op.i32Const(2), op.i32Shl())),
    countUpAndLoop(C, CHANNELS),
    op.end(),
  );
  return { name, params: Array(16).fill(i32), results: [], locals: Array(13).fill(i32), body };
}

/**
 * Bytes of the module: exports `im2col` and `col2im` over an imported memory env.memory, a shared one
 * (of at most SHARED_MAX_PAGES, as the threaded gemm's) when `shared`.
 */
export function im2colModuleBytes(shared = false): Uint8Array<ArrayBuffer> {
  return encodeModule({
    memory: shared ? { module: "env", field: "memory", minPages: 1, maxPages: SHARED_MAX_PAGES, shared: true } : { module: "env", field: "memory", minPages: 1 },
    functions: [sweepFunction("im2col", true), sweepFunction("col2im", false)],
  });
}

type Sweep = (image: number, col: number, ...geometryAndOutput: number[]) => void;

/** im2col and col2im with the meaning of ../im2col.ts, given the output size: `count` images imageStride floats apart. */
export interface WasmIm2col {
  im2col(
    data: Float32Array, off: number, g: ConvGeometry, outH: number, outW: number, col: Float32Array, colOff: number,
    count: number, imageStride: number,
  ): void;
  col2im(
    col: Float32Array, colOff: number, g: ConvGeometry, outH: number, outW: number, data: Float32Array, off: number,
    count: number, imageStride: number,
  ): void;
}

/**
 * The sweeps over another kernel's memory (a gemm's, see InMemory in ./gemm-kernel.ts): byte
 * addresses, nothing copied. `count` images lie one after another from imageAt; image n's columns
 * start at colAt + n*outH*outW floats, and rows of the column buffer are colRowFloats apart.
 * unfold writes the columns; fold adds them onto the images (which the caller zeroes first).
 */
export interface SweepsInMemory {
  unfold(imageAt: number, colAt: number, g: ConvGeometry, outH: number, outW: number, count: number, colRowFloats: number): void;
  fold(colAt: number, imageAt: number, g: ConvGeometry, outH: number, outW: number, count: number, colRowFloats: number): void;
}

const sweepsByMemory = new WeakMap<WasmMemory, SweepsInMemory | null>();

/** The sweeps instantiated over `memory` (once per memory); null when WebAssembly is unavailable. */
export function sweepsOn(memory: WasmMemory): SweepsInMemory | null {
  let sweeps = sweepsByMemory.get(memory);
  if (sweeps !== undefined) return sweeps;
  sweeps = null;
  const shared = typeof SharedArrayBuffer === "function" && memory.buffer instanceof SharedArrayBuffer;
  const bytes = im2colModuleBytes(shared);
  if (wasmApi !== undefined && wasmApi.validate(bytes)) {
    const { exports } = new wasmApi.Instance(new wasmApi.Module(bytes), { env: { memory } });
    const unfold = exports["im2col"] as Sweep, fold = exports["col2im"] as Sweep;
    const imageBytes = (g: ConvGeometry): number => g.channels * g.height * g.width * 4;
    const geometryArgs = (g: ConvGeometry, outH: number, outW: number, colRowFloats: number): number[] => [
      g.channels, g.height, g.width, g.kernelH, g.kernelW, g.padH, g.padW, g.strideH, g.strideW, g.dilationH, g.dilationW, outH, outW,
      (colRowFloats - outH * outW) * 4,
    ];
    sweeps = {
      unfold(imageAt, colAt, g, outH, outW, count, colRowFloats) {
        const rest = geometryArgs(g, outH, outW, colRowFloats), step = imageBytes(g), P = outH * outW;
        for (let n = 0; n < count; n++) unfold(imageAt + n * step, colAt + n * P * 4, ...rest);
      },
      fold(colAt, imageAt, g, outH, outW, count, colRowFloats) {
        const rest = geometryArgs(g, outH, outW, colRowFloats), step = imageBytes(g), P = outH * outW;
        for (let n = 0; n < count; n++) fold(imageAt + n * step, colAt + n * P * 4, ...rest);
      },
    };
  }
  sweepsByMemory.set(memory, sweeps);
  return sweeps;
}

/** Instantiates the module over its own growable memory; null when WebAssembly is unavailable. Not re-entrant. */
export function createWasmIm2col(): WasmIm2col | null {
  if (wasmApi === undefined) return null;
  const bytes = im2colModuleBytes();
  if (!wasmApi.validate(bytes)) return null;
  const memory = new wasmApi.Memory({ initial: 4 });
  const { exports } = new wasmApi.Instance(new wasmApi.Module(bytes), { env: { memory } });
  const unfold = exports["im2col"] as Sweep, fold = exports["col2im"] as Sweep;
  let heap = new Float32Array(memory.buffer);

  /** Makes room for the image and column buffer; returns their float offsets. */
  function reserve(imageFloats: number, colFloats: number): { image: number; col: number } {
    const image = DATA_START / 4, col = image + Math.ceil(imageFloats / 4) * 4;
    const bytes = (col + colFloats) * 4;
    if (bytes > memory.buffer.byteLength) {
      memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
      heap = new Float32Array(memory.buffer);
    }
    return { image, col };
  }
  const args = (g: ConvGeometry, outH: number, outW: number, count: number): number[] => [
    g.channels, g.height, g.width, g.kernelH, g.kernelW, g.padH, g.padW, g.strideH, g.strideW, g.dilationH, g.dilationW, outH, outW,
    (count - 1) * outH * outW * 4,
  ];
  /** Copies `count` images (imageStride floats apart) between the caller's array and consecutive images in wasm memory. */
  function copyImages(toWasm: boolean, data: Float32Array, off: number, imageFloats: number, count: number, imageStride: number, at: number): void {
    if (imageStride === imageFloats) {
      if (toWasm) heap.set(data.subarray(off, off + count * imageFloats), at);
      else data.set(heap.subarray(at, at + count * imageFloats), off);
      return;
    }
    for (let n = 0; n < count; n++) {
      const from = off + n * imageStride, there = at + n * imageFloats;
      if (toWasm) heap.set(data.subarray(from, from + imageFloats), there);
      else data.set(heap.subarray(there, there + imageFloats), from);
    }
  }

  return {
    im2col(data, off, g, outH, outW, col, colOff, count, imageStride): void {
      const imageFloats = g.channels * g.height * g.width, P = outH * outW, colFloats = g.channels * g.kernelH * g.kernelW * P * count;
      const at = reserve(imageFloats * count, colFloats);
      copyImages(true, data, off, imageFloats, count, imageStride, at.image);
      const rest = args(g, outH, outW, count);
      for (let n = 0; n < count; n++) unfold((at.image + n * imageFloats) * 4, (at.col + n * P) * 4, ...rest);
      col.set(heap.subarray(at.col, at.col + colFloats), colOff);
    },
    col2im(col, colOff, g, outH, outW, data, off, count, imageStride): void {
      const imageFloats = g.channels * g.height * g.width, P = outH * outW, colFloats = g.channels * g.kernelH * g.kernelW * P * count;
      const at = reserve(imageFloats * count, colFloats);
      heap.fill(0, at.image, at.image + imageFloats * count);
      heap.set(col.subarray(colOff, colOff + colFloats), at.col);
      const rest = args(g, outH, outW, count);
      for (let n = 0; n < count; n++) fold((at.image + n * imageFloats) * 4, (at.col + n * P) * 4, ...rest);
      copyImages(false, data, off, imageFloats, count, imageStride, at.image);
    },
  };
}
