/**
 * Unicode sparklines for loss curves: one of ▁▂▃▄▅▆▇█ per point, × for a
 * missing or non-finite value (NaN and ±Inf are serialised as null in JSON).
 */

const BARS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
const NON_FINITE_MARK = "×";

/** Above this max/min ratio of an all-positive series the bars follow log(value), so a blow-up does not flatten the rest. */
export const LOG_SCALE_RATIO = 1000;

/** Default number of characters a long series is squeezed into. */
export const DEFAULT_SPARKLINE_WIDTH = 40;

function isFiniteNumber(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/**
 * Squeezes `values` into at most `width` buckets. A bucket holding any
 * non-finite value becomes null (the divergence must stay visible); otherwise
 * it is the mean of its values.
 */
export function bucketSeries(values: readonly (number | null)[], width: number): (number | null)[] {
  if (values.length <= width) return values.slice();
  const out: (number | null)[] = [];
  for (let b = 0; b < width; b++) {
    const start = Math.floor((b * values.length) / width);
    const end = Math.floor(((b + 1) * values.length) / width);
    let sum = 0;
    let bad = false;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (!isFiniteNumber(v)) {
        bad = true;
        break;
      }
      sum += v;
    }
    out.push(bad ? null : sum / (end - start));
  }
  return out;
}

/** Renders a series as a sparkline of at most `width` characters. An empty series gives "". */
export function sparkline(values: readonly (number | null)[], width = DEFAULT_SPARKLINE_WIDTH): string {
  const points = bucketSeries(values, width);
  const finite = points.filter(isFiniteNumber);
  if (finite.length === 0) return NON_FINITE_MARK.repeat(points.length);
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  const useLog = lo > 0 && hi / lo > LOG_SCALE_RATIO;
  const scale = (v: number): number => (useLog ? Math.log(v) : v);
  lo = scale(lo);
  hi = scale(hi);
  const span = hi - lo;
  return points
    .map((v) => {
      if (!isFiniteNumber(v)) return NON_FINITE_MARK;
      if (span === 0) return BARS[3];
      const level = Math.round(((scale(v) - lo) / span) * (BARS.length - 1));
      return BARS[level];
    })
    .join("");
}
