/**
 * The structural BVLC layers: Silence, Parameter, ArgMax, Tile, Reduction, MVN,
 * Embed and Filter. Values and shapes against hand-computed references,
 * Caffe's quirks, and gradients against finite differences.
 */
import { describe, expect, it } from "vitest";
import { argMaxLayer } from "../../../src/engine/layers/arg-max.js";
import { embedLayer } from "../../../src/engine/layers/embed.js";
import { filterLayer } from "../../../src/engine/layers/filter.js";
import { mvnLayer } from "../../../src/engine/layers/mvn.js";
import { parameterLayer } from "../../../src/engine/layers/parameter.js";
import { reductionLayer } from "../../../src/engine/layers/reduction.js";
import { silenceLayer } from "../../../src/engine/layers/silence.js";
import { tileLayer } from "../../../src/engine/layers/tile.js";
import { LayerSetupError } from "../../../src/engine/layers/params.js";
import { makeBlob } from "../../../src/engine/blob.js";
import { seededRandom } from "../../../src/engine/rng.js";
import type { Blob } from "../../../src/engine/types.js";
import { blobOf, checkGradients, randomBlob, replayableContext, runForward } from "../gradient-check.js";

/** Relative tolerance for float32 results of a few operations against float64 references. */
const FLOAT_TOLERANCE = 1e-6;
/** Half-width of the band around ASUM's kink at 0 that the gradient check skips (the FD step is 1e-2). */
const KINK = 2e-2;

const ctx = () => replayableContext("TRAIN", 1);

function expectClose(actual: ArrayLike<number>, expected: number[], tolerance = FLOAT_TOLERANCE): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected[i]!)));
  }
}

function expectGradientsMatch(r: ReturnType<typeof checkGradients>, atLeast: number): void {
  expect(r.checked).toBeGreaterThanOrEqual(atLeast);
  expect(r.failures).toEqual([]);
}

describe("Silence", () => {
  it("takes any number of bottoms, makes no tops, and zeroes only the diffs asked for", () => {
    expect(silenceLayer.bottoms).toEqual({ min: 1 });
    expect(silenceLayer.tops).toEqual({ exact: 0 });
    const a = blobOf([2], [1, 2]), b = blobOf([1, 3], [3, 4, 5]);
    const { layer, tops } = runForward(silenceLayer, { name: "s", type: "Silence" }, [a, b], ctx(), 0);
    expect(tops).toEqual([]);
    a.diff.fill(9); b.diff.fill(9);
    layer.backward([], [true, false], [a, b]);
    expect([...a.diff]).toEqual([0, 0]);
    expect([...b.diff]).toEqual([9, 9, 9]);
    expect([...a.data]).toEqual([1, 2]);
  });
});

describe("Parameter", () => {
  const param = { name: "p", type: "Parameter", parameter_param: { shape: { dim: ["2", "3"] } } };

  it("has one zero-initialised learnable blob of parameter_param.shape, which the top is (data and diff shared)", () => {
    const { layer, tops } = runForward(parameterLayer, param, [], ctx());
    expect(layer.params.length).toBe(1);
    const blob = layer.params[0]!;
    expect(blob.shape).toEqual([2, 3]);
    expect([...blob.data]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(tops[0]!.shape).toEqual([2, 3]);
    expect(tops[0]!.data).toBe(blob.data);
    expect(tops[0]!.diff).toBe(blob.diff);
    blob.data[4] = 2.5;
    expect(tops[0]!.data[4]).toBe(2.5);
    tops[0]!.diff[1] = -3; // a consumer's gradient lands in the parameter's diff
    expect(blob.diff[1]).toBe(-3);
    layer.backward(tops, [], []);
    expect(blob.diff[1]).toBe(-3); // backward has nothing to add
  });

  it("renews the sharing when the net swaps the blob's arrays for a shared owner's", () => {
    const { layer, tops } = runForward(parameterLayer, param, [], ctx());
    const owner = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), diff: new Float32Array(6) };
    layer.params[0]!.data = owner.data;
    layer.params[0]!.diff = owner.diff;
    layer.reshape([], tops);
    layer.forward([], tops);
    expect(tops[0]!.data).toBe(owner.data);
    expect(tops[0]!.diff).toBe(owner.diff);
  });

  it("refuses a negative dim", () => {
    expect(() => runForward(parameterLayer, { name: "p", type: "Parameter", parameter_param: { shape: { dim: ["-1"] } } }, [], ctx())).toThrow(LayerSetupError);
  });
});

describe("ArgMax", () => {
  const x = () => blobOf([2, 5], [0.1, 0.9, -2, 0.5, 0.3, 4, 1, 4, -1, 3]);

  it("without axis gives [N, 1, top_k] indices over each item, a tie going to the larger index (Caffe's partial_sort on pairs)", () => {
    const { tops } = runForward(argMaxLayer, { name: "a", type: "ArgMax" }, [x()], ctx());
    expect(tops[0]!.shape).toEqual([2, 1, 1]);
    expect([...tops[0]!.data]).toEqual([1, 2]); // item 1: 4 at index 0 and 2: index 2 wins
    const k3 = runForward(argMaxLayer, { name: "a", type: "ArgMax", argmax_param: { top_k: 3 } }, [x()], ctx()).tops[0]!;
    expect(k3.shape).toEqual([2, 1, 3]);
    expect([...k3.data]).toEqual([1, 3, 4, 2, 0, 4]);
  });

  it("with out_max_val and no axis gives [N, 2, top_k]: the indices, then the values", () => {
    const { tops } = runForward(argMaxLayer, { name: "a", type: "ArgMax", argmax_param: { out_max_val: true, top_k: 2 } }, [x()], ctx());
    expect(tops[0]!.shape).toEqual([2, 2, 2]);
    expectClose(tops[0]!.data, [1, 3, 0.9, 0.5, 2, 0, 4, 4]);
  });

  it("pads the top to at least 3 axes and keeps more (no axis)", () => {
    const four = runForward(argMaxLayer, { name: "a", type: "ArgMax" }, [randomBlob([2, 3, 2, 2], seededRandom(2))], ctx()).tops[0]!;
    expect(four.shape).toEqual([2, 1, 1, 1]);
  });

  it("with axis works along that axis for every other position, giving indices or (out_max_val) values", () => {
    // [1, 3, 2]: columns (0.5, 2, -1) and (7, 3, 7) along axis 1.
    const b = blobOf([1, 3, 2], [0.5, 7, 2, 3, -1, 7]);
    const idx = runForward(argMaxLayer, { name: "a", type: "ArgMax", argmax_param: { axis: 1 } }, [b], ctx()).tops[0]!;
    expect(idx.shape).toEqual([1, 1, 2]);
    expect([...idx.data]).toEqual([1, 2]);
    const top2 = runForward(argMaxLayer, { name: "a", type: "ArgMax", argmax_param: { axis: -2, top_k: 2 } }, [b], ctx()).tops[0]!;
    expect(top2.shape).toEqual([1, 2, 2]);
    expect([...top2.data]).toEqual([1, 2, 0, 0]);
    const vals = runForward(argMaxLayer, { name: "a", type: "ArgMax", argmax_param: { axis: 1, top_k: 2, out_max_val: true } }, [b], ctx()).tops[0]!;
    expect([...vals.data]).toEqual([2, 7, 0.5, 7]);
  });

  it("refuses top_k beyond the values compared, and has no gradient (zeros when asked)", () => {
    expect(() => runForward(argMaxLayer, { name: "a", type: "ArgMax", argmax_param: { top_k: 6 } }, [x()], ctx())).toThrow(/top_k \(6\) exceeds/);
    expect(() => runForward(argMaxLayer, { name: "a", type: "ArgMax", argmax_param: { axis: 1, top_k: 6 } }, [x()], ctx())).toThrow(LayerSetupError);
    expect(() => runForward(argMaxLayer, { name: "a", type: "ArgMax", argmax_param: { top_k: 0 } }, [x()], ctx())).toThrow(/top_k must be at least 1/);
    const bottom = x();
    const { layer, tops } = runForward(argMaxLayer, { name: "a", type: "ArgMax" }, [bottom], ctx());
    expect(layer.allowForceBackward?.(0)).toBe(false);
    bottom.diff.fill(5);
    layer.backward(tops, [false], [bottom]);
    expect([...bottom.diff]).toEqual(new Array(10).fill(5));
    layer.backward(tops, [true], [bottom]);
    expect([...bottom.diff]).toEqual(new Array(10).fill(0));
  });
});

describe("Tile", () => {
  it("repeats the block from axis on, tiles times, for each index before it", () => {
    const x = blobOf([2, 3], [1, 2, 3, 4, 5, 6]);
    const t1 = runForward(tileLayer, { name: "t", type: "Tile", tile_param: { tiles: 2 } }, [x], ctx()).tops[0]!;
    expect(t1.shape).toEqual([2, 6]);
    expect([...t1.data]).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
    const t0 = runForward(tileLayer, { name: "t", type: "Tile", tile_param: { axis: 0, tiles: 2 } }, [x], ctx()).tops[0]!;
    expect(t0.shape).toEqual([4, 3]);
    expect([...t0.data]).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    const last = runForward(tileLayer, { name: "t", type: "Tile", tile_param: { axis: -1, tiles: 3 } }, [blobOf([2, 1], [7, 8])], ctx()).tops[0]!;
    expect(last.shape).toEqual([2, 3]);
    expect([...last.data]).toEqual([7, 7, 7, 8, 8, 8]);
  });

  it("needs a positive tiles and an axis in range", () => {
    const x = blobOf([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(() => runForward(tileLayer, { name: "t", type: "Tile" }, [x], ctx())).toThrow(/tiles must be specified/);
    expect(() => runForward(tileLayer, { name: "t", type: "Tile", tile_param: { tiles: 0 } }, [x], ctx())).toThrow(/positive/);
    expect(() => runForward(tileLayer, { name: "t", type: "Tile", tile_param: { tiles: 2, axis: 2 } }, [x], ctx())).toThrow(/axis 2 is out of range/);
  });

  it("sums the tiles' gradients (finite differences)", () => {
    for (const axis of [0, 1, 2]) {
      const r = checkGradients(tileLayer, { name: "t", type: "Tile", tile_param: { axis, tiles: 3 } }, [randomBlob([2, 3, 2], seededRandom(5))], 1);
      expectGradientsMatch(r, 12);
      expect(r.tops[0]!.data.length).toBe(36);
    }
  });
});

describe("Reduction", () => {
  const x = () => blobOf([2, 3], [1, -2, 3, -4, 5, 0.5]);
  const run = (rp: object, bottom: Blob = x()) => runForward(reductionLayer, { name: "r", type: "Reduction", reduction_param: rp }, [bottom], ctx()).tops[0]!;

  it("reduces everything to a scalar by default (SUM, axis 0)", () => {
    const t = run({});
    expect(t.shape).toEqual([]);
    expectClose(t.data, [3.5]);
  });

  it("keeps the axes before `axis`, and applies SUM, ASUM, SUMSQ and MEAN with coeff", () => {
    const sum = run({ axis: 1 });
    expect(sum.shape).toEqual([2]);
    expectClose(sum.data, [2, 1.5]);
    expectClose(run({ operation: "ASUM", axis: 1 }).data, [6, 9.5]);
    expectClose(run({ operation: "SUMSQ", axis: -1 }).data, [14, 41.25]);
    expectClose(run({ operation: "MEAN", axis: 1, coeff: 2 }).data, [(2 * 2) / 3, (2 * 1.5) / 3]);
    expectClose(run({ operation: "SUM", coeff: -0.5 }).data, [-1.75]);
    expect(run({ axis: 2 }, randomBlob([2, 3, 4], seededRandom(1))).shape).toEqual([2, 3]);
  });

  it("writes Caffe's gradients: c dy for SUM and MEAN (c / dim), c dy sign(x) for ASUM (0 at 0), 2 c dy x for SUMSQ", () => {
    const grad = (rp: object, xs: number[]) => {
      const b = blobOf([1, xs.length], xs);
      const { layer, tops } = runForward(reductionLayer, { name: "r", type: "Reduction", reduction_param: { axis: 1, ...rp } }, [b], ctx());
      tops[0]!.diff[0] = 2;
      layer.backward(tops, [true], [b]);
      return [...b.diff];
    };
    expect(grad({ coeff: 3 }, [1, -1, 0])).toEqual([6, 6, 6]);
    expectClose(grad({ operation: "MEAN" }, [1, -1, 0, 4]), [0.5, 0.5, 0.5, 0.5]);
    expect(grad({ operation: "ASUM" }, [1, -1, 0])).toEqual([2, -2, 0]);
    expect(grad({ operation: "SUMSQ", coeff: 0.5 }, [1, -1, 3])).toEqual([2, -2, 6]);
  });

  it("refuses an unknown operation", () => {
    expect(() => run({ operation: "PROD" })).toThrow(/unknown operation "PROD"/);
  });

  for (const op of ["SUM", "ASUM", "SUMSQ", "MEAN"]) {
    it(`${op} gradients (finite differences)`, () => {
      const skip = op === "ASUM" ? (kind: string, _b: number, _i: number, v: number) => kind === "bottom" && Math.abs(v) < KINK : undefined;
      const r = checkGradients(reductionLayer, { name: "r", type: "Reduction", reduction_param: { operation: op, axis: 1, coeff: 1.5 } },
        [randomBlob([2, 3, 4], seededRandom(11))], 1, { skip });
      expectGradientsMatch(r, 20);
    });
  }
});

describe("MVN", () => {
  const x = () => blobOf([1, 2, 1, 3], [1, 2, 3, 4, 4, 4]);
  const run = (mp: object, bottom: Blob = x()) => runForward(mvnLayer, { name: "m", type: "MVN", mvn_param: mp }, [bottom], ctx()).tops[0]!;

  it("normalises each (n, c) row by mean and std + eps (a constant row gives 0)", () => {
    const t = run({});
    expect(t.shape).toEqual([1, 2, 1, 3]);
    const sd = Math.sqrt(2 / 3) + 1e-9;
    expectClose(t.data, [-1 / sd, 0, 1 / sd, 0, 0, 0]);
  });

  it("subtracts the mean only without normalize_variance", () => {
    expectClose(run({ normalize_variance: false }).data, [-1, 0, 1, 0, 0, 0]);
  });

  it("adds eps to the standard deviation, not to the variance (Caffe's formula)", () => {
    // std of (1, 2, 3) is sqrt(2/3); with eps 1: (x - 2) / (sqrt(2/3) + 1), not / sqrt(2/3 + 1).
    const s = Math.sqrt(2 / 3) + 1;
    expectClose(run({ eps: 1 }).data, [-1 / s, 0, 1 / s, 0, 0, 0]);
  });

  it("normalises over C x H x W across channels", () => {
    // mean 3, variance (4 + 1 + 0 + 1 + 1 + 1) / 6 = 4/3
    const sd = Math.sqrt(4 / 3);
    expectClose(run({ across_channels: true }).data, [-2 / sd, -1 / sd, 0, 1 / sd, 1 / sd, 1 / sd]);
  });

  it("reads the bottom as legacy N x C x H x W: a 2-d bottom gets a 4-d top; more than 4 axes is refused", () => {
    const t = run({ normalize_variance: false }, blobOf([2, 2], [1, 3, 5, 9]));
    expect(t.shape).toEqual([2, 2, 1, 1]);
    expectClose(t.data, [0, 0, 0, 0]); // each (n, c) row is a single value
    const across = run({ normalize_variance: false, across_channels: true }, blobOf([2, 2], [1, 3, 5, 9]));
    expectClose(across.data, [-1, 1, -2, 2]);
    expect(() => run({}, makeBlob([1, 1, 1, 1, 2]))).toThrow(/at most 4 axes/);
  });

  it("works in place, with the same values and gradient", () => {
    const b = randomBlob([2, 2, 2, 2], seededRandom(4));
    const reference = runForward(mvnLayer, { name: "m", type: "MVN" }, [b], ctx());
    reference.tops[0]!.diff.set(randomBlob([16], seededRandom(5)).data);
    reference.layer.backward(reference.tops, [true], [b]);
    const inPlace = blobOf([2, 2, 2, 2], [...b.data]);
    const layer = mvnLayer.create({ name: "m", type: "MVN" }, [inPlace], ctx());
    layer.reshape([inPlace], [inPlace]);
    layer.forward([inPlace], [inPlace]);
    expectClose(inPlace.data, [...reference.tops[0]!.data]);
    inPlace.diff.set(reference.tops[0]!.diff);
    layer.backward([inPlace], [true], [inPlace]);
    expectClose(inPlace.diff, [...b.diff]);
  });

  for (const [name, mp] of [
    ["normalize_variance", {}], ["mean only", { normalize_variance: false }],
    ["across channels", { across_channels: true }], ["across channels, mean only", { across_channels: true, normalize_variance: false }],
  ] as const) {
    it(`gradients: ${name} (finite differences)`, () => {
      const r = checkGradients(mvnLayer, { name: "m", type: "MVN", mvn_param: mp }, [randomBlob([2, 3, 2, 2], seededRandom(21))], 1);
      expectGradientsMatch(r, 24);
    });
  }
});

describe("Embed", () => {
  const param = (ep: object = {}) => ({
    name: "e", type: "Embed",
    embed_param: { num_output: 3, input_dim: 4, weight_filler: { type: "uniform", min: -1, max: 1 }, bias_filler: { type: "uniform", min: -1, max: 1 }, ...ep },
  });

  it("looks up row x of the [input_dim, num_output] weight and adds the bias; top shape = bottom shape + [num_output]", () => {
    const x = blobOf([2, 1], [3, 1]);
    const { layer, tops } = runForward(embedLayer, param(), [x], ctx());
    const [w, b] = layer.params;
    expect(w!.shape).toEqual([4, 3]);
    expect(b!.shape).toEqual([3]);
    expect(tops[0]!.shape).toEqual([2, 1, 3]);
    const expected = [0, 1, 2].map((n) => w!.data[9 + n]! + b!.data[n]!).concat([0, 1, 2].map((n) => w!.data[3 + n]! + b!.data[n]!));
    expectClose(tops[0]!.data, expected);
  });

  it("without bias has only the weight; fillers default to constant 0", () => {
    const { layer, tops } = runForward(embedLayer, { name: "e", type: "Embed", embed_param: { num_output: 2, input_dim: 3, bias_term: false } }, [blobOf([1], [2])], ctx());
    expect(layer.params.length).toBe(1);
    expect([...tops[0]!.data]).toEqual([0, 0]);
  });

  it("accumulates dy into the looked-up rows (repeats add up) and sums dy into the bias", () => {
    const x = blobOf([3], [1, 1, 2]);
    const { layer, tops } = runForward(embedLayer, param(), [x], ctx());
    tops[0]!.diff.set([1, 2, 3, 10, 20, 30, 100, 200, 300]);
    for (const p of layer.params) p.diff.fill(0.5); // parameter diffs accumulate
    layer.backward(tops, [false], [x]);
    expect([...layer.params[0]!.diff]).toEqual([0.5, 0.5, 0.5, 11.5, 22.5, 33.5, 100.5, 200.5, 300.5, 0.5, 0.5, 0.5]);
    expect([...layer.params[1]!.diff]).toEqual([111.5, 222.5, 333.5]);
  });

  it("refuses a gradient for the indices, indices out of range or not integers, and bad sizes", () => {
    const x = blobOf([1], [1]);
    const { layer, tops } = runForward(embedLayer, param(), [x], ctx());
    expect(layer.allowForceBackward?.(0)).toBe(false);
    expect(() => layer.backward(tops, [true], [x])).toThrow(/cannot backpropagate to its index input/);
    expect(() => runForward(embedLayer, param(), [blobOf([1], [4])], ctx())).toThrow(/index 4 .* not an integer in \[0, 4\)/);
    expect(() => runForward(embedLayer, param(), [blobOf([1], [1.5])], ctx())).toThrow(LayerSetupError);
    expect(() => runForward(embedLayer, param(), [blobOf([1], [-1])], ctx())).toThrow(LayerSetupError);
    expect(() => runForward(embedLayer, param({ num_output: 0 }), [x], ctx())).toThrow(/num_output must be positive/);
    expect(() => runForward(embedLayer, { name: "e", type: "Embed", embed_param: { num_output: 2 } }, [x], ctx())).toThrow(/input_dim must be positive/);
  });

  it("weight and bias gradients (finite differences)", () => {
    const r = checkGradients(embedLayer, param(), [blobOf([2, 2], [0, 3, 3, 2])], 1, { bottoms: [] });
    expectGradientsMatch(r, 15);
  });
});

describe("Filter", () => {
  const data = () => blobOf([4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  const labels = () => blobOf([4, 1], [10, 11, 12, 13]);

  it("gives the tops all N items at SetUp (Caffe's first reshape), then only the selected items, in order", () => {
    const bottoms = [data(), labels(), blobOf([4], [1, 0, 1, 0])];
    const { layer, tops } = runForward(filterLayer, { name: "f", type: "Filter" }, bottoms, ctx(), 2);
    expect(tops[0]!.shape).toEqual([4, 2]);
    layer.reshape(bottoms, tops);
    layer.forward(bottoms, tops);
    expect(tops[0]!.shape).toEqual([2, 2]);
    expect(tops[1]!.shape).toEqual([2, 1]);
    expect([...tops[0]!.data]).toEqual([1, 2, 5, 6]);
    expect([...tops[1]!.data]).toEqual([10, 12]);
    // A selector of [N, 1], NaN counting as selected, none selected.
    bottoms[2] = blobOf([4, 1], [0, Number.NaN, 0, 2]);
    layer.reshape(bottoms, tops);
    layer.forward(bottoms, tops);
    expect([...tops[1]!.data]).toEqual([11, 13]);
    bottoms[2] = blobOf([4], [0, 0, 0, 0]);
    layer.reshape(bottoms, tops);
    expect(tops[0]!.shape).toEqual([0, 2]);
  });

  it("scatters the tops' diffs back to the selected items and zeroes the rest", () => {
    const bottoms = [data(), labels(), blobOf([4], [0, 1, 0, 1])];
    const { layer, tops } = runForward(filterLayer, { name: "f", type: "Filter" }, bottoms, ctx(), 2);
    layer.reshape(bottoms, tops);
    layer.forward(bottoms, tops);
    tops[0]!.diff.set([1, 2, 3, 4]);
    bottoms[0]!.diff.fill(9);
    bottoms[1]!.diff.fill(9);
    layer.backward(tops, [true, false, false], bottoms);
    expect([...bottoms[0]!.diff]).toEqual([0, 0, 1, 2, 0, 0, 3, 4]);
    expect([...bottoms[1]!.diff]).toEqual([9, 9, 9, 9]);
  });

  it("refuses a gradient for the selector, a bad selector shape, mismatched items and a wrong top count", () => {
    const bottoms = [data(), blobOf([4], [1, 1, 0, 0])];
    const { layer, tops } = runForward(filterLayer, { name: "f", type: "Filter" }, bottoms, ctx(), 1);
    expect(layer.allowForceBackward?.(0)).toBe(true);
    expect(layer.allowForceBackward?.(1)).toBe(false);
    expect(() => layer.backward(tops, [true, true], bottoms)).toThrow(/cannot backpropagate to its selector/);
    expect(() => runForward(filterLayer, { name: "f", type: "Filter" }, [data(), blobOf([4, 2], new Array(8).fill(1))], ctx(), 1)).toThrow(/selector .* must have shape/);
    expect(() => runForward(filterLayer, { name: "f", type: "Filter" }, [data(), blobOf([3], [1, 1, 1])], ctx(), 1)).toThrow(/must have the selector's 3 items/);
    expect(() => runForward(filterLayer, { name: "f", type: "Filter" }, [data(), labels(), blobOf([4], [1, 1, 1, 1])], ctx(), 1)).toThrow(/one top per data bottom/);
  });

  it("data gradients (finite differences; the selector is not checked)", () => {
    const selector = blobOf([3], [1, 0, 1]);
    const r = checkGradients(filterLayer, { name: "f", type: "Filter" }, [randomBlob([3, 2, 2], seededRandom(8)), randomBlob([3, 3], seededRandom(9)), selector], 2, { bottoms: [0, 1] });
    expectGradientsMatch(r, 21);
  });
});
