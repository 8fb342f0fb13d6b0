import { describe, expect, it } from "vitest";
import { buildNet } from "../../src/engine/net.js";
import { trainSteps } from "../../src/engine/train.js";
import { readSolverSettings, createSolver } from "../../src/engine/solvers/index.js";
import { seededRandom } from "../../src/engine/rng.js";
import type { PlainMessage } from "../../src/schema/types.js";
import { mockRegistry } from "./mock-layers.js";

/** Caffe's incremental float32 window update against a float64 mean: rounding accumulates over the steps. */
const SMOOTHED_RTOL = 1e-5;

function quadraticNet(filler: PlainMessage = { type: "uniform", min: -2, max: 2 }) {
  return buildNet({
    layer: [
      { name: "w", type: "Const", top: ["w"], const_param: filler },
      { name: "m", type: "Mul", bottom: ["w"], top: ["m"], const_param: filler },
      { name: "loss", type: "SqLoss", bottom: ["m"], top: ["loss"] },
    ],
  }, { phase: "TRAIN", random: seededRandom(5) }, mockRegistry);
}

function solverFor(net: ReturnType<typeof quadraticNet>, extra: PlainMessage = {}) {
  return createSolver(readSolverSettings({ base_lr: 0.1, lr_policy: "fixed", momentum: 0.9, ...extra }), net);
}

describe("trainSteps", () => {
  it("reports the loss before each update, decreasing on a quadratic", () => {
    const net = quadraticNet();
    const results = trainSteps(net, solverFor(net), { iterations: 5 });
    expect(results.map((r) => r.iter)).toEqual([0, 1, 2, 3, 4]);
    expect(results[4]!.loss).toBeLessThan(results[0]!.loss);
    expect(results.every((r) => r.lr === Math.fround(0.1))).toBe(true);
  });

  it("averages iter_size sub-pass losses", () => {
    const net = quadraticNet();
    const [r] = trainSteps(net, solverFor(net, { iter_size: 2 }), { iterations: 1 });
    expect(r!.subLosses.length).toBe(2);
    expect(r!.subLosses[0]).toBe(r!.subLosses[1]); // the same input twice
    expect(r!.loss).toBe(Math.fround((r!.subLosses[0]! + r!.subLosses[1]!) / 2));
  });

  it("smooths the displayed loss like Caffe: incremental updates with average_loss 1, a window mean otherwise", () => {
    const net = quadraticNet();
    const results = trainSteps(net, solverFor(net), { iterations: 6 });
    let s = results[0]!.loss;
    results.forEach((r, i) => {
      if (i > 0) s = Math.fround(s + Math.fround(r.loss - results[i - 1]!.loss));
      expect(r.smoothedLoss).toBe(s);
    });
    const net3 = quadraticNet();
    const windowed = trainSteps(net3, solverFor(net3, { average_loss: 3 }), { iterations: 6 });
    windowed.forEach((r, i) => {
      const last = windowed.slice(Math.max(0, i - 2), i + 1).map((x) => x.loss);
      const mean = last.reduce((a, b) => a + b, 0) / last.length;
      expect(Math.abs(r.smoothedLoss - mean)).toBeLessThanOrEqual(SMOOTHED_RTOL * mean);
    });
  });

  it("calls the layer hook after each forward, backward (reverse order) and update", () => {
    const net = quadraticNet();
    const calls: string[] = [];
    trainSteps(net, solverFor(net), { iterations: 1, onLayer: (name, pass) => calls.push(`${pass}:${name}`) });
    expect(calls).toEqual([
      "forward:w", "forward:m", "forward:loss",
      "backward:loss", "backward:m", "backward:w",
      "update:w", "update:m",
    ]);
  });

  it("records per-layer statistics matching the blobs", () => {
    const net = quadraticNet({ type: "constant", value: 2 });
    const [r] = trainSteps(net, solverFor(net), { iterations: 1, layerStats: true });
    const lossForward = r!.layers!.find((l) => l.layer === "loss" && l.pass === "forward")!;
    // w = 2, m = 2*2 = 4 per element, loss = 0.5 * 3 * 16 = 24.
    expect(lossForward.blobs[0]!.data!.sum).toBe(24);
    const mForward = r!.layers!.find((l) => l.layer === "m" && l.pass === "forward")!;
    expect(mForward.blobs.map((b) => [b.role, b.data!.meanAbs])).toEqual([["top", 4], ["param", 2]]);
    const mBackward = r!.layers!.find((l) => l.layer === "m" && l.pass === "backward")!;
    // dL/dm = 4, dL/dw (bottom) = 4*2 = 8, dL/dmultiplier = 4*2 = 8.
    expect(mBackward.blobs.map((b) => [b.role, b.diff!.meanAbs])).toEqual([["bottom", 8], ["param", 8]]);
    const wUpdate = r!.layers!.find((l) => l.layer === "w" && l.pass === "update")!;
    // w's gradient: Split-free chain, dL/dw = 8; SGD step 0.1*8 = 0.8; w = 1.2.
    expect(wUpdate.blobs[0]!.data!.meanAbs).toBeCloseTo(1.2, 6);
    expect(wUpdate.blobs[0]!.diff!.meanAbs).toBeCloseTo(0.8, 6);
  });

  it("stops after the first non-finite loss when asked, and when afterUpdate returns false", () => {
    const net = quadraticNet({ type: "constant", value: 1e20 });
    const results = trainSteps(net, solverFor(net), { iterations: 5, stopOnNonFinite: true, layerStats: true });
    expect(results.length).toBe(1);
    expect(results[0]!.loss).toBe(Infinity);
    const forwardLoss = results[0]!.layers!.find((l) => l.layer === "loss" && l.pass === "forward")!;
    expect(forwardLoss.blobs[0]!.data!.inf).toBe(1);
    const net2 = quadraticNet();
    expect(trainSteps(net2, solverFor(net2), { iterations: 5, afterUpdate: (r) => r.iter < 1 }).length).toBe(2);
  });
});
