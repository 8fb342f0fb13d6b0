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

/** What a divergence watch needs of an array, in one cheap pass: mean |x| (float64 sum) and NaN/Inf counts. */
export interface AbsMean {
  meanAbs: number;
  nan: number;
  inf: number;
}

export function absMean(arr: Float32Array): AbsMean {
  // A float64 sum of float32 magnitudes cannot overflow, so it is finite exactly when every element is:
  // one branch-free pass, and a counting pass only when something is not finite.
  const n = arr.length;
  const absSum = absSumOf(arr);
  if (Number.isFinite(absSum)) return { meanAbs: n > 0 ? absSum / n : 0, nan: 0, inf: 0 };
  return countNonFinite(arr);
}

/**
 * Sum of |x| in float64, with four running sums so that consecutive additions do not wait on each
 * other (twice as fast). The loops are functions without other branches: code that a hot loop's
 * first calls never reach has no type feedback, and V8 then threw the optimised loop away each time
 * it got there (measured: 121 deoptimisations and 60 MB of boxed numbers per LeNet probe iteration
 * when the last few elements were summed in the same function).
 */
function absSumOf(arr: Float32Array): number {
  const n = arr.length, n4 = n - (n % 4);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i < n4; i += 4) {
    s0 += Math.abs(arr[i]!);
    s1 += Math.abs(arr[i + 1]!);
    s2 += Math.abs(arr[i + 2]!);
    s3 += Math.abs(arr[i + 3]!);
  }
  return s0 + s1 + (s2 + s3) + absSumFrom(arr, n4);
}

/** Sum of |x| over arr[from..] (a plain loop; see absMean). */
function absSumFrom(arr: Float32Array, from: number): number {
  let s = 0;
  for (let i = from; i < arr.length; i++) s += Math.abs(arr[i]!);
  return s;
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
