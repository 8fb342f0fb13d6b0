import { describe, expect, it } from "vitest";
import { bucketSeries, sparkline } from "../../src/report/sparkline.js";

describe("sparkline", () => {
  it.each([
    ["one bar per level on a linear ramp", [1, 2, 3, 4, 5, 6, 7, 8], "▁▂▃▄▅▆▇█"],
    ["× for missing values", [1, null, 8], "▁×█"],
    ["× for NaN and infinities", [0, Number.NaN, Number.POSITIVE_INFINITY, 7], "▁××█"],
    ["a flat series sits mid-height", [2.3, 2.3, 2.3], "▄▄▄"],
    ["all non-finite", [null, null], "××"],
    ["empty", [], ""],
    // max/min = 1e6 > LOG_SCALE_RATIO: bars follow log10 = 0, 1, 2, 6 of 6 -> levels 0, 1.17, 2.33, 7.
    ["log scale for a blow-up", [1, 10, 100, 1e6], "▁▂▃█"],
    // With a zero the series cannot be drawn on a log scale.
    ["linear when a value is zero", [0, 10, 100, 1e6], "▁▁▁█"],
  ])("%s", (_name, values, expected) => {
    expect(sparkline(values as (number | null)[])).toBe(expected);
  });

  it("squeezes a long series into the width", () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    const line = sparkline(values, 20);
    expect([...line]).toHaveLength(20);
    expect(line.startsWith("▁")).toBe(true);
    expect(line.endsWith("█")).toBe(true);
  });

  it("keeps a lone non-finite value visible after bucketing", () => {
    const values: (number | null)[] = Array.from({ length: 100 }, () => 1);
    values[57] = null;
    const buckets = bucketSeries(values, 10);
    expect(buckets).toHaveLength(10);
    expect(buckets.filter((b) => b === null)).toHaveLength(1);
    expect(buckets[5]).toBeNull();
  });

  it("bucket means are means of their members", () => {
    expect(bucketSeries([1, 3, 5, 7], 2)).toEqual([2, 6]);
  });
});
