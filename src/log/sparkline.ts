/** One-line charts of a series for terminal reporters. */

const BLOCKS = "▁▂▃▄▅▆▇█";
/** Shown for a NaN or infinite value. */
export const NON_FINITE_MARK = "×";
/** Shown for a value that was not printed (null). */
export const MISSING_MARK = " ";

/**
 * Draws `values` as at most `width` characters of ▁..█, scaled between the finite minimum and maximum.
 * When there are more values than columns, each column shows the mean of its finite values, or '×'
 * when its bucket holds a non-finite value (so a NaN is never averaged away). `null` is a gap.
 */
export function sparkline(values: readonly (number | null)[], width: number): string {
  const cols = Math.max(0, Math.min(Math.floor(width), values.length));
  if (cols === 0) return "";
  const buckets: (number | null | "x")[] = [];
  for (let c = 0; c < cols; c++) {
    const from = Math.floor((c * values.length) / cols);
    const to = Math.floor(((c + 1) * values.length) / cols);
    let sum = 0;
    let n = 0;
    let nonFinite = false;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      if (!Number.isFinite(v)) nonFinite = true;
      else {
        sum += v;
        n++;
      }
    }
    buckets.push(nonFinite ? "x" : n > 0 ? sum / n : null);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const b of buckets) {
    if (typeof b === "number") {
      if (b < lo) lo = b;
      if (b > hi) hi = b;
    }
  }
  const span = hi - lo;
  let out = "";
  for (const b of buckets) {
    if (b === "x") out += NON_FINITE_MARK;
    else if (b === null) out += MISSING_MARK;
    else {
      const level = span > 0 ? Math.round(((b - lo) / span) * (BLOCKS.length - 1)) : 0;
      out += BLOCKS[level];
    }
  }
  return out;
}
