import { describe, expect, it } from "vitest";
import { readSolverSettings, learningRate, createSolver, SolverError } from "../../src/engine/solvers/index.js";
import type { SolverSettings } from "../../src/engine/solvers/index.js";
import { buildNet } from "../../src/engine/net.js";
import { trainSteps } from "../../src/engine/train.js";
import { seededRandom } from "../../src/engine/rng.js";
import type { PlainMessage } from "../../src/schema/types.js";
import { mockRegistry } from "./mock-layers.js";

/** float32 engine against a float64 re-statement of the formulas. */
const UPDATE_RELATIVE_TOLERANCE = 1e-5;
const LR_RELATIVE_TOLERANCE = 1e-6;

function settings(extra: PlainMessage): SolverSettings {
  return readSolverSettings({ base_lr: 0.1, lr_policy: "fixed", ...extra });
}

describe("learning-rate policies", () => {
  const cases: [PlainMessage, number, number][] = [
    [{ lr_policy: "fixed", base_lr: 0.01 }, 37, 0.01],
    [{ lr_policy: "step", base_lr: 0.1, gamma: 0.5, stepsize: 5 }, 12, 0.1 * 0.25],
    [{ lr_policy: "exp", base_lr: 1, gamma: 0.9 }, 3, 0.729],
    [{ lr_policy: "inv", base_lr: 0.01, gamma: 0.1, power: 0.75 }, 10, 0.01 * Math.pow(2, -0.75)],
    [{ lr_policy: "multistep", base_lr: 0.1, gamma: 0.5, stepvalue: [5, 10, 15] }, 12, 0.025],
    [{ lr_policy: "multistep", base_lr: 0.1, gamma: 0.5, stepvalue: [5, 10, 15] }, 4, 0.1],
    [{ lr_policy: "poly", base_lr: 0.01, power: 2, max_iter: 20 }, 5, 0.01 * 0.75 * 0.75],
    [{ lr_policy: "sigmoid", base_lr: 0.002, gamma: 0.3, stepsize: 10 }, 10, 0.001],
    [{ lr_policy: "sigmoid", base_lr: 0.002, gamma: 0.3, stepsize: 10 }, 0, 0.002 / (1 + Math.exp(3))],
  ];
  for (const [param, it_, expected] of cases) {
    it(`${String(param.lr_policy)} at iteration ${it_}`, () => {
      const lr = learningRate(readSolverSettings(param), it_);
      expect(Math.abs(lr - expected)).toBeLessThanOrEqual(LR_RELATIVE_TOLERANCE * expected);
    });
  }
});

describe("readSolverSettings", () => {
  it("applies Caffe's defaults", () => {
    const s = readSolverSettings({ base_lr: 0.01, lr_policy: "fixed" });
    expect(s.type).toBe("SGD");
    expect(s.iterSize).toBe(1);
    expect(s.clipGradients).toBe(-1);
    expect(s.regularizationType).toBe("L2");
    expect(s.momentum2).toBe(Math.fround(0.999));
    expect(readSolverSettings({ lr_policy: "fixed", solver_type: "NESTEROV" }).type).toBe("Nesterov");
  });

  it("rejects bad hyperparameters quoting the value", () => {
    expect(() => readSolverSettings({ lr_policy: "cosine" })).toThrow(/"cosine"/);
    expect(() => readSolverSettings({})).toThrow(/lr_policy is not set/);
    expect(() => readSolverSettings({ lr_policy: "step", gamma: 0.1, stepsize: 0 })).toThrow(/stepsize: 0/);
    expect(() => readSolverSettings({ lr_policy: "sigmoid", gamma: -0.3, stepsize: 10 })).toThrow(/gamma: -0.3/);
    expect(() => readSolverSettings({ lr_policy: "fixed", type: "AdaGrad", momentum: 0.9 })).toThrow(SolverError);
    expect(() => readSolverSettings({ lr_policy: "fixed", type: "AdaGrad", momentum: 0.9 })).toThrow(/momentum: 0.9/);
    expect(() => readSolverSettings({ lr_policy: "fixed", iter_size: 0 })).toThrow(/iter_size: 0/);
    expect(() => readSolverSettings({ lr_policy: "fixed", regularization_type: "L3" })).toThrow(/"L3"/);
    expect(() => readSolverSettings({ lr_policy: "fixed", type: "Adamax" })).toThrow(/"Adamax"/);
    expect(() => readSolverSettings({ lr_policy: "fixed", type: "adam" })).toThrow(/did you mean "Adam"/);
  });
});

/**
 * A one-parameter-vector net: loss = 0.5 * sum(w^2), so the gradient is w.
 * Runs `n` engine iterations and a float64 re-statement of Caffe's update,
 * then compares the weights.
 */
function compareWithScalarReference(solverParam: PlainMessage, n: number, lrMult = 1, decayMult = 1): void {
  const s = settings(solverParam);
  const net = buildNet({
    layer: [
      { name: "w", type: "Const", top: ["w"], param: [{ lr_mult: lrMult, decay_mult: decayMult }], const_param: { type: "uniform", min: -2, max: 2 } },
      { name: "loss", type: "SqLoss", bottom: ["w"], top: ["loss"] },
    ],
  }, { phase: "TRAIN", random: seededRandom(11) }, mockRegistry);
  const w0 = Array.from(net.learnable[0]!.blob.data, Number);
  const results = trainSteps(net, createSolver(s, net), { iterations: n });
  const ref = w0.map((w) => {
    let h = 0, h2 = 0;
    for (let t = 0; t < n; t++) {
      const rate = learningRate(s, t) * lrMult;
      let g = w * s.iterSize; // iter_size sub-passes each add the same gradient
      g /= s.iterSize;
      const decay = s.weightDecay * decayMult;
      g += s.regularizationType === "L2" ? decay * w : decay * Math.sign(w);
      let step: number;
      switch (s.type) {
        case "SGD": h = s.momentum * h + rate * g; step = h; break;
        case "Nesterov": { const prev = h; h = s.momentum * h + rate * g; step = (1 + s.momentum) * h - s.momentum * prev; break; }
        case "AdaGrad": h += g * g; step = rate * g / (Math.sqrt(h) + s.delta); break;
        case "RMSProp": h = s.rmsDecay * h + (1 - s.rmsDecay) * g * g; step = rate * g / (Math.sqrt(h) + s.delta); break;
        case "AdaDelta": {
          h = s.momentum * h + (1 - s.momentum) * g * g;
          const u = g * Math.sqrt((h2 + s.delta) / (h + s.delta));
          h2 = s.momentum * h2 + (1 - s.momentum) * u * u;
          step = rate * u;
          break;
        }
        case "Adam": {
          h = s.momentum * h + (1 - s.momentum) * g;
          h2 = s.momentum2 * h2 + (1 - s.momentum2) * g * g;
          const corr = Math.sqrt(1 - s.momentum2 ** (t + 1)) / (1 - s.momentum ** (t + 1));
          step = rate * corr * h / (Math.sqrt(h2) + s.delta);
          break;
        }
      }
      w -= step;
    }
    return w;
  });
  const got = Array.from(net.learnable[0]!.blob.data, Number);
  got.forEach((w, i) => expect(Math.abs(w - ref[i]!)).toBeLessThanOrEqual(UPDATE_RELATIVE_TOLERANCE * Math.max(1, Math.abs(ref[i]!))));
  expect(results.length).toBe(n);
  // The reported loss is the loss before each update: 0.5*sum(w0^2) first.
  expect(results[0]!.loss).toBeCloseTo(0.5 * w0.reduce((a, w) => a + w * w, 0), 5);
}

describe("update rules against a float64 re-statement of Caffe's formulas", () => {
  it("SGD with momentum and L2 decay", () => compareWithScalarReference({ momentum: 0.9, weight_decay: 0.01 }, 4));
  it("SGD with L1 decay, lr_mult and decay_mult", () => compareWithScalarReference({ momentum: 0.5, weight_decay: 0.05, regularization_type: "L1" }, 3, 2, 0.5));
  it("Nesterov", () => compareWithScalarReference({ type: "Nesterov", momentum: 0.9 }, 4));
  it("AdaGrad with iter_size 2", () => compareWithScalarReference({ type: "AdaGrad", iter_size: 2, delta: 1e-6 }, 4));
  it("RMSProp", () => compareWithScalarReference({ type: "RMSProp", rms_decay: 0.9, lr_policy: "poly", power: 2, max_iter: 10 }, 4));
  it("AdaDelta", () => compareWithScalarReference({ type: "AdaDelta", momentum: 0.95, delta: 1e-6, base_lr: 1 }, 4));
  it("Adam", () => compareWithScalarReference({ type: "Adam", momentum: 0.9, momentum2: 0.999, base_lr: 0.01 }, 4));
  it("lr_mult 0 leaves the param unchanged", () => {
    const net = buildNet({
      layer: [
        { name: "w", type: "Const", top: ["w"], param: [{ lr_mult: 0 }] },
        { name: "loss", type: "SqLoss", bottom: ["w"], top: ["loss"] },
      ],
    }, { phase: "TRAIN", random: seededRandom(2) }, mockRegistry);
    const before = Float32Array.from(net.learnable[0]!.blob.data);
    trainSteps(net, createSolver(settings({ momentum: 0.9, weight_decay: 0.1 }), net), { iterations: 2 });
    expect(net.learnable[0]!.blob.data).toEqual(before);
  });
});

describe("the one-pass SGD step", () => {
  /** Two params with different multipliers; the gradient of 0.5 * sum(w^2) is w. */
  function twoParamNet(seed: number) {
    return buildNet({
      layer: [
        { name: "a", type: "Const", top: ["a"], param: [{ lr_mult: 1, decay_mult: 1 }], const_param: { type: "uniform", min: -2, max: 2 } },
        { name: "b", type: "Const", top: ["b"], param: [{ lr_mult: 2, decay_mult: 0 }], const_param: { type: "uniform", min: -2, max: 2 } },
        { name: "la", type: "SqLoss", bottom: ["a"], top: ["la"] },
        { name: "lb", type: "SqLoss", bottom: ["b"], top: ["lb"] },
      ],
    }, { phase: "TRAIN", random: seededRandom(seed) }, mockRegistry);
  }

  it("gives bit for bit what the general path gives (clip_gradients large enough never to clip takes that path)", () => {
    const fused = twoParamNet(5), general = twoParamNet(5);
    const common = { momentum: 0.9, weight_decay: 0.01, lr_policy: "step", gamma: 0.5, stepsize: 2 };
    const a = trainSteps(fused, createSolver(settings(common), fused), { iterations: 5 });
    const b = trainSteps(general, createSolver(settings({ ...common, clip_gradients: 1e30 }), general), { iterations: 5 });
    expect(a.map((r) => r.gradL2)).toEqual(b.map((r) => r.gradL2));
    expect(a.map((r) => r.loss)).toEqual(b.map((r) => r.loss));
    fused.learnable.forEach((p, i) => {
      expect(p.blob.data).toEqual(general.learnable[i]!.blob.data);
      expect(p.blob.diff).toEqual(general.learnable[i]!.blob.diff);
    });
    expect(a[4]!.gradL2).toBeGreaterThan(0);
  });
});

describe("gradient clipping", () => {
  it("scales all diffs by clip/L2 when the norm exceeds clip_gradients", () => {
    const net = buildNet({
      layer: [
        { name: "w", type: "Const", top: ["w"], const_param: { type: "constant", value: 2 } },
        { name: "loss", type: "SqLoss", bottom: ["w"], top: ["loss"] },
      ],
    }, { phase: "TRAIN", random: seededRandom(2) }, mockRegistry);
    const [r] = trainSteps(net, createSolver(settings({ base_lr: 1, clip_gradients: 1 }), net), { iterations: 1 });
    // gradient (2,2,2), L2 = sqrt(12); the step is the unit vector.
    expect(r!.gradL2).toBeCloseTo(Math.sqrt(12), 6);
    expect(r!.clipScale).toBeCloseTo(1 / Math.sqrt(12), 6);
    for (const w of net.learnable[0]!.blob.data) expect(w).toBeCloseTo(2 - 1 / Math.sqrt(3), 6);
  });
});
