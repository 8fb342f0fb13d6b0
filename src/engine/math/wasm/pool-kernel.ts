/**
 * Max pooling forward in WebAssembly, generated at runtime: Caffe's loop
 * (every window clipped to the image, elements visited row by row, an element
 * replaces the running maximum only when strictly greater, starting from
 * -FLT_MAX with index -1), with the comparison feeding selects instead of a
 * branch. Which element of a window wins is data-dependent, so the branchy
 * TypeScript loop mispredicts on most windows; this one has no
 * data-dependent branches (V8 turns a scalar `select` of floats into a
 * branch, so the lanes of SIMD compares and bitselects do the work). Same
 * outputs and argmax indices, bit for bit.
 */
import { addToLocal, code, countUpAndLoop, encodeModule, f32, i32, op, v128, type FunctionDef } from "./encode.js";
import { PAGE_BYTES, wasmApi } from "./runtime.js";

const get = op.localGet, set = op.localSet;

/** The most negative finite float, Caffe's starting maximum. */
const MINUS_FLT_MAX = -3.4028234663852886e38;

/**
 * `maxPool(x, y, mask, planes, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW)`:
 * byte addresses of the input planes, the pooled planes and the argmax (i32, index within the plane).
 * Four neighbouring outputs whose windows lie wholly inside the image columns are done at once, one
 * SIMD lane each (the window elements gathered lane by lane, compare and bitselect: no branches);
 * the others one at a time with the same steps in scalar code.
 */
function maxPoolFunction(): FunctionDef {
  const X = 0, Y = 1, MASK = 2, PLANES = 3, H = 4, W = 5, KH = 6, KW = 7, SH = 8, SW = 9, PH = 10, PW = 11, OUT_H = 12, OUT_W = 13;
  const C = 14, PY = 15, PX = 16, H0 = 17, H1 = 18, W0 = 19, W1 = 20, HH = 21, WW = 22, AT = 23, IDX = 24, ROW = 25, PLANE = 26, O = 27, T = 28, START = 29;
  const K = 30, BASE = 31, STEP1 = 32, STEP2 = 33, STEP3 = 34;
  const BEST = 35, V = 36;
  const VBEST = 37, VAT = 38, VV = 39, VMASK = 40, VSTEPS = 41;
  /** lo = max(start, 0) and hi = min(start + kernel, size), from `start` already in START. */
  const clip = (lo: number, hi: number, kernel: number, size: number): number[] => code(
    get(START), op.i32Const(0), get(START), op.i32Const(0), op.i32GtS(), op.select(), set(lo),
    get(START), get(kernel), op.i32Add(), get(size),
    get(START), get(kernel), op.i32Add(), get(size), op.i32LtS(), op.select(), set(hi),
  );
  const lane = (step: number, n: number): number[] => code(get(BASE), get(step), op.i32Add(), op.f32Load(), op.f32x4ReplaceLane(n));

  // Outputs PX..PX+3 at once: each lane keeps its own running maximum and index.
  const fourOutputs = code(
    op.v128ConstF32(MINUS_FLT_MAX), set(VBEST), op.i32Const(-1), op.i32x4Splat(), set(VAT),
    get(H0), set(HH),
    op.block(),
    get(HH), get(H1), op.i32GeS(), op.brIf(0),
    op.loop(), // window rows
    // Index (in the plane) of lane 0's first window element on this row.
    get(HH), get(W), op.i32Mul(), get(PX), get(SW), op.i32Mul(), op.i32Add(), get(PW), op.i32Sub(), set(ROW),
    op.i32Const(0), set(K),
    op.loop(), // window columns
    get(ROW), get(K), op.i32Add(), set(IDX),
    get(PLANE), get(IDX), op.i32Const(2), op.i32Shl(), op.i32Add(), set(BASE),
    get(BASE), op.f32Load(), op.f32x4Splat(), lane(STEP1, 1), lane(STEP2, 2), lane(STEP3, 3), set(VV),
    get(VV), get(VBEST), op.f32x4Gt(), set(VMASK),
    get(VV), get(VBEST), get(VMASK), op.v128Bitselect(), set(VBEST),
    get(IDX), op.i32x4Splat(), get(VSTEPS), op.i32x4Add(), get(VAT), get(VMASK), op.v128Bitselect(), set(VAT),
    countUpAndLoop(K, KW),
    op.end(),
    get(HH), op.i32Const(1), op.i32Add(), op.localTee(HH), get(H1), op.i32LtS(), op.brIf(0),
    op.end(),
    op.end(),
    get(Y), get(O), op.i32Add(), get(VBEST), op.v128Store(),
    get(MASK), get(O), op.i32Add(), get(VAT), op.v128Store(),
    addToLocal(O, op.i32Const(16)),
    addToLocal(PX, op.i32Const(4)),
  );

  // Output PX alone, its window clipped to the image.
  const oneOutput = code(
    get(PX), get(SW), op.i32Mul(), get(PW), op.i32Sub(), set(START),
    clip(W0, W1, KW, W),
    op.f32Const(MINUS_FLT_MAX), set(BEST), op.i32Const(-1), set(AT),
    get(H0), set(HH),
    op.block(),
    get(HH), get(H1), op.i32GeS(), op.brIf(0),
    op.loop(), // window rows
    get(HH), get(W), op.i32Mul(), set(ROW),
    get(W0), set(WW),
    op.block(),
    get(WW), get(W1), op.i32GeS(), op.brIf(0),
    op.loop(), // window columns
    get(ROW), get(WW), op.i32Add(), set(IDX),
    get(PLANE), get(IDX), op.i32Const(2), op.i32Shl(), op.i32Add(), op.f32Load(), set(V),
    get(V), get(BEST), op.f32Gt(), set(T),
    get(V), get(BEST), get(T), op.select(), set(BEST),
    get(IDX), get(AT), get(T), op.select(), set(AT),
    get(WW), op.i32Const(1), op.i32Add(), op.localTee(WW), get(W1), op.i32LtS(), op.brIf(0),
    op.end(),
    op.end(),
    get(HH), op.i32Const(1), op.i32Add(), op.localTee(HH), get(H1), op.i32LtS(), op.brIf(0),
    op.end(),
    op.end(),
    get(Y), get(O), op.i32Add(), get(BEST), op.f32Store(),
    get(MASK), get(O), op.i32Add(), get(AT), op.i32Store(),
    addToLocal(O, op.i32Const(4)),
    addToLocal(PX, op.i32Const(1)),
  );

  // Whether outputs PX..PX+3 exist and their windows start at or after column 0 and end by column W.
  const fourFit = code(
    get(PX), op.i32Const(3), op.i32Add(), get(OUT_W), op.i32LtS(),
    get(PX), get(SW), op.i32Mul(), get(PW), op.i32Sub(), op.i32Const(0), op.i32GeS(), op.i32And(),
    get(PX), op.i32Const(3), op.i32Add(), get(SW), op.i32Mul(), get(PW), op.i32Sub(), get(KW), op.i32Add(), get(W), op.i32LeS(), op.i32And(),
  );

  const body = code(
    // Byte distance from lane 0's element to lane j's, and lane j's index offset j * strideW.
    get(SW), op.i32Const(4), op.i32Mul(), set(STEP1),
    get(STEP1), op.i32Const(2), op.i32Mul(), set(STEP2),
    get(STEP1), op.i32Const(3), op.i32Mul(), set(STEP3),
    op.i32Const(0), op.i32x4Splat(),
    get(SW), op.i32x4ReplaceLane(1),
    get(SW), op.i32Const(2), op.i32Mul(), op.i32x4ReplaceLane(2),
    get(SW), op.i32Const(3), op.i32Mul(), op.i32x4ReplaceLane(3),
    set(VSTEPS),
    get(X), set(PLANE), op.i32Const(0), set(O), op.i32Const(0), set(C),
    op.loop(), // planes
    op.i32Const(0), set(PY),
    op.loop(), // output rows
    get(PY), get(SH), op.i32Mul(), get(PH), op.i32Sub(), set(START),
    clip(H0, H1, KH, H),
    op.i32Const(0), set(PX),
    op.loop(), // output columns
    fourFit, op.if(), fourOutputs, op.else(), oneOutput, op.end(),
    get(PX), get(OUT_W), op.i32LtS(), op.brIf(0),
    op.end(),
    countUpAndLoop(PY, OUT_H),
    op.end(),
    addToLocal(PLANE, code(get(H), get(W), op.i32Mul(), op.i32Const(2), op.i32Shl())),
    countUpAndLoop(C, PLANES),
    op.end(),
  );
  return { name: "maxPool", params: Array(14).fill(i32), results: [], locals: [...Array(21).fill(i32), f32, f32, ...Array(5).fill(v128)], body };
}

/** Bytes of the module: exports `maxPool` over an imported memory env.memory. */
export function poolModuleBytes(): Uint8Array<ArrayBuffer> {
  return encodeModule({ memory: { module: "env", field: "memory", minPages: 1 }, functions: [maxPoolFunction()] });
}

/** Geometry of a max pooling sweep over `planes` planes. */
export interface MaxPoolSweep {
  planes: number;
  height: number; width: number;
  kernelH: number; kernelW: number;
  strideH: number; strideW: number;
  padH: number; padW: number;
  outH: number; outW: number;
}

/** y (planes x outH x outW) = max over each window of x; mask = the winning index within its plane (-1 if none). */
export type WasmMaxPool = (g: MaxPoolSweep, x: Float32Array, y: Float32Array, mask: Int32Array) => void;

type MaxPoolExport = (x: number, y: number, mask: number, ...geometry: number[]) => void;

/** Instantiates the module over its own growable memory; null without WebAssembly. Not re-entrant. */
export function createWasmMaxPool(): WasmMaxPool | null {
  if (wasmApi === undefined) return null;
  const bytes = poolModuleBytes();
  if (!wasmApi.validate(bytes)) return null;
  const memory = new wasmApi.Memory({ initial: 8 });
  const { exports } = new wasmApi.Instance(new wasmApi.Module(bytes), { env: { memory } });
  const maxPool = exports["maxPool"] as MaxPoolExport;
  let floats = new Float32Array(memory.buffer), ints = new Int32Array(memory.buffer);
  return (g, x, y, mask) => {
    const planeIn = g.height * g.width, planeOut = g.outH * g.outW;
    // A few planes at a time: the wasm memory stays small (fresh memory is slow to touch the
    // first time) and each chunk's input is still in the cache when its outputs are copied out.
    const perChunk = Math.max(1, Math.min(g.planes, Math.floor(CHUNK_FLOATS / planeIn)));
    const bytes = perChunk * (planeIn + 2 * planeOut) * 4;
    if (bytes > memory.buffer.byteLength) {
      memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
      floats = new Float32Array(memory.buffer);
      ints = new Int32Array(memory.buffer);
    }
    for (let p0 = 0; p0 < g.planes; p0 += perChunk) {
      const planes = Math.min(perChunk, g.planes - p0);
      const inFloats = planes * planeIn, outFloats = planes * planeOut;
      const yAt = inFloats, maskAt = inFloats + outFloats;
      floats.set(x.subarray(p0 * planeIn, p0 * planeIn + inFloats), 0);
      maxPool(0, yAt * 4, maskAt * 4, planes, g.height, g.width, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW);
      y.set(floats.subarray(yAt, yAt + outFloats), p0 * planeOut);
      mask.set(ints.subarray(maskAt, maskAt + outFloats), p0 * planeOut);
    }
  };
}

/** Input floats per chunk of planes (256 KiB). */
const CHUNK_FLOATS = 1 << 16;

let shared: WasmMaxPool | null | undefined; // undefined: not tried yet

/** The WebAssembly max pooling, instantiated on first use; null without WebAssembly SIMD. */
export function getWasmMaxPool(): WasmMaxPool | null {
  if (shared === undefined) shared = createWasmMaxPool();
  return shared;
}
