/**
 * Single-precision GEMM on WebAssembly SIMD, generated at runtime.
 *
 * The kernel reads op(A) as row panels of MR rows in which the MR values of
 * one column k are adjacent, and op(B) as column panels of NR columns in
 * which the NR values of one row k are adjacent; where panels start and how
 * far apart consecutive k are is passed in. Both operands are first copied
 * into wasm memory (or B is written there by another kernel, and C read there:
 * see InMemory); row-major B and transposed A already have panel shape
 * and are read in place, and only A and transposed B are repacked (by
 * `packA`/`packB`, also generated).
 * The kernel walks column panels of B (outer, kept hot in cache) and row
 * panels of A (inner), and for each MR x NR tile of C keeps its sums in
 * SIMD registers: per k it loads one row of the B panel, broadcasts each of
 * the MR values of A and does one float32 multiply and add per accumulator.
 * The tile is then stored as alpha * sum + beta * C into a product buffer of
 * whole tiles (C is not read when beta is 0), whose rows are copied back to
 * the caller's C.
 *
 * Sums follow the engine's gemm contract (see `gemmTs`): float32 over runs of
 * SUM_BLOCK consecutive k, the runs' sums added in float64, and
 * alpha * sum + beta * C formed in float64 and rounded once. The float32
 * runs are what makes the kernel fast (four lanes per vector); summing the
 * runs in double keeps the error of long sums (weight gradients sum over a
 * whole batch of pixels) at the level of a short one. Results are bit-identical
 * to `gemmTs`. Between runs the kernel adds its registers into a tile of
 * doubles in a per-thread scratch area.
 *
 * Panels that run past the last row of op(A) or column of op(B) read
 * neighbouring data or zeroed slack; those lanes only feed rows and columns of
 * the product buffer that are never copied back.
 */
import {
  addToLocal as addTo, code, countDownAndLoop, countUpAndLoop as countUpTo, encodeModule, f64, i32, op, v128,
  type FunctionDef, type ValType,
} from "./encode.js";
import { MAX_CHUNKS, startHelperThread, type HelperThread, type PanelJob, type PanelRunner } from "./helper-thread.js";
import { PAGE_BYTES, wasmApi, type WasmMemory } from "./runtime.js";

/** Register tile: rows of op(A) (MR) and columns of op(B) (NR, a multiple of 4). */
export const TILE = { mr: 4, nr: 8 } as const; // 8 f32x4 accumulators

/**
 * Consecutive values of k whose products are summed in float32 before the
 * run's sum is added to the element's float64 total. The error of a sum then
 * grows with SUM_BLOCK, not with K (measured against real Caffe on LeNet: a
 * plain float32 sum over all of K drifts to 1.8e-3 relative loss difference
 * in 30 iterations, runs of 64 to 256 stay at 5.7e-6 as float64 sums do).
 */
export const SUM_BLOCK = 128;

/** Bytes of one thread's scratch tile: MR x NR doubles. */
const SCRATCH_BYTES = TILE.mr * TILE.nr * 8;
/** Bytes kept free around each scratch tile: two cache lines (the neighbouring line is prefetched too). */
const SCRATCH_GAP = 128;

const get = op.localGet, set = op.localSet;

/** Byte lanes that move the high 64 bits of a vector to its low half. */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

/**
 * `kernel(ap, aPanelStep, aKStep, bp, bPanelStep, bKStep, cp, ldc, mPanels, nPanels, K, scratch, alpha, beta)`:
 * addresses and steps in bytes; mPanels, nPanels and K at least 1. Float (r, k) of A panel p is at
 * ap + p*aPanelStep + k*aKStep + r*4, float (k, c) of B panel q at bp + q*bPanelStep + k*bKStep + c*4,
 * and C's tile (p, q) starts at cp + p*MR*ldc + q*NR*4. scratch: SCRATCH_BYTES of this thread's own,
 * 16-byte aligned. alpha and beta are f64.
 */
function kernelFunction(): FunctionDef {
  const { mr, nr } = TILE;
  const vectors = nr / 4;
  const AP = 0, A_PANEL = 1, A_K = 2, BP = 3, B_PANEL = 4, B_K = 5, CP = 6, LDC = 7, M_PANELS = 8, N_PANELS = 9, K = 10, SCRATCH = 11;
  const ALPHA = 12, BETA = 13;
  const JB = 14, IB = 15, KK = 16, K_LEFT = 17, PA = 18, PB = 19, PA_PANEL = 20, PB_PANEL = 21, PC = 22, PC_COL = 23, PC_ROW = 24;
  const ALPHAS = 25, BETAS = 26, A = 27, B0 = 28; // B0 .. B0 + vectors - 1
  const ACC0 = B0 + vectors; // accumulator (r, v) is ACC0 + r * vectors + v, columns 4v .. 4v+3 of row r
  const acc = (r: number, v: number): number => ACC0 + r * vectors + v;
  const locals: ValType[] = [...Array<ValType>(PC_ROW - JB + 1).fill(i32), ...Array<ValType>(3 + vectors + mr * vectors).fill(v128)];

  const zeroAccumulators: number[][] = [];
  for (let r = 0; r < mr; r++) for (let v = 0; v < vectors; v++) zeroAccumulators.push(op.v128ConstF32(0), set(acc(r, v)));

  const kStep: number[][] = [];
  for (let v = 0; v < vectors; v++) kStep.push(get(PB), op.v128Load(16 * v), set(B0 + v));
  for (let r = 0; r < mr; r++) {
    kStep.push(get(PA), op.v128Load32Splat(4 * r), set(A));
    for (let v = 0; v < vectors; v++) kStep.push(get(acc(r, v)), get(A), get(B0 + v), op.f32x4Mul(), op.f32x4Add(), set(acc(r, v)));
  }
  kStep.push(addTo(PA, get(A_K)), addTo(PB, get(B_K)));
  /** KK steps of k from PA, PB into freshly zeroed accumulators. */
  const run = code(...zeroAccumulators, op.loop(), ...kStep, countDownAndLoop(KK), op.end());

  /** Columns 4v + 2h, 4v + 2h + 1 of accumulator (r, v) as f64x2. */
  const half = (r: number, v: number, h: number): number[] =>
    h === 0 ? code(get(acc(r, v)), op.f64x2PromoteLowF32x4()) : code(get(acc(r, v)), get(acc(r, v)), op.i8x16Shuffle(HIGH_HALF), op.f64x2PromoteLowF32x4());
  const scratchAt = (r: number, v: number, h: number): number => (r * nr + 4 * v + 2 * h) * 8;

  const zeroScratch: number[][] = [];
  for (let i = 0; i < SCRATCH_BYTES / 16; i++) zeroScratch.push(get(SCRATCH), op.v128ConstF32(0), op.v128Store(16 * i));
  const addToScratch: number[][] = [];
  for (let r = 0; r < mr; r++) for (let v = 0; v < vectors; v++) for (let h = 0; h < 2; h++) {
    addToScratch.push(get(SCRATCH), get(SCRATCH), op.v128Load(scratchAt(r, v, h)), half(r, v, h), op.f64x2Add(), op.v128Store(scratchAt(r, v, h)));
  }

  // Store alpha * (scratch + last run) (+ beta * C), row by row, two columns at a time.
  const store = (withBeta: boolean, withScratch: boolean): number[] => {
    const out: number[][] = [get(PC), set(PC_ROW)];
    for (let r = 0; r < mr; r++) {
      for (let v = 0; v < vectors; v++) for (let h = 0; h < 2; h++) {
        const at = 4 * (4 * v + 2 * h);
        out.push(get(PC_ROW), half(r, v, h));
        if (withScratch) out.push(get(SCRATCH), op.v128Load(scratchAt(r, v, h)), op.f64x2Add());
        out.push(get(ALPHAS), op.f64x2Mul());
        if (withBeta) out.push(get(PC_ROW), op.v128Load64Zero(at), op.f64x2PromoteLowF32x4(), get(BETAS), op.f64x2Mul(), op.f64x2Add());
        out.push(op.f32x4DemoteF64x2Zero(), op.v128Store64Lane(at, 0));
      }
      if (r + 1 < mr) out.push(addTo(PC_ROW, get(LDC)));
    }
    return code(...out);
  };
  const storeTile = (withScratch: boolean): number[] =>
    code(get(BETA), op.f64Const(0), op.f64Eq(), op.if(), store(false, withScratch), op.else(), store(true, withScratch), op.end());

  const body = code(
    get(ALPHA), op.f64x2Splat(), set(ALPHAS), get(BETA), op.f64x2Splat(), set(BETAS),
    op.i32Const(0), set(JB), get(BP), set(PB_PANEL), get(CP), set(PC_COL),
    op.loop(), // column panels of B
    op.i32Const(0), set(IB), get(AP), set(PA_PANEL), get(PC_COL), set(PC),
    op.loop(), // row panels of A
    get(PA_PANEL), set(PA), get(PB_PANEL), set(PB), get(K), set(K_LEFT),
    // All runs but the last go into the scratch tile (only when K > SUM_BLOCK) ...
    get(K), op.i32Const(SUM_BLOCK), op.i32GtS(), op.if(),
    ...zeroScratch,
    op.loop(),
    op.i32Const(SUM_BLOCK), set(KK),
    run,
    ...addToScratch,
    addTo(K_LEFT, op.i32Const(-SUM_BLOCK)),
    get(K_LEFT), op.i32Const(SUM_BLOCK), op.i32GtS(), op.brIf(0),
    op.end(),
    op.end(),
    // ... and the last (1 to SUM_BLOCK values of k) is added while storing.
    get(K_LEFT), set(KK),
    run,
    get(K), op.i32Const(SUM_BLOCK), op.i32GtS(), op.if(), storeTile(true), op.else(), storeTile(false), op.end(),
    addTo(PC, code(get(LDC), op.i32Const(mr), op.i32Mul())),
    addTo(PA_PANEL, get(A_PANEL)),
    countUpTo(IB, M_PANELS),
    op.end(),
    addTo(PB_PANEL, get(B_PANEL)),
    addTo(PC_COL, op.i32Const(4 * nr)),
    countUpTo(JB, N_PANELS),
    op.end(),
  );
  return { name: "kernel", params: [...Array<ValType>(12).fill(i32), f64, f64], results: [], locals, body };
}

/**
 * `name(src, dst, panels, K, panelStep, kStep, itemStep)`: writes, for each panel p and each k, the
 * `width` floats at src + p*panelStep + k*kStep + c*itemStep (c < width) to consecutive floats at dst.
 */
function packFunction(name: string, width: number): FunctionDef {
  const SRC = 0, DST = 1, PANELS = 2, K = 3, PANEL_STEP = 4, K_STEP = 5, ITEM_STEP = 6;
  const P = 7, KK = 8, PS = 9, PK = 10, PI = 11;
  const size = 4;
  const items: number[][] = [get(PK), set(PI)];
  for (let c = 0; c < width; c++) {
    items.push(get(DST), get(PI), op.f32Load(), op.f32Store(size * c));
    if (c + 1 < width) items.push(addTo(PI, get(ITEM_STEP)));
  }
  const body = code(
    op.i32Const(0), set(P), get(SRC), set(PS),
    op.loop(),
    get(PS), set(PK), get(K), set(KK),
    op.loop(),
    ...items,
    addTo(DST, op.i32Const(size * width)),
    addTo(PK, get(K_STEP)),
    countDownAndLoop(KK),
    op.end(),
    addTo(PS, get(PANEL_STEP)),
    countUpTo(P, PANELS),
    op.end(),
  );
  return { name, params: [i32, i32, i32, i32, i32, i32, i32], results: [], locals: [i32, i32, i32, i32, i32], body };
}

/** Column panels of B packed and multiplied at a time (so the packed chunk is read from the cache). */
export const PACKED_CHUNK_PANELS = 16;

/** Largest shared memory (64 KiB pages) a threaded gemm may grow to: 2 GiB, reserved as address space only. */
export const SHARED_MAX_PAGES = 32768;

let functions: FunctionDef[] | undefined;
const moduleBytes: (Uint8Array<ArrayBuffer> | undefined)[] = [undefined, undefined];

/**
 * Bytes of the module: exports `kernel`, `packA` (MR wide) and `packB` (NR wide), over an imported memory
 * env.memory, which is a shared one (of at most SHARED_MAX_PAGES) when `shared`.
 */
export function gemmKernelModuleBytes(shared = false): Uint8Array<ArrayBuffer> {
  // Generated once per process and variant: generating the functions costs ~10 ms before the JIT warms up.
  const cached = moduleBytes[shared ? 1 : 0];
  if (cached !== undefined) return cached;
  const { mr, nr } = TILE;
  functions ??= [kernelFunction(), packFunction("packA", mr), packFunction("packB", nr)];
  const bytes = encodeModule({
    memory: shared ? { module: "env", field: "memory", minPages: 1, maxPages: SHARED_MAX_PAGES, shared: true } : { module: "env", field: "memory", minPages: 1 },
    functions,
  });
  moduleBytes[shared ? 1 : 0] = bytes;
  return bytes;
}

type Kernel = (
  ap: number, aPanelStep: number, aKStep: number, bp: number, bPanelStep: number, bKStep: number,
  cp: number, ldc: number, mPanels: number, nPanels: number, K: number, scratch: number, alpha: number, beta: number,
) => void;
type Pack = (src: number, dst: number, panels: number, K: number, panelStep: number, kStep: number, itemStep: number) => void;

/** The same signature and meaning as the engine's `gemm`. */
export type GemmFn = (
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Float32Array, aOff: number, B: Float32Array, bOff: number,
  beta: number, C: Float32Array, cOff: number,
) => void;

/**
 * An operand B that another kernel writes, or a result C that another kernel
 * reads, directly in the gemm's wasm memory (so that, say, im2col's columns
 * are not copied out to JavaScript and back in). Such kernels must keep off
 * the memory's first RESERVED_BYTES, which the gemm leaves alone for them.
 */
export interface InMemory {
  /** Floats of room the callback needs besides the operand (16-byte aligned; 0 for none). */
  roomFloats: number;
  /**
   * As B: write raw B (the K*N floats the caller would have passed at bOff) at float `at` of memory.buffer.
   * As C: read the M x N result, rows `ld` floats apart, from float `at` (only with beta 0).
   * `room` is the float offset of the room.
   */
  run(memory: WasmMemory, at: number, ld: number, room: number): void;
}

/** `GemmFn` whose B and C may also live in the kernel's memory (see InMemory). */
export type GemmInMemoryFn = (
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Float32Array, aOff: number, B: Float32Array | InMemory, bOff: number,
  beta: number, C: Float32Array | InMemory, cOff: number,
) => void;

/**
 * Bytes at the start of a kernel memory that the gemm never touches: the
 * convolution sweeps keep their zero and sink cells there when they share it.
 */
export const RESERVED_BYTES = 32;

/** Whether this runtime accepts WebAssembly SIMD (checked by validating the kernel module). */
export function wasmSimdAvailable(): boolean {
  try {
    return wasmApi !== undefined && wasmApi.validate(gemmKernelModuleBytes());
  } catch {
    return false;
  }
}

/** Byte offsets of the regions one call uses in wasm memory, 16-byte aligned. */
interface Layout {
  scratch: number; scratchHelper: number; rawA: number; rawB: number; packedA: number; packedB: number; product: number; room: number; end: number;
}

function layout(mr: number, nr: number, M: number, N: number, K: number, packedPanels: number, roomFloats: number): Layout {
  const Mp = Math.ceil(M / mr) * mr, Np = Math.ceil(N / nr) * nr;
  const up16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;
  // The kernel's scratch tiles, one per thread, on cache lines of their own (two cores writing one
  // line take turns owning it: products with K > SUM_BLOCK ran slower on two threads than on one);
  // then the operands.
  const scratch = RESERVED_BYTES + SCRATCH_GAP, scratchHelper = scratch + SCRATCH_BYTES + SCRATCH_GAP;
  // Raw operands get slack for panels reading past their last row or column (at most a panel's width of
  // rows or columns, whichever way the operand is stored).
  const rawA = scratchHelper + SCRATCH_BYTES + SCRATCH_GAP;
  const rawB = up16(rawA + (M * K + (mr - 1) * K + mr) * 4);
  const packedA = up16(rawB + (K * N + (nr - 1) * K + nr) * 4);
  const packedB = up16(packedA + Mp * K * 4);
  // Packed B holds `packedPanels` column panels: a chunk at a time, not the whole of B.
  const product = up16(packedB + packedPanels * nr * K * 4);
  const room = up16(product + Mp * Np * 4);
  return { scratch, scratchHelper, rawA, rawB, packedA, packedB, product, room, end: room + roomFloats * 4 };
}

/**
 * Below this many multiply-adds a product is not split between threads: the
 * operands the helper reads were just written by the calling thread, and
 * moving them between the cores' caches costs more than the helper saves on
 * small products (measured: a 50 x 64 x 500 product gains nothing).
 */
export const THREAD_MIN_MULTIPLY_ADDS = 1 << 21;

export interface WasmGemmOptions {
  /** Also run a helper thread and split large products with it (bit-identical results). */
  threads?: boolean;
}

/** A wasm gemm, and its helper thread when it has one. */
export interface WasmGemm {
  /** The gemm; B or C may also live in the kernel's memory (see InMemory). */
  gemm: GemmInMemoryFn;
  /** Whether a helper thread was started (it may still be starting up). */
  threaded: boolean;
  /** Whether the helper thread is running and taking work. */
  helperReady(): boolean;
  /** Products split with the helper thread so far. */
  splitProducts(): number;
  /** Stops the helper thread, if any; the gemm then runs on the calling thread only. */
  stopThreads(): void;
}

/**
 * Instantiates the module over its own growable memory and returns a gemm with
 * the engine's signature, or null when WebAssembly SIMD is not available; not
 * re-entrant (one scratch memory per instance). With `threads`, products of at least
 * THREAD_MIN_MULTIPLY_ADDS run in a second instance over a shared memory,
 * split with a helper thread (./helper-thread.ts); smaller ones stay in a
 * private memory, whose copies are faster. Where shared memory or worker
 * threads are unavailable everything runs in the private instance.
 */
export function createWasmGemmWith(options: WasmGemmOptions): WasmGemm | null {
  if (wasmApi === undefined || !wasmSimdAvailable()) return null;
  const single = instantiate(null);
  let threaded: GemmInMemoryFn | null = null;
  let helper: HelperThread | null = null;
  if (options.threads && typeof SharedArrayBuffer === "function") {
    try {
      const bytes = gemmKernelModuleBytes(true);
      if (wasmApi.validate(bytes)) {
        const memory = new wasmApi.Memory({ initial: 16, maximum: SHARED_MAX_PAGES, shared: true });
        const module = new wasmApi.Module(bytes);
        helper = startHelperThread(module, memory);
        if (helper !== null) threaded = instantiate({ module, memory, helper: () => helper });
      }
    } catch {
      helper?.stop();
      helper = null;
      threaded = null;
    }
  }
  let split = 0;
  const gemmInMemory: GemmInMemoryFn = (transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff) => {
    if (threaded !== null && helper !== null && M * N * K >= THREAD_MIN_MULTIPLY_ADDS && helper.ready()) {
      split++;
      threaded(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff);
    } else {
      single(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff);
    }
  };
  return {
    gemm: gemmInMemory,
    threaded: helper !== null,
    helperReady: () => helper !== null && helper.ready(),
    splitProducts: () => split,
    stopThreads() {
      helper?.stop();
      helper = null;
    },
  };
}

/** A shared instance: its module and memory, and the helper thread (null once it failed or was stopped). */
interface SharedSetup {
  module: object;
  memory: WasmMemory;
  helper: () => HelperThread | null;
}

/** One instance of the module with its scratch memory, as a gemm; with `shared`, products are split with the helper. */
function instantiate(shared: SharedSetup | null): GemmInMemoryFn {
  const api = wasmApi!;
  const { mr: MR, nr: NR } = TILE;
  const mem = shared?.memory ?? new api.Memory({ initial: 16 });
  const module = shared?.module ?? new api.Module(gemmKernelModuleBytes());
  const { exports } = new api.Instance(module, { env: { memory: mem } });
  const kernel = exports["kernel"] as Kernel;
  const packA = exports["packA"] as Pack;
  const packB = exports["packB"] as Pack;
  let heap = new Float32Array(mem.buffer);

  /**
   * Panels [q0, q0 + n) of a product on this thread: pack them (into this thread's packed-B
   * region, reused chunk after chunk) if needed, then multiply them against all of A.
   */
  const runPanels: PanelRunner = (j, q0, n) => {
    let b = j.b + q0 * j.bPanelStep;
    if (j.packedB >= 0) {
      packB(j.rawB + q0 * j.rawPanelStep, j.packedB, n, j.k, j.rawPanelStep, j.rawKStep, j.itemStep);
      b = j.packedB;
    }
    kernel(j.a, j.aPanelStep, j.aKStep, b, j.bPanelStep, j.bKStep, j.c + q0 * j.cPanelBytes, j.ldc, j.mPanels, n, j.k, j.scratch, j.alpha, j.beta);
  };
  /** The whole product on this thread, chunk after chunk. */
  const runAllHere = (j: PanelJob): void => {
    for (let q0 = 0; q0 < j.panels; q0 += j.chunkPanels) runPanels(j, q0, Math.min(j.chunkPanels, j.panels - q0));
  };
  // One job record, reused: no allocation per product.
  const job: PanelJob = {
    panels: 0, chunkPanels: 1, rawB: 0, packedB: -1, packedBHelper: -1, rawPanelStep: 0, rawKStep: 0, itemStep: 0,
    a: 0, aPanelStep: 0, aKStep: 0, b: 0, bPanelStep: 0, bKStep: 0, c: 0, ldc: 0, mPanels: 0, k: 0,
    cPanelBytes: 0, scratch: 0, scratchHelper: 0, alpha: 1, beta: 0,
  };

  return function gemmWasm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Float32Array, aOff: number, B: Float32Array | InMemory, bOff: number,
    beta: number, C: Float32Array | InMemory, cOff: number,
  ): void {
    if (M <= 0 || N <= 0) return;
    const bArray = B instanceof Float32Array ? B : null, cArray = C instanceof Float32Array ? C : null;
    if (cArray === null && (beta !== 0 || K <= 0)) throw new Error("gemm: a result read in wasm memory needs beta 0 and K > 0");
    if (K <= 0 && cArray !== null) {
      // op(A) * op(B) is zero: C = beta * C (overwritten when beta is 0).
      for (let i = cOff, end = cOff + M * N; i < end; i++) cArray[i] = beta === 0 ? 0 : beta * cArray[i]!;
      return;
    }
    const roomFloats = Math.max(bArray === null ? (B as InMemory).roomFloats : 0, cArray === null ? (C as InMemory).roomFloats : 0);
    const mPanels = Math.ceil(M / MR), nPanels = Math.ceil(N / NR), Np = nPanels * NR;
    const helper = nPanels >= 2 ? (shared?.helper() ?? null) : null;
    // Column panels of B per chunk: few enough that a packed chunk stays in the cache while the
    // kernel reads it; with a helper, also at least about eight chunks to share out.
    const chunkPanels = Math.max(
      Math.ceil(nPanels / MAX_CHUNKS),
      Math.min(nPanels, PACKED_CHUNK_PANELS, helper !== null ? Math.max(1, Math.ceil(nPanels / 8)) : nPanels),
    );
    const at = layout(MR, NR, M, N, K, helper !== null ? 2 * chunkPanels : chunkPanels, roomFloats);
    if (at.end > mem.buffer.byteLength) {
      mem.grow(Math.ceil((at.end - mem.buffer.byteLength) / PAGE_BYTES));
      heap = new Float32Array(mem.buffer);
    }
    const h = heap;
    h.set(A.subarray(aOff, aOff + M * K), at.rawA >> 2);
    h.fill(0, (at.rawA >> 2) + M * K, at.rawB >> 2);
    if (bArray !== null) h.set(bArray.subarray(bOff, bOff + K * N), at.rawB >> 2);
    else (B as InMemory).run(mem, at.rawB >> 2, N, at.room >> 2);
    h.fill(0, (at.rawB >> 2) + K * N, at.packedA >> 2);
    // Raw op(A) (i, k) is float i*ai + k*ak, op(B) (k, j) is float k*bk + j*bj. A panel's values for one k
    // must be adjacent (ai = 1, bj = 1) to be read in place; otherwise they are packed.
    const ai = transA ? 1 : K, ak = transA ? M : 1, bk = transB ? 1 : N, bj = transB ? K : 1;
    let aAt = at.rawA, aPanelStep = MR * ai * 4, aKStep = ak * 4;
    if (ai !== 1) {
      packA(aAt, at.packedA, mPanels, K, aPanelStep, aKStep, ai * 4);
      aAt = at.packedA; aPanelStep = MR * K * 4; aKStep = MR * 4;
    }
    const packNeeded = bj !== 1;
    job.panels = nPanels; job.chunkPanels = chunkPanels;
    job.rawB = at.rawB; job.rawPanelStep = NR * bj * 4; job.rawKStep = bk * 4; job.itemStep = bj * 4;
    job.packedB = packNeeded ? at.packedB : -1;
    job.packedBHelper = packNeeded ? at.packedB + chunkPanels * NR * K * 4 : -1;
    job.a = aAt; job.aPanelStep = aPanelStep; job.aKStep = aKStep;
    job.b = packNeeded ? at.packedB : at.rawB;
    job.bPanelStep = packNeeded ? NR * K * 4 : NR * bj * 4;
    job.bKStep = packNeeded ? NR * 4 : bk * 4;
    job.c = at.product; job.ldc = Np * 4; job.cPanelBytes = NR * 4; job.mPanels = mPanels; job.k = K;
    job.scratch = at.scratch; job.scratchHelper = at.scratchHelper;
    job.alpha = alpha; job.beta = beta;
    const product = at.product >> 2;
    if (beta !== 0) for (let i = 0; i < M; i++) h.set(cArray!.subarray(cOff + i * N, cOff + i * N + N), product + i * Np);
    if (helper !== null) {
      try {
        helper.run(job, runPanels);
      } catch (error) {
        // A helper that failed is not used again; the product is redone here, from the same inputs.
        helper.stop();
        if (!(error instanceof Error && error.message.startsWith("gemm:"))) throw error;
        if (beta !== 0) for (let i = 0; i < M; i++) h.set(cArray!.subarray(cOff + i * N, cOff + i * N + N), product + i * Np);
        runAllHere(job);
      }
    } else {
      runAllHere(job);
    }
    if (cArray === null) (C as InMemory).run(mem, product, Np, at.room >> 2);
    else if (N === Np) cArray.set(h.subarray(product, product + M * N), cOff);
    else for (let i = 0; i < M; i++) cArray.set(h.subarray(product + i * Np, product + i * Np + N), cOff + i * N);
  };
}
