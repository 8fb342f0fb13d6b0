/**
 * The BVLC layers inside a net built from the registry: Parameter (learned
 * blob as a top) -> Tile, Embed lookups, Eltwise, Swish in place, MVN, Filter,
 * AbsVal, Clip (not in place: in place, Caffe's Clip passes every gradient), Reduction as the loss; ArgMax and Threshold side
 * branches swallowed by Silence. Forward against a float64 reference, backward
 * against finite differences of the net's loss.
 */
import { describe, expect, it } from "vitest";
import { backward, buildNet, clearParamDiffs, forward } from "../../../src/engine/net.js";
import { layerRegistry } from "../../../src/engine/layers/index.js";
import type { Net } from "../../../src/engine/net.js";
import { seededRandom } from "../../../src/engine/rng.js";
import type { PlainMessage } from "../../../src/schema/types.js";

/** Relative tolerance of the float32 net's loss against the float64 reference. */
const LOSS_TOLERANCE = 1e-5;
/** Finite-difference step on a parameter and the relative tolerance of the comparison (float32 forward). */
const FD_STEP = 1e-2;
const FD_TOLERANCE = 2e-2;

const X = [0.3, -1.2, 0.8, 1.5, 0.1, -0.4, -0.7, 0.9, 2.0];
const INDICES = [4, 1, 4];
const SELECTOR = [1, 0, 1];

function netParam(): PlainMessage {
  const uniform = { type: "uniform", min: -1, max: 1 };
  return {
    name: "bvlc-extra",
    layer: [
      { name: "in", type: "Input", top: ["x", "idx", "sel"], input_param: { shape: [{ dim: ["3", "3"] }, { dim: ["3"] }, { dim: ["3"] }] } },
      { name: "p", type: "Parameter", top: ["p"], parameter_param: { shape: { dim: ["1", "3"] } } },
      { name: "tile", type: "Tile", bottom: ["p"], top: ["pt"], tile_param: { axis: 0, tiles: 3 } },
      { name: "emb", type: "Embed", bottom: ["idx"], top: ["e"], embed_param: { num_output: 3, input_dim: 5, weight_filler: uniform, bias_filler: uniform } },
      { name: "sum", type: "Eltwise", bottom: ["x", "e", "pt"], top: ["s"] },
      { name: "act", type: "Swish", bottom: ["s"], top: ["s"] },
      { name: "mvn", type: "MVN", bottom: ["s"], top: ["m"], mvn_param: { across_channels: true } },
      { name: "filt", type: "Filter", bottom: ["m", "sel"], top: ["f"] },
      { name: "abs", type: "AbsVal", bottom: ["f"], top: ["a"] },
      { name: "clip", type: "Clip", bottom: ["a"], top: ["c"], clip_param: { min: 0, max: 1.2 } },
      { name: "loss", type: "Reduction", bottom: ["c"], top: ["loss"], reduction_param: { operation: "SUMSQ" }, loss_weight: [0.5] },
      { name: "am", type: "ArgMax", bottom: ["x"], top: ["am"] },
      { name: "th", type: "Threshold", bottom: ["x"], top: ["th"] },
      { name: "sil", type: "Silence", bottom: ["am", "th"] },
    ],
  };
}

function setup(): { net: Net; p: Float32Array; w: Float32Array; b: Float32Array } {
  const net = buildNet(netParam(), { phase: "TRAIN", random: seededRandom(12) });
  net.blobByName.get("x")!.data.set(X);
  net.blobByName.get("idx")!.data.set(INDICES);
  net.blobByName.get("sel")!.data.set(SELECTOR);
  const layer = (name: string) => net.layers.find((l) => l.name === name)!;
  const p = layer("p").instance.params[0]!.data;
  p.set([0.5, -0.25, 0.75]);
  const [w, b] = layer("emb").instance.params;
  return { net, p, w: w!.data, b: b!.data };
}

/** The loss in float64 from the same inputs and parameters. */
function referenceLoss(p: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>): number {
  let loss = 0;
  for (let n = 0; n < 3; n++) {
    const s = [0, 1, 2].map((c) => {
      const v = X[n * 3 + c]! + w[INDICES[n]! * 3 + c]! + b[c]! + p[c]!;
      return v / (1 + Math.exp(-v));
    });
    const mean = (s[0]! + s[1]! + s[2]!) / 3;
    const sd = Math.sqrt(s.reduce((acc, v) => acc + (v - mean) ** 2, 0) / 3) + 1e-9;
    if (SELECTOR[n] === 0) continue;
    for (const v of s) loss += 0.5 * Math.min(Math.abs((v - mean) / sd), 1.2) ** 2;
  }
  return loss;
}

describe("a net of the BVLC layers", () => {
  it("finds every added type in the registry under its Caffe name", () => {
    const added = ["AbsVal", "ArgMax", "BNLL", "Clip", "Embed", "Exp", "Filter", "Log", "MVN", "Parameter", "Reduction", "Silence", "Swish", "Threshold", "Tile"];
    for (const type of added) expect(layerRegistry[type]?.type).toBe(type);
    const names = Object.keys(layerRegistry);
    expect(names).toEqual([...names].sort());
  });

  it("builds through the registry, with no backward for ArgMax, Threshold, Silence and the index/selector inputs", () => {
    const { net } = setup();
    expect(net.layers.map((l) => l.type)).toEqual([
      "Input", "Split", "Parameter", "Tile", "Embed", "Eltwise", "Swish", "MVN", "Filter", "AbsVal", "Clip", "Reduction", "ArgMax", "Threshold", "Silence",
    ]);
    const layer = (name: string) => net.layers.find((l) => l.name === name)!;
    for (const name of ["am", "th", "sil"]) expect(layer(name).needBackward).toBe(false);
    expect(layer("emb").bottomNeedBackward).toEqual([false]);
    expect(layer("filt").bottomNeedBackward).toEqual([true, false]);
    expect(layer("p").needBackward).toBe(true);
    expect(net.learnable.map((l) => `${l.layerName}#${l.paramIndex}`)).toEqual(["p#0", "emb#0", "emb#1"]);
    expect(net.outputs.map((o) => [o.name, o.lossWeight])).toEqual([["loss", 0.5]]);
  });

  it("computes the loss of the reference and shapes the blobs as Caffe does", () => {
    const { net, p, w, b } = setup();
    const loss = forward(net);
    const expected = referenceLoss(p, w, b);
    expect(expected).toBeGreaterThan(0.1);
    expect(Math.abs(loss - expected)).toBeLessThanOrEqual(LOSS_TOLERANCE * expected);
    expect(net.blobByName.get("pt")!.shape).toEqual([3, 3]);
    expect(net.blobByName.get("e")!.shape).toEqual([3, 3]);
    expect(net.blobByName.get("m")!.shape).toEqual([3, 3, 1, 1]);
    expect(net.blobByName.get("f")!.shape).toEqual([2, 3, 1, 1]);
    expect(net.blobByName.get("loss")!.shape).toEqual([]);
    expect([...net.blobByName.get("am")!.data]).toEqual([2, 0, 2]);
    expect([...net.blobByName.get("th")!.data]).toEqual([1, 0, 1, 1, 1, 0, 0, 1, 1]);
  });

  it("backpropagates into the Parameter blob and the Embed table as finite differences say", () => {
    const { net, p, w, b } = setup();
    clearParamDiffs(net);
    forward(net);
    backward(net);
    const grads = net.learnable.map((l) => Float64Array.from(l.blob.diff));
    expect(grads[0]!.some((g) => Math.abs(g) > 1e-3)).toBe(true);
    // Rows 0, 2 and 3 of the table are never looked up: no gradient.
    for (const row of [0, 2, 3]) for (let c = 0; c < 3; c++) expect(grads[1]![row * 3 + c]).toBe(0);
    let compared = 0;
    net.learnable.forEach((entry, k) => {
      const data = entry.blob.data;
      for (let i = 0; i < data.length; i++) {
        const x = data[i]!;
        data[i] = x + FD_STEP;
        const up = forward(net);
        data[i] = x - FD_STEP;
        const down = forward(net);
        data[i] = x;
        const numeric = (up - down) / (2 * FD_STEP);
        const analytic = grads[k]![i]!;
        expect(Math.abs(analytic - numeric)).toBeLessThanOrEqual(FD_TOLERANCE * Math.max(Math.abs(numeric), Math.abs(analytic), 1));
        compared++;
      }
    });
    expect(compared).toBe(3 + 15 + 3);
    // The reference agrees on one parameter's gradient too.
    const h = 1e-6, p1 = Float64Array.from(p);
    p1[1]! += h;
    const p0 = Float64Array.from(p);
    p0[1]! -= h;
    const reference = (referenceLoss(p1, w, b) - referenceLoss(p0, w, b)) / (2 * h);
    expect(Math.abs(grads[0]![1]! - reference)).toBeLessThanOrEqual(FD_TOLERANCE * Math.max(Math.abs(reference), 1));
  });
});
