import { describe, expect, it } from "vitest";
import { euclideanLossLayer } from "../../../src/engine/layers/euclidean-loss.js";
import { sigmoidCrossEntropyLossLayer } from "../../../src/engine/layers/sigmoid-cross-entropy-loss.js";
import { accuracyLayer } from "../../../src/engine/layers/accuracy.js";
import { seededRandom } from "../../../src/engine/rng.js";
import { blobOf, checkGradients, randomBlob, replayableContext, runForward } from "../gradient-check.js";

const LOSS_TOLERANCE = 1e-6;
const ctx = () => replayableContext("TRAIN", 1);

describe("EuclideanLoss", () => {
  it("is Σ(a - b)^2 / 2N", () => {
    const { layer, tops } = runForward(euclideanLossLayer, { name: "l", type: "EuclideanLoss" }, [blobOf([2, 2], [1, 2, 3, 4]), blobOf([2, 2], [0, 0, 3, 6])], ctx());
    expect(layer.defaultLossWeight).toBe(1);
    expect(tops[0]!.data[0]).toBeCloseTo((1 + 4 + 0 + 4) / 4, 6);
  });
  it("has correct gradients for both bottoms", () => {
    const random = seededRandom(3);
    const r = checkGradients(euclideanLossLayer, { name: "l", type: "EuclideanLoss" }, [randomBlob([3, 2, 2], random), randomBlob([3, 4], random)], 1);
    expect(r.checked).toBe(24);
    expect(r.failures).toEqual([]);
  });
});

describe("SigmoidCrossEntropyLoss", () => {
  const x = () => blobOf([2, 2], [0, 2, -1, 0]);
  const t = () => blobOf([2, 2], [1, 0, 0, 1]);
  const terms = [Math.log(2), Math.log(1 + Math.exp(2)), Math.log(1 + Math.exp(-1)), Math.log(2)];
  const sum = terms.reduce((a, b) => a + b);

  it("defaults to BATCH_SIZE normalization", () => {
    const { layer, tops } = runForward(sigmoidCrossEntropyLossLayer, { name: "l", type: "SigmoidCrossEntropyLoss" }, [x(), t()], ctx());
    expect(layer.defaultLossWeight).toBe(1);
    expect(Math.abs(tops[0]!.data[0]! - sum / 2)).toBeLessThan(LOSS_TOLERANCE);
  });

  it("honours normalization, legacy normalize and ignore_label", () => {
    const run = (lp: object, target = t()) => runForward(sigmoidCrossEntropyLossLayer, { name: "l", type: "SigmoidCrossEntropyLoss", loss_param: lp }, [x(), target], ctx()).tops[0]!.data[0]!;
    expect(Math.abs(run({ normalization: "FULL" }) - sum / 4)).toBeLessThan(LOSS_TOLERANCE);
    expect(Math.abs(run({ normalize: true }) - sum / 4)).toBeLessThan(LOSS_TOLERANCE);
    expect(Math.abs(run({ normalization: "NONE" }) - sum)).toBeLessThan(LOSS_TOLERANCE);
    const ignored = run({ ignore_label: -1, normalization: "VALID" }, blobOf([2, 2], [1, -1, 0, 1]));
    expect(Math.abs(ignored - (sum - terms[1]!) / 3)).toBeLessThan(LOSS_TOLERANCE);
  });

  it("stays finite for large logits", () => {
    const { tops } = runForward(sigmoidCrossEntropyLossLayer, { name: "l", type: "SigmoidCrossEntropyLoss" }, [blobOf([1, 2], [1000, -1000]), blobOf([1, 2], [0, 1])], ctx());
    expect(tops[0]!.data[0]).toBeCloseTo(2000, 3);
  });

  for (const lp of [{}, { normalization: "VALID", ignore_label: 2 }, { normalization: "FULL" }]) {
    it(`has correct gradients ${JSON.stringify(lp)}`, () => {
      const random = seededRandom(4);
      const targets = blobOf([2, 3], [0, 1, 0.5, 2, 1, 0]);
      const r = checkGradients(sigmoidCrossEntropyLossLayer, { name: "l", type: "SigmoidCrossEntropyLoss", loss_param: lp }, [randomBlob([2, 3], random, -3, 3), targets], 1, { bottoms: [0] });
      expect(r.checked).toBe(6);
      expect(r.failures).toEqual([]);
    });
  }
});

describe("Accuracy", () => {
  const scores = () => blobOf([4, 3], [0.1, 0.7, 0.2, 0.5, 0.4, 0.1, 0.3, 0.3, 0.4, 0.2, 0.2, 0.6]);
  const labels = () => blobOf([4], [1, 1, 0, 0]);

  it("counts top-1 hits", () => {
    const { tops } = runForward(accuracyLayer, { name: "a", type: "Accuracy" }, [scores(), labels()], ctx());
    expect(tops[0]!.data[0]).toBe(0.25);
  });

  it("counts ties against the true class as better (top_k 2)", () => {
    const { tops } = runForward(accuracyLayer, { name: "a", type: "Accuracy", accuracy_param: { top_k: 2 } }, [scores(), labels()], ctx(), 2);
    // sample 2: true 0.3 ties with 0.3 and loses to 0.4 -> 3 classes >= it, outside top 2
    expect(tops[0]!.data[0]).toBe(0.5);
    expect([...tops[1]!.data]).toEqual([0, 1, 0]);
  });

  it("skips ignore_label", () => {
    const { tops } = runForward(accuracyLayer, { name: "a", type: "Accuracy", accuracy_param: { ignore_label: 0 } }, [scores(), labels()], ctx());
    expect(tops[0]!.data[0]).toBe(0.5);
  });
});
