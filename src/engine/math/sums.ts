/**
 * Sums over a contiguous range [from, to) of float32 arrays, in float64, with
 * four running sums so that consecutive additions do not wait on each other
 * (about four times faster than one running sum; the result differs from it
 * only by float64 rounding).
 *
 * The elements past the last multiple of four are summed by functions of
 * their own: V8 optimises a long loop while it runs, and a loop of the same
 * function that its first calls never reached has no type feedback, so
 * reaching it later would throw the optimised code away again and again
 * (measured on absMean: 121 deoptimisations and 60 MB of boxed numbers per
 * LeNet probe iteration when its last few elements were summed in the loop's
 * own function).
 */

/** Σ a[i]. */
export function sumOf(a: Float32Array, from: number, to: number): number {
  const end4 = from + ((to - from) & ~3);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = from; i < end4; i += 4) {
    s0 += a[i]!;
    s1 += a[i + 1]!;
    s2 += a[i + 2]!;
    s3 += a[i + 3]!;
  }
  return s0 + s1 + (s2 + s3) + sumTail(a, end4, to);
}

/** Σ |a[i]|. */
export function absSumOf(a: Float32Array, from: number, to: number): number {
  const end4 = from + ((to - from) & ~3);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = from; i < end4; i += 4) {
    s0 += Math.abs(a[i]!);
    s1 += Math.abs(a[i + 1]!);
    s2 += Math.abs(a[i + 2]!);
    s3 += Math.abs(a[i + 3]!);
  }
  return s0 + s1 + (s2 + s3) + absSumTail(a, end4, to);
}

/** Σ a[i] * b[i]. */
export function dotOf(a: Float32Array, b: Float32Array, from: number, to: number): number {
  const end4 = from + ((to - from) & ~3);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = from; i < end4; i += 4) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  return s0 + s1 + (s2 + s3) + dotTail(a, b, end4, to);
}

/** Σ d², d = a[i] - mean rounded to float32 (as a float subtraction gives it). */
export function squaredDeviationsOf(a: Float32Array, from: number, to: number, mean: number): number {
  const end4 = from + ((to - from) & ~3);
  const f = Math.fround;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = from; i < end4; i += 4) {
    const d0 = f(a[i]! - mean), d1 = f(a[i + 1]! - mean), d2 = f(a[i + 2]! - mean), d3 = f(a[i + 3]! - mean);
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  return s0 + s1 + (s2 + s3) + squaredDeviationsTail(a, end4, to, mean);
}

function sumTail(a: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]!;
  return s;
}

function absSumTail(a: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += Math.abs(a[i]!);
  return s;
}

function dotTail(a: Float32Array, b: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]! * b[i]!;
  return s;
}

function squaredDeviationsTail(a: Float32Array, from: number, to: number, mean: number): number {
  let s = 0;
  for (let i = from; i < to; i++) {
    const d = Math.fround(a[i]! - mean);
    s += d * d;
  }
  return s;
}
