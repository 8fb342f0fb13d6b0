/**
 * Single-precision matrix multiply, C = alpha * op(A) * op(B) + beta * C, with
 * BLAS sgemm's row-major meaning (op(X) = X or its transpose; op(A) is M x K,
 * op(B) is K x N, C is M x N, all densely packed from their offsets).
 *
 * `gemm` is the entry point every layer calls. By default ("auto") it runs the
 * WebAssembly SIMD kernel (./wasm/gemm-kernel.ts) with float64 sums when the
 * runtime has it and the product is big enough to repay copying the operands
 * into wasm memory, and `gemmTs` otherwise. The environment variable
 * BNLINT_GEMM (read once, at load) or `setGemmBackend` chooses otherwise:
 *   ts        `gemmTs` for every size;
 *   wasm      the float64-summing wasm kernel for every size;
 *   wasm-f32  as auto, but the float32-summing wasm kernel (about twice as fast,
 *             float BLAS rounding; training runs drift from the float64 ones).
 *
 * `gemmTs` walks both operands in place through strides (no packing, no
 * scratch memory) and computes 4 x 4 tiles of C with sixteen running sums, so
 * each element loaded from A or B serves four multiply-adds. Sums are kept in
 * double precision and rounded to float32 once per element of C. The float64
 * wasm kernel adds the same exact products in the same order, so it gives
 * bit-identical results. `gemmNaive` is the plain triple loop, the reference
 * for tests and benchmarks.
 */
import os from "node:os";
import { createWasmGemmWith, type Accumulation, type GemmFn, type WasmGemm } from "./wasm/gemm-kernel.js";

/** Which implementation `gemm` uses (see the module comment). */
export type GemmBackend = "auto" | "ts" | "wasm" | "wasm-f32";

const BACKENDS: readonly GemmBackend[] = ["auto", "ts", "wasm", "wasm-f32"];

/** Below this many multiply-adds (M*N*K) "auto" stays in TypeScript: copying in and out would dominate. */
export const WASM_MIN_MULTIPLY_ADDS = 4096;
/** Below this many columns of C "auto" stays in TypeScript: rows narrower than a register tile waste most lanes. */
export const WASM_MIN_COLUMNS = 8;

/** What was wrong with BNLINT_GEMM / BNLINT_THREADS (the defaults are used instead); see engineSettingsProblems. */
const envProblems: string[] = [];
let backend: GemmBackend = backendFromEnv(typeof process === "object" ? process.env["BNLINT_GEMM"] : undefined);
let threads: number = threadsFromEnv(typeof process === "object" ? process.env["BNLINT_THREADS"] : undefined);
const wasmGemms: Record<Accumulation, WasmGemm | null | undefined> = { f64: undefined, f32: undefined }; // undefined: not tried yet
let active: GemmFn | null = null; // the wasm gemm `backend` uses, once known

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

/** The WebAssembly gemm summing in `accumulation`, instantiated on first use; null without WebAssembly SIMD. */
export function getWasmGemm(accumulation: Accumulation = "f64"): GemmFn | null {
  if (wasmGemms[accumulation] === undefined) wasmGemms[accumulation] = createWasmGemmWith(accumulation, { threads: threads > 1 });
  return wasmGemms[accumulation]?.gemm ?? null;
}

/**
 * Threads the wasm gemm uses: 1, or 2 (a helper thread takes part of every
 * large product; results are bit-identical). Takes effect for gemms created
 * afterwards: existing ones are stopped and recreated on next use.
 */
export function setGemmThreads(count: 1 | 2): void {
  if (count === threads) return;
  threads = count;
  for (const accumulation of ["f64", "f32"] as const) {
    wasmGemms[accumulation]?.stopThreads();
    wasmGemms[accumulation] = undefined;
  }
  active = null;
}

/** Threads the wasm gemm uses (see setGemmThreads). */
export function getGemmThreads(): number {
  return threads;
}

/** Selects the implementation behind `gemm`; a wasm choice throws when WebAssembly SIMD is unavailable. */
export function setGemmBackend(choice: GemmBackend): void {
  if ((choice === "wasm" || choice === "wasm-f32") && getWasmGemm(choice === "wasm" ? "f64" : "f32") === null) {
    throw new Error("gemm: WebAssembly SIMD is not available in this runtime");
  }
  backend = choice;
  active = null;
}

/** The implementation currently behind `gemm`. */
export function getGemmBackend(): GemmBackend {
  return backend;
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
  if (backend !== "ts" && (backend === "wasm" || (M * N * K >= WASM_MIN_MULTIPLY_ADDS && N >= WASM_MIN_COLUMNS))) {
    const wasm = active ?? (active = getWasmGemm(backend === "wasm-f32" ? "f32" : "f64"));
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
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      let pa = aOff + i * ai, pb = bOff + j * bj;
      for (let k = 0; k < K; k++, pa += ak, pb += bk) {
        const x0 = A[pa]!, x1 = A[pa + ai]!, x2 = A[pa + 2 * ai]!, x3 = A[pa + 3 * ai]!;
        const y0 = B[pb]!, y1 = B[pb + bj]!, y2 = B[pb + 2 * bj]!, y3 = B[pb + 3 * bj]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
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
  for (let k = 0; k < K; k++, pa += ak, pb += bk) s += A[pa]! * B[pb]!;
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
