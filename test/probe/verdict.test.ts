import { describe, expect, it } from "vitest";
import { classify, saturatedSamples, SATURATED_SAMPLE_LOSS } from "../../src/probe/verdict.js";
import type { LayerTrace } from "../../src/probe/types.js";

const trace = (layer: string, paramDiff: (number | null)[], topData: (number | null)[] = []): LayerTrace => ({ layer, type: "InnerProduct", topData, bottomDiff: [], paramDiff });

describe("saturatedSamples", () => {
  it("is -ln(FLT_MIN)", () => {
    expect(SATURATED_SAMPLE_LOSS).toBeCloseTo(87.3365448, 6);
  });
  it("recognises real Caffe's 79.1487 as 58 of 64 samples (bn_global_stats_train, iteration 2)", () => {
    expect(saturatedSamples(79.14868, 64, 1)).toBe(58);
    expect(saturatedSamples(87.33654, 64, 1)).toBe(64);
    expect(saturatedSamples(2 * 87.33654, 64, 2)).toBe(64);
  });
  it("rejects ordinary losses and non-integers", () => {
    expect(saturatedSamples(2.302585, 64, 1)).toBeUndefined();
    expect(saturatedSamples(76.387085, 64, 1)).toBeUndefined();
    expect(saturatedSamples(NaN, 64, 1)).toBeUndefined();
  });
});

describe("classify", () => {
  const base = { firstNonFinite: null, gradNorms: [], layers: [] as LayerTrace[] };
  it("puts non-finite first and names the first Inf", () => {
    const v = classify({ ...base, losses: [76.39, 53.22, NaN], firstNonFinite: { iteration: 2, layer: "conv1", blob: "conv1", pass: "forward", kind: "inf" } });
    expect(v.verdict).toBe("non-finite");
    expect(v.evidence.join("\n")).toMatch(/first Inf: forward pass of layer 'conv1'/);
  });
  it("reports a loss pinned at k/N of 87.3365 as saturated-softmax, naming k and N", () => {
    const pinned = (87.33654 * 60) / 64;
    const v = classify({ ...base, losses: [pinned, pinned, pinned, pinned, pinned, pinned, pinned, pinned], softmax: { n: 64, lossWeight: 1, classes: 10 } });
    expect(v.verdict).toBe("saturated-softmax");
    expect(v.saturated[0]).toEqual({ iteration: 0, k: 60, n: 64, lossWeight: 1 });
    expect(v.evidence.join("\n")).toMatch(/60 of 64 samples/);
  });
  it("sees a flat loss at ln(C) as not-learning", () => {
    const v = classify({ ...base, losses: Array(10).fill(2.3026), softmax: { n: 32, lossWeight: 1, classes: 10 } });
    expect(v.verdict).toBe("not-learning");
  });
  it("sees a falling loss as ok", () => {
    const v = classify({ ...base, losses: [2.3, 2.1, 1.9, 1.6, 1.4, 1.2, 1.0, 0.9, 0.7, 0.6] });
    expect(v.verdict).toBe("ok");
  });
  it("sees a far-off initial loss that then falls as bad-init", () => {
    const v = classify({ ...base, losses: [12, 8, 5, 3, 2.5, 2, 1.5, 1.2, 1.0, 0.8], softmax: { n: 32, lossWeight: 1, classes: 10 } });
    expect(v.verdict).toBe("bad-init");
  });
  it("sees a gradient norm growing by orders of magnitude as exploding", () => {
    const v = classify({ ...base, losses: [2.3, 2.2, 2.4, 2.1, 2.5, 2.0, 2.6, 1.9, 2.7, 1.0], gradNorms: [1, 10, 1e3, 1e5] });
    expect(v.verdict).toBe("exploding");
  });
  it("sees an early layer's gradient collapsing as vanishing", () => {
    const layers = [trace("ip1", [0, 0, 0]), trace("ip2", [1e-3, 1e-3, 1e-3]), trace("ip3", [0.1, 0.1, 0.1])];
    const v = classify({ ...base, losses: [2.3, 2.2, 2.1, 2.0, 1.9, 1.8, 1.7, 1.6, 1.5], layers });
    expect(v.verdict).toBe("vanishing");
  });
});
