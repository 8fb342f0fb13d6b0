/**
 * Single-precision matrix multiply, C = alpha * op(A) * op(B) + beta * C, with
 * BLAS sgemm's row-major meaning (op(X) = X or its transpose; op(A) is M x K,
 * op(B) is K x N, C is M x N, all densely packed from their offsets).
 *
 * `gemm` reads both operands as rows along K (it transposes one operand into a
 * reusable scratch buffer when needed) and computes 4 x 4 tiles of C with
 * sixteen running sums, each element of A and B loaded once per tile. Sums are
 * kept in double precision and rounded to float32 once per element of C, so
 * results agree with a float BLAS to about 1e-6 relative. `gemmNaive` is the
 * plain triple loop, the reference for tests and benchmarks.
 */

let scratchA = new Float32Array(0);
let scratchB = new Float32Array(0);

function scratch(which: "A" | "B", n: number): Float32Array {
  if (which === "A") {
    if (scratchA.length < n) scratchA = new Float32Array(n);
    return scratchA;
  }
  if (scratchB.length < n) scratchB = new Float32Array(n);
  return scratchB;
}

/** Copy the rows x cols matrix at src[off..] into dst as its transpose (cols x rows). */
function transposeInto(src: Float32Array, off: number, rows: number, cols: number, dst: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const base = off + r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[base + c]!;
  }
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
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha === 0) {
    for (let i = 0; i < M * N; i++) C[cOff + i] = beta === 0 ? 0 : beta * C[cOff + i]!;
    return;
  }
  // Rows of op(A) (M x K) and rows of op(B)^T (N x K), both with stride K.
  let a = A, ao = aOff;
  if (transA) { a = scratch("A", M * K); transposeInto(A, aOff, K, M, a); ao = 0; }
  let b = B, bo = bOff;
  if (!transB) { b = scratch("B", N * K); transposeInto(B, bOff, K, N, b); bo = 0; }

  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    const a0 = ao + i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
    const c0 = cOff + i * N, c1 = c0 + N, c2 = c1 + N, c3 = c2 + N;
    for (let j = 0; j < N4; j += 4) {
      const b0 = bo + j * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = a[a0 + k]!, x1 = a[a1 + k]!, x2 = a[a2 + k]!, x3 = a[a3 + k]!;
        const y0 = b[b0 + k]!, y1 = b[b1 + k]!, y2 = b[b2 + k]!, y3 = b[b3 + k]!;
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
    for (let j = N4; j < N; j++) edge(a, a0, b, bo + j * K, K, 4, C, c0 + j, N, alpha, beta);
  }
  for (let i = M4; i < M; i++) {
    for (let j = 0; j < N; j++) edge(a, ao + i * K, b, bo + j * K, K, 1, C, cOff + i * N + j, N, alpha, beta);
  }
}

/** Column j of `rows` consecutive rows of C starting at aRow (remainder tiles). */
function edge(
  a: Float32Array, aRow: number, b: Float32Array, bRow: number, K: number, rows: number,
  C: Float32Array, c: number, N: number, alpha: number, beta: number,
): void {
  for (let r = 0; r < rows; r++) {
    const ar = aRow + r * K;
    let s = 0;
    for (let k = 0; k < K; k++) s += a[ar + k]! * b[bRow + k]!;
    const ci = c + r * N;
    C[ci] = beta === 0 ? alpha * s : alpha * s + beta * C[ci]!;
  }
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
