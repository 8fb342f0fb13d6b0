/**
 * Single-precision matrix multiply, C = alpha * op(A) * op(B) + beta * C, with
 * BLAS sgemm's row-major meaning (op(X) = X or its transpose; op(A) is M x K,
 * op(B) is K x N, C is M x N, all densely packed from their offsets).
 *
 * Every implementation sums the same way, so all give bit-identical results:
 * each element's products are rounded to float32 and summed in float32 over
 * runs of SUM_BLOCK consecutive k (in k order), the runs' sums are added in
 * float64, and alpha * sum + beta * C is formed in float64 and rounded to
 * float32 once. Float32 runs are what a float BLAS does (and four times the
 * SIMD lanes of double); adding the runs in double keeps long sums, such as a
 * weight gradient over a whole batch of pixels, as accurate as short ones.
 *
 * `gemm` is the entry point every layer calls. By default ("auto") it runs the
 * WebAssembly SIMD kernel (./wasm/gemm-kernel.ts) when the runtime has it and
 * the product is big enough to repay copying the operands into wasm memory,
 * and `gemmTs` otherwise. The environment variable BNLINT_GEMM (read once, at
 * load) or `setGemmBackend` chooses otherwise:
 *   ts        `gemmTs` for every size;
 *   wasm      the wasm kernel for every size.
 *
 * `gemmTs` walks both operands in place through strides (no packing, no
 * scratch memory) and computes 4 x 4 tiles of C with sixteen running sums, so
 * each element loaded from A or B serves four multiply-adds. `gemmNaive` is
 * the plain triple loop summing in float64, the reference for tests and
 * benchmarks.
 */
import os from "node:os";
import { createWasmGemmWith, SUM_BLOCK, type GemmFn, type GemmInMemoryFn, type WasmGemm } from "./wasm/gemm-kernel.js";

export { SUM_BLOCK };

/** Which implementation `gemm` uses (see the module comment). */
export type GemmBackend = "auto" | "ts" | "wasm";

const BACKENDS: readonly GemmBackend[] = ["auto", "ts", "wasm"];

/** Below this many multiply-adds (M*N*K) "auto" stays in TypeScript: copying in and out would dominate. */
export const WASM_MIN_MULTIPLY_ADDS = 4096;
/** Below this many columns of C "auto" stays in TypeScript: rows narrower than a register tile waste most lanes. */
export const WASM_MIN_COLUMNS = 8;

/** What was wrong with BNLINT_GEMM / BNLINT_THREADS (the defaults are used instead); see engineSettingsProblems. */
const envProblems: string[] = [];
let backend: GemmBackend = backendFromEnv(typeof process === "object" ? process.env["BNLINT_GEMM"] : undefined);
let threads: number = threadsFromEnv(typeof process === "object" ? process.env["BNLINT_THREADS"] : undefined);
let wasmGemm: WasmGemm | null | undefined; // undefined: not tried yet

/** BNLINT_THREADS: 1 (the calling thread only) or 2 (with a helper thread); default 2 when the machine has two cores. */
function threadsFromEnv(value: string | undefined): number {
  if (value === "1" || value === "2") return Number(value);
  if (value !== undefined && value !== "") envProblems.push(`BNLINT_THREADS must be 1 or 2, not "${value}"`);
  return os.availableParallelism() >= 2 ? 2 : 1;
}

function backendFromEnv(value: string | undefined): GemmBackend {
  const known = BACKENDS.find((b) => b === value);
  if (known !== undefined) return known;
  if (value !== undefined && value !== "") envProblems.push(`BNLINT_GEMM must be one of ${BACKENDS.join(", ")}, not "${value}"`);
  return "auto";
}

/**
 * Problems with the engine's environment variables, one message each (empty
 * when none). The engine then runs with its defaults; the CLI reports them as
 * usage errors instead of starting.
 */
export function engineSettingsProblems(): readonly string[] {
  return envProblems;
}

/** The WebAssembly gemm, instantiated on first use; null without WebAssembly SIMD. */
export function getWasmGemm(): GemmFn | null {
  if (wasmGemm === undefined) wasmGemm = createWasmGemmWith({ threads: threads > 1 });
  return wasmGemm?.gemm ?? null;
}

/**
 * Threads the wasm gemm uses: 1, or 2 (a helper thread takes part of every
 * large product; results are bit-identical). Takes effect for gemms created
 * afterwards: an existing one is stopped and recreated on next use.
 */
export function setGemmThreads(count: 1 | 2): void {
  if (count === threads) return;
  threads = count;
  wasmGemm?.stopThreads();
  wasmGemm = undefined;
}

/** Threads the wasm gemm uses (see setGemmThreads). */
export function getGemmThreads(): number {
  return threads;
}

/** Selects the implementation behind `gemm`; a wasm choice throws when WebAssembly SIMD is unavailable. */
export function setGemmBackend(choice: GemmBackend): void {
  if (choice === "wasm" && getWasmGemm() === null) {
    throw new Error("gemm: WebAssembly SIMD is not available in this runtime");
  }
  backend = choice;
}

/** The implementation currently behind `gemm`. */
export function getGemmBackend(): GemmBackend {
  return backend;
}

/** Whether `gemm` hands an M x N x K product to the wasm kernel under the current backend. */
export function wasmServes(M: number, N: number, K: number): boolean {
  return backend !== "ts" && (backend === "wasm" || (M * N * K >= WASM_MIN_MULTIPLY_ADDS && N >= WASM_MIN_COLUMNS));
}

/**
 * The wasm gemm whose B or C may live in its memory (see InMemory), when the backend
 * is not "ts" and the runtime has WebAssembly SIMD; else null.
 */
export function getWasmGemmInMemory(): GemmInMemoryFn | null {
  if (backend === "ts" || getWasmGemm() === null) return null;
  return wasmGemm?.gemm ?? null;
}

/**
 * C[cOff..] = alpha * op(A) * op(B) + beta * C. With beta = 0 the old contents
 * of C are ignored (as in BLAS, NaN there does not propagate).
 */
export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Float32Array, aOff: number, B: Float32Array, bOff: number,
  beta: number, C: Float32Array, cOff: number,
): void {
  if (wasmServes(M, N, K)) {
    const wasm = getWasmGemm();
    if (wasm !== null) {
      try {
        wasm(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff);
        return;
      } catch (error) {
        // Wasm memory could not grow to hold the operands (C is untouched then): use TypeScript.
        if (!(error instanceof RangeError)) throw error;
      }
    }
    if (backend === "wasm") throw new Error("gemm: WebAssembly SIMD is not available in this runtime");
  }
  gemmTs(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff);
}

/** Rounds to float32 (V8 compiles f32(a op b) of floats to one float32 operation). */
const f32 = Math.fround;

/** The TypeScript implementation of `gemm` (reference and fallback for the WebAssembly kernel). */
export function gemmTs(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Float32Array, aOff: number, B: Float32Array, bOff: number,
  beta: number, C: Float32Array, cOff: number,
): void {
  // Element (i, k) of op(A) is A[aOff + i*ai + k*ak]; element (k, j) of op(B) is B[bOff + k*bk + j*bj].
  const ai = transA ? 1 : K, ak = transA ? M : 1;
  const bk = transB ? 1 : N, bj = transB ? K : 1;
  const M4 = M - (M % 4), N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    const c0 = cOff + i * N, c1 = c0 + N, c2 = c1 + N, c3 = c2 + N;
    for (let j = 0; j < N4; j += 4) {
      // Float64 totals, and float32 sums of the current run of SUM_BLOCK values of k.
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      let pa = aOff + i * ai, pb = bOff + j * bj;
      for (let k0 = 0; k0 < K; k0 += SUM_BLOCK) {
        let t00 = 0, t01 = 0, t02 = 0, t03 = 0;
        let t10 = 0, t11 = 0, t12 = 0, t13 = 0;
        let t20 = 0, t21 = 0, t22 = 0, t23 = 0;
        let t30 = 0, t31 = 0, t32 = 0, t33 = 0;
        for (let k = k0, kEnd = Math.min(K, k0 + SUM_BLOCK); k < kEnd; k++, pa += ak, pb += bk) {
          const x0 = A[pa]!, x1 = A[pa + ai]!, x2 = A[pa + 2 * ai]!, x3 = A[pa + 3 * ai]!;
          const y0 = B[pb]!, y1 = B[pb + bj]!, y2 = B[pb + 2 * bj]!, y3 = B[pb + 3 * bj]!;
          t00 = f32(t00 + f32(x0 * y0)); t01 = f32(t01 + f32(x0 * y1)); t02 = f32(t02 + f32(x0 * y2)); t03 = f32(t03 + f32(x0 * y3));
          t10 = f32(t10 + f32(x1 * y0)); t11 = f32(t11 + f32(x1 * y1)); t12 = f32(t12 + f32(x1 * y2)); t13 = f32(t13 + f32(x1 * y3));
          t20 = f32(t20 + f32(x2 * y0)); t21 = f32(t21 + f32(x2 * y1)); t22 = f32(t22 + f32(x2 * y2)); t23 = f32(t23 + f32(x2 * y3));
          t30 = f32(t30 + f32(x3 * y0)); t31 = f32(t31 + f32(x3 * y1)); t32 = f32(t32 + f32(x3 * y2)); t33 = f32(t33 + f32(x3 * y3));
        }
        s00 += t00; s01 += t01; s02 += t02; s03 += t03;
        s10 += t10; s11 += t11; s12 += t12; s13 += t13;
        s20 += t20; s21 += t21; s22 += t22; s23 += t23;
        s30 += t30; s31 += t31; s32 += t32; s33 += t33;
      }
      if (beta === 0) {
        C[c0 + j] = alpha * s00; C[c0 + j + 1] = alpha * s01; C[c0 + j + 2] = alpha * s02; C[c0 + j + 3] = alpha * s03;
        C[c1 + j] = alpha * s10; C[c1 + j + 1] = alpha * s11; C[c1 + j + 2] = alpha * s12; C[c1 + j + 3] = alpha * s13;
        C[c2 + j] = alpha * s20; C[c2 + j + 1] = alpha * s21; C[c2 + j + 2] = alpha * s22; C[c2 + j + 3] = alpha * s23;
        C[c3 + j] = alpha * s30; C[c3 + j + 1] = alpha * s31; C[c3 + j + 2] = alpha * s32; C[c3 + j + 3] = alpha * s33;
      } else {
        C[c0 + j] = alpha * s00 + beta * C[c0 + j]!; C[c0 + j + 1] = alpha * s01 + beta * C[c0 + j + 1]!;
        C[c0 + j + 2] = alpha * s02 + beta * C[c0 + j + 2]!; C[c0 + j + 3] = alpha * s03 + beta * C[c0 + j + 3]!;
        C[c1 + j] = alpha * s10 + beta * C[c1 + j]!; C[c1 + j + 1] = alpha * s11 + beta * C[c1 + j + 1]!;
        C[c1 + j + 2] = alpha * s12 + beta * C[c1 + j + 2]!; C[c1 + j + 3] = alpha * s13 + beta * C[c1 + j + 3]!;
        C[c2 + j] = alpha * s20 + beta * C[c2 + j]!; C[c2 + j + 1] = alpha * s21 + beta * C[c2 + j + 1]!;
        C[c2 + j + 2] = alpha * s22 + beta * C[c2 + j + 2]!; C[c2 + j + 3] = alpha * s23 + beta * C[c2 + j + 3]!;
        C[c3 + j] = alpha * s30 + beta * C[c3 + j]!; C[c3 + j + 1] = alpha * s31 + beta * C[c3 + j + 1]!;
        C[c3 + j + 2] = alpha * s32 + beta * C[c3 + j + 2]!; C[c3 + j + 3] = alpha * s33 + beta * C[c3 + j + 3]!;
      }
    }
    for (let j = N4; j < N; j++) {
      for (let r = i; r < i + 4; r++) edge(K, alpha, A, aOff + r * ai, ak, B, bOff + j * bj, bk, beta, C, cOff + r * N + j);
    }
  }
  for (let i = M4; i < M; i++) {
    for (let j = 0; j < N; j++) edge(K, alpha, A, aOff + i * ai, ak, B, bOff + j * bj, bk, beta, C, cOff + i * N + j);
  }
}

/** One element of C from a row of op(A) and a column of op(B) (the ragged right and bottom edges). */
function edge(
  K: number, alpha: number, A: Float32Array, pa: number, ak: number, B: Float32Array, pb: number, bk: number,
  beta: number, C: Float32Array, c: number,
): void {
  let s = 0;
  for (let k0 = 0; k0 < K; k0 += SUM_BLOCK) {
    let t = 0;
    for (let k = k0, kEnd = Math.min(K, k0 + SUM_BLOCK); k < kEnd; k++, pa += ak, pb += bk) t = f32(t + f32(A[pa]! * B[pb]!));
    s += t;
  }
  C[c] = beta === 0 ? alpha * s : alpha * s + beta * C[c]!;
}

/** The textbook triple loop with the same meaning as `gemm` (reference for tests and benchmarks). */
export function gemmNaive(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Float32Array, aOff: number, B: Float32Array, bOff: number,
  beta: number, C: Float32Array, cOff: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const x = transA ? A[aOff + k * M + i]! : A[aOff + i * K + k]!;
        const y = transB ? B[bOff + j * K + k]! : B[bOff + k * N + j]!;
        s += x * y;
      }
      const ci = cOff + i * N + j;
      C[ci] = beta === 0 ? alpha * s : alpha * s + beta * C[ci]!;
    }
  }
}
