import { describe, expect, it } from "vitest";
import { blobStats } from "../../src/engine/stats.js";

describe("blobStats", () => {
  it("computes mean |x|, sum and max |x| in float64", () => {
    const s = blobStats(new Float32Array([1, -2, 3.5, -0.5]));
    expect(s).toEqual({ meanAbs: 7 / 4, sum: 2, maxAbs: 3.5, nan: 0, inf: 0 });
  });

  it("counts NaN and Inf; NaN makes the mean NaN like numpy", () => {
    const s = blobStats(new Float32Array([NaN, Infinity, -Infinity, 1]));
    expect(s.nan).toBe(1);
    expect(s.inf).toBe(2);
    expect(s.meanAbs).toBeNaN();
    const t = blobStats(new Float32Array([Infinity, 1]));
    expect(t.meanAbs).toBe(Infinity);
  });

  it("handles empty arrays", () => {
    expect(blobStats(new Float32Array(0))).toEqual({ meanAbs: 0, sum: 0, maxAbs: 0, nan: 0, inf: 0 });
  });
});
