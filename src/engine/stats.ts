/**
 * Summary statistics of a float32 array, as Caffe's debug_info reports them
 * (mean |x|) plus what a divergence diagnosis needs: sum, max |x| and counts of
 * NaN and infinite elements. Sums are taken in float64.
 */

export interface BlobStats {
  /** Mean of |x| over all elements; NaN if any element is NaN. */
  meanAbs: number;
  sum: number;
  /** Largest |x| among the non-NaN elements (0 for an empty array). */
  maxAbs: number;
  nan: number;
  inf: number;
}

/** Statistics of `arr` in one pass, accumulated in float64. */
export function blobStats(arr: Float32Array): BlobStats {
  let absSum = 0;
  let sum = 0;
  let maxAbs = 0;
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i]!;
    if (x !== x) {
      nan++;
      continue;
    }
    const a = Math.abs(x);
    if (a === Infinity) inf++;
    absSum += a;
    sum += x;
    if (a > maxAbs) maxAbs = a;
  }
  const n = arr.length;
  return {
    meanAbs: nan > 0 ? NaN : n > 0 ? absSum / n : 0,
    sum: nan > 0 ? NaN : sum,
    maxAbs,
    nan,
    inf,
  };
}
