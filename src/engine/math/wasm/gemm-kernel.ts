/**
 * Single-precision GEMM on WebAssembly SIMD, generated at runtime.
 *
 * The operands are packed into linear memory first: op(A) into row panels of
 * MR rows stored k-major (for each k, the MR values of that column), op(B)
 * into column panels of NR columns stored k-major (for each k, NR values of
 * that row), both zero-padded to whole panels. Packing handles every
 * transpose, so the kernel knows one layout only. The kernel walks column
 * panels of B (outer, kept hot in cache) and row panels of A (inner), and for
 * each MR x NR tile of C keeps MR * NR / 4 f32x4 accumulators in registers
 * across the whole K loop: per k it loads NR / 4 vectors of B, broadcasts
 * each of the MR values of A and does one multiply and one add per
 * accumulator. Tiles land in a padded product buffer; the caller's C is then
 * written as alpha * product + beta * C (not reading C when beta is 0).
 *
 * Sums are accumulated in float32 in k order, as a float BLAS does; the
 * scalar TypeScript path accumulates in float64, so the two differ by float32
 * rounding (a few ulps times sqrt(K)).
 */
import { code, encodeModule, i32, op, v128, type ValType } from "./encode.js";
import { PAGE_BYTES, wasmApi } from "./runtime.js";

/** Rows of op(A) per register tile. */
export const MR = 4;
/** Columns of op(B) per register tile (a multiple of 4, the f32x4 width). */
export const NR = 8;

/**
 * Bytes of the kernel module. Exports `kernel(ap, bp, cp, mPanels, nPanels, K, ldcBytes)`
 * (addresses in bytes; mPanels, nPanels and K at least 1) that writes the
 * (mPanels*MR) x (nPanels*NR) product of the packed panels to cp, rows ldcBytes apart.
 */
export function gemmKernelModuleBytes(mr: number = MR, nr: number = NR): Uint8Array<ArrayBuffer> {
  if (nr % 4 !== 0) throw new RangeError(`gemm kernel: NR=${nr} is not a multiple of 4`);
  const vectors = nr / 4;
  // Parameters.
  const AP = 0, BP = 1, CP = 2, M_PANELS = 3, N_PANELS = 4, K = 5, LDC = 6;
  // Locals.
  const JB = 7, IB = 8, KK = 9, PA = 10, PB = 11, PB_PANEL = 12, PC = 13, PC_COL = 14, PC_ROW = 15;
  const A = 16, B0 = 17; // B0 .. B0 + vectors - 1
  const ACC0 = B0 + vectors; // accumulator (r, v) is ACC0 + r * vectors + v
  const locals: ValType[] = [
    ...Array<ValType>(PC_ROW - JB + 1).fill(i32),
    ...Array<ValType>(1 + vectors + mr * vectors).fill(v128),
  ];
  const acc = (r: number, v: number): number => ACC0 + r * vectors + v;
  const get = op.localGet, set = op.localSet;

  const zeroAccumulators: number[][] = [];
  for (let r = 0; r < mr; r++) for (let v = 0; v < vectors; v++) zeroAccumulators.push(op.v128ConstF32(0), set(acc(r, v)));

  // One step of k: load NR values of B, then per row of A broadcast and multiply-add.
  const kStep: number[][] = [];
  for (let v = 0; v < vectors; v++) kStep.push(get(PB), op.v128Load(16 * v), set(B0 + v));
  for (let r = 0; r < mr; r++) {
    kStep.push(get(PA), op.v128Load32Splat(4 * r), set(A));
    for (let v = 0; v < vectors; v++) {
      kStep.push(get(acc(r, v)), get(A), get(B0 + v), op.f32x4Mul(), op.f32x4Add(), set(acc(r, v)));
    }
  }
  kStep.push(
    get(PA), op.i32Const(4 * mr), op.i32Add(), set(PA),
    get(PB), op.i32Const(4 * nr), op.i32Add(), set(PB),
  );

  const storeTile: number[][] = [get(PC), set(PC_ROW)];
  for (let r = 0; r < mr; r++) {
    for (let v = 0; v < vectors; v++) storeTile.push(get(PC_ROW), get(acc(r, v)), op.v128Store(16 * v));
    if (r + 1 < mr) storeTile.push(get(PC_ROW), get(LDC), op.i32Add(), set(PC_ROW));
  }

  const body = code(
    // jb = 0; pbPanel = bp; pcCol = cp
    op.i32Const(0), set(JB), get(BP), set(PB_PANEL), get(CP), set(PC_COL),
    op.loop(), // over column panels of B
    op.i32Const(0), set(IB), get(AP), set(PA), get(PC_COL), set(PC),
    op.loop(), // over row panels of A (pa runs on from one panel to the next)
    get(PB_PANEL), set(PB),
    ...zeroAccumulators,
    get(K), set(KK),
    op.loop(), // over k
    ...kStep,
    get(KK), op.i32Const(1), op.i32Sub(), op.localTee(KK), op.brIf(0),
    op.end(),
    ...storeTile,
    // pc += MR rows of C
    get(PC), get(LDC), op.i32Const(mr), op.i32Mul(), op.i32Add(), set(PC),
    get(IB), op.i32Const(1), op.i32Add(), op.localTee(IB), get(M_PANELS), op.i32Ne(), op.brIf(0),
    op.end(),
    // next column panel: pb has run to its end; C columns move by NR
    get(PB), set(PB_PANEL),
    get(PC_COL), op.i32Const(4 * nr), op.i32Add(), set(PC_COL),
    get(JB), op.i32Const(1), op.i32Add(), op.localTee(JB), get(N_PANELS), op.i32Ne(), op.brIf(0),
    op.end(),
  );
  return encodeModule({
    memory: { module: "env", field: "memory", minPages: 1 },
    functions: [{ name: "kernel", params: [i32, i32, i32, i32, i32, i32, i32], results: [], locals, body }],
  });
}

type Kernel = (ap: number, bp: number, cp: number, mPanels: number, nPanels: number, K: number, ldcBytes: number) => void;

/** The same signature and meaning as the engine's `gemm`. */
export type GemmFn = (
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Float32Array, aOff: number, B: Float32Array, bOff: number,
  beta: number, C: Float32Array, cOff: number,
) => void;

/** Whether this runtime accepts WebAssembly SIMD (checked by validating the kernel module). */
export function wasmSimdAvailable(): boolean {
  try {
    return wasmApi !== undefined && wasmApi.validate(gemmKernelModuleBytes());
  } catch {
    return false;
  }
}

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * Instantiates the kernel over its own growable memory and returns a gemm with
 * the engine's signature, or null when WebAssembly SIMD is not available.
 * The returned function is not re-entrant (one scratch memory per instance).
 */
export function createWasmGemm(): GemmFn | null {
  if (wasmApi === undefined || !wasmSimdAvailable()) return null;
  const memory = new wasmApi.Memory({ initial: 16 });
  const instance = new wasmApi.Instance(new wasmApi.Module(gemmKernelModuleBytes()), {
    env: { memory },
  });
  const kernel = instance.exports["kernel"] as Kernel;
  let heap = new Float32Array(memory.buffer);

  return function gemmWasm(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff): void {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
      // op(A) * op(B) is zero: C = beta * C (overwritten when beta is 0).
      for (let i = cOff, end = cOff + M * N; i < end; i++) C[i] = beta === 0 ? 0 : beta * C[i]!;
      return;
    }
    const mPanels = Math.ceil(M / MR), nPanels = Math.ceil(N / NR);
    const Mp = mPanels * MR, Np = nPanels * NR;
    const apBytes = 0;
    const bpBytes = align16(apBytes + Mp * K * 4);
    const cpBytes = align16(bpBytes + Np * K * 4);
    const endBytes = cpBytes + Mp * Np * 4;
    if (endBytes > memory.buffer.byteLength) {
      memory.grow(Math.ceil((endBytes - memory.buffer.byteLength) / PAGE_BYTES));
      heap = new Float32Array(memory.buffer);
    }
    const h = heap;
    // Pack op(A): element (i, k) is A[aOff + i*ai + k*ak]; panel p holds rows p*MR.., k-major.
    const ai = transA ? 1 : K, ak = transA ? M : 1;
    let d = apBytes >> 2;
    for (let p = 0; p < mPanels; p++) {
      const i0 = p * MR, rows = Math.min(MR, M - i0);
      for (let k = 0; k < K; k++, d += MR) {
        const s = aOff + i0 * ai + k * ak;
        for (let r = 0; r < rows; r++) h[d + r] = A[s + r * ai]!;
        for (let r = rows; r < MR; r++) h[d + r] = 0;
      }
    }
    // Pack op(B): element (k, j) is B[bOff + k*bk + j*bj]; panel q holds columns q*NR.., k-major.
    const bk = transB ? 1 : N, bj = transB ? K : 1;
    d = bpBytes >> 2;
    for (let q = 0; q < nPanels; q++) {
      const j0 = q * NR, cols = Math.min(NR, N - j0);
      for (let k = 0; k < K; k++, d += NR) {
        const s = bOff + k * bk + j0 * bj;
        for (let c = 0; c < cols; c++) h[d + c] = B[s + c * bj]!;
        for (let c = cols; c < NR; c++) h[d + c] = 0;
      }
    }
    kernel(apBytes, bpBytes, cpBytes, mPanels, nPanels, K, Np * 4);
    // Write back.
    const cp = cpBytes >> 2;
    for (let i = 0; i < M; i++) {
      const src = cp + i * Np, dst = cOff + i * N;
      if (beta === 0) for (let j = 0; j < N; j++) C[dst + j] = alpha * h[src + j]!;
      else for (let j = 0; j < N; j++) C[dst + j] = alpha * h[src + j]! + beta * C[dst + j]!;
    }
  };
}
