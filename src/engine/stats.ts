/**
 * Summary statistics of a float32 array, as Caffe's debug_info reports them
 * (mean |x|) plus what a divergence diagnosis needs: sum, max |x| and counts of
 * NaN and infinite elements. Sums are taken in float64.
 */
import { absSumOf } from "./math/sums.js";

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

/** What a divergence watch needs of an array, in one cheap pass: mean |x| (float64 sum) and NaN/Inf counts. */
export interface AbsMean {
  meanAbs: number;
  nan: number;
  inf: number;
}

export function absMean(arr: Float32Array): AbsMean {
  // A float64 sum of float32 magnitudes cannot overflow, so it is finite exactly when every element is:
  // one branch-free pass (in a function of its own, see sums.ts), and a counting pass only when
  // something is not finite.
  const n = arr.length;
  const absSum = absSumOf(arr, 0, n);
  if (Number.isFinite(absSum)) return { meanAbs: n > 0 ? absSum / n : 0, nan: 0, inf: 0 };
  return countNonFinite(arr);
}

/** absMean of an array with some NaN or infinite element. */
function countNonFinite(arr: Float32Array): AbsMean {
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < arr.length; i++) {
    const a = Math.abs(arr[i]!);
    if (a === Infinity) inf++;
    else if (a !== a) nan++;
  }
  return { meanAbs: nan > 0 ? NaN : Infinity, nan, inf };
}
