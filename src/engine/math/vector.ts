/**
 * Small element-wise kernels on Float32Array ranges, the engine's stand-in
 * for caffe_axpy / caffe_copy / caffe_set and friends.
 */

/** y[yOff + i] += alpha * x[xOff + i] for i < n. */
export function axpy(n: number, alpha: number, x: Float32Array, xOff: number, y: Float32Array, yOff: number): void {
  for (let i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i]!;
}

/** Copy n values from x[xOff..] into y[yOff..]. */
export function copyRange(n: number, x: Float32Array, xOff: number, y: Float32Array, yOff: number): void {
  if (x === y && xOff === yOff) return;
  for (let i = 0; i < n; i++) y[yOff + i] = x[xOff + i]!;
}

/** Sum of x[off..off+n) in double precision. */
export function sumRange(n: number, x: Float32Array, off: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[off + i]!;
  return s;
}

/** Dot product of n values in double precision. */
export function dot(n: number, x: Float32Array, xOff: number, y: Float32Array, yOff: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[xOff + i]! * y[yOff + i]!;
  return s;
}
