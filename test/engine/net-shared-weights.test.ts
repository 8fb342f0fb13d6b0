import { describe, expect, it } from "vitest";
import { buildNet, forward, backward, clearParamDiffs } from "../../src/engine/net.js";
import { seededRandom } from "../../src/engine/rng.js";
import type { PlainMessage } from "../../src/schema/types.js";

/** Central differences on a quadratic loss in float32. */
const FD_STEP = 1e-2;
const FD_TOLERANCE = 1e-2;

function ip(name: string, bottom: string): PlainMessage {
  return {
    name, type: "InnerProduct", bottom: [bottom], top: [name],
    param: [{ name: "W" }, { name: "b" }],
    inner_product_param: { num_output: 3, weight_filler: { type: "gaussian", std: 1 }, bias_filler: { type: "gaussian", std: 1 } },
  };
}

describe("parameter sharing with the engine's layers (Siamese InnerProducts)", () => {
  it("accumulates both branches' gradients into the one shared weight, matching finite differences", () => {
    const net = buildNet({
      layer: [
        { name: "in", type: "Input", top: ["x1", "x2"], input_param: { shape: [{ dim: ["2", "4"] }] } },
        ip("a", "x1"),
        ip("b", "x2"),
        { name: "loss", type: "EuclideanLoss", bottom: ["a", "b"], top: ["loss"] },
      ],
    }, { phase: "TRAIN", random: seededRandom(9) });
    expect(net.learnable.map((p) => `${p.layerName}#${p.paramIndex}`)).toEqual(["a#0", "a#1"]);
    const random = seededRandom(3);
    for (const name of ["x1", "x2"]) {
      const x = net.blobByName.get(name)!.data;
      for (let i = 0; i < x.length; i++) x[i] = random() * 2 - 1;
    }
    clearParamDiffs(net);
    const loss = forward(net);
    backward(net);
    expect(loss).toBeGreaterThan(0);
    const W = net.learnable[0]!.blob;
    const analytic = Float32Array.from(W.diff);
    // The shared bias cancels in a - b: its gradient is zero.
    for (const g of net.learnable[1]!.blob.diff) expect(Math.abs(g)).toBeLessThan(1e-5);
    for (let i = 0; i < W.data.length; i++) {
      const saved = W.data[i]!;
      W.data[i] = saved + FD_STEP;
      const up = forward(net);
      W.data[i] = saved - FD_STEP;
      const down = forward(net);
      W.data[i] = saved;
      const numeric = (up - down) / (2 * FD_STEP);
      expect(Math.abs(numeric - analytic[i]!)).toBeLessThanOrEqual(FD_TOLERANCE * Math.max(1, Math.abs(numeric)));
    }
  });
});
