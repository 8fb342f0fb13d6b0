import { describe, expect, it } from "vitest";
import { innerProductLayer } from "../../../src/engine/layers/inner-product.js";
import { seededRandom } from "../../../src/engine/rng.js";
import { blobOf, checkGradients, randomBlob, replayableContext, runForward } from "../gradient-check.js";

const ip = (p: object) => ({ name: "ip", type: "InnerProduct", inner_product_param: { weight_filler: { type: "gaussian", std: 1 }, bias_filler: { type: "gaussian", std: 1 }, ...p } });

describe("InnerProduct", () => {
  it("computes x W^T + b by hand", () => {
    const x = blobOf([2, 3], [1, 2, 3, 4, 5, 6]);
    const { layer, tops } = runForward(innerProductLayer, ip({ num_output: 2 }), [x], replayableContext("TRAIN", 1));
    expect(layer.params.map((p) => p.shape)).toEqual([[2, 3], [2]]);
    layer.params[0]!.data.set([1, 0, -1, 0.5, 0.5, 0.5]);
    layer.params[1]!.data.set([10, 20]);
    layer.forward([x], tops);
    expect(tops[0]!.shape).toEqual([2, 2]);
    expect([...tops[0]!.data]).toEqual([1 - 3 + 10, 3 + 20, 4 - 6 + 10, 7.5 + 20]);
  });

  it("stores [K, N] weights with transpose and flattens from `axis`", () => {
    const x = randomBlob([2, 3, 2, 2], seededRandom(1));
    const t = runForward(innerProductLayer, ip({ num_output: 5, transpose: true }), [x], replayableContext("TRAIN", 1));
    expect(t.layer.params[0]!.shape).toEqual([12, 5]);
    expect(t.tops[0]!.shape).toEqual([2, 5]);
    const a = runForward(innerProductLayer, ip({ num_output: 4, axis: 2, bias_term: false }), [x], replayableContext("TRAIN", 1));
    expect(a.layer.params.map((p) => p.shape)).toEqual([[4, 4]]);
    expect(a.tops[0]!.shape).toEqual([2, 3, 4]);
  });

  for (const p of [{ num_output: 3 }, { num_output: 3, transpose: true }, { num_output: 2, axis: 2, bias_term: false }, { num_output: 4, axis: -1 }]) {
    it(`has correct gradients: ${JSON.stringify(p)}`, () => {
      const r = checkGradients(innerProductLayer, ip(p), [randomBlob([2, 3, 2, 2], seededRandom(2))], 1);
      expect(r.checked).toBeGreaterThan(0);
      expect(r.failures).toEqual([]);
    });
  }
});
