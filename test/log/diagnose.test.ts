/** Verdict rules on small generated logs: thresholds on both sides. */
import { describe, expect, it } from "vitest";
import { diagnoseLog, guessNormaliser, saturatedCount, SATURATION_K_TOL, SATURATION_K_TOL_GUESSED } from "../../src/log/diagnose.js";
import { parseLogLines } from "../../src/log/parse.js";
import { chainNet, g6, synthLogLines, type SynthSpec } from "./synth-log.js";

/** -ln(FLT_MIN) from FLT_MIN = 2^-126, independently of the code under test. */
const SAT = -Math.log(2 ** -126);

function verdictsOf(spec: Partial<SynthSpec> & Pick<SynthSpec, "loss">) {
  const full: SynthSpec = { name: "t", layers: chainNet(64, 10), maxIter: 100, display: 5, lr: () => 0.01, ...spec };
  return diagnoseLog(parseLogLines(synthLogLines(full)));
}

describe("saturatedCount", () => {
  it("recovers every k of N from the 6-digit printed loss", () => {
    for (const n of [1, 16, 64, 256]) {
      for (let k = 1; k <= n; k++) expect(saturatedCount(Number(g6((k / n) * SAT)), n, SATURATION_K_TOL)).toBe(k);
    }
  });
  it("rejects ordinary losses and k outside 1..N", () => {
    expect(saturatedCount(2.302585, 64, SATURATION_K_TOL)).toBeNull();
    expect(saturatedCount(0.5, 64, SATURATION_K_TOL)).toBeNull();
    expect(saturatedCount(2 * SAT, 64, SATURATION_K_TOL)).toBeNull();
    // 1e-3 off in k is the edge of the tolerance: 2e-3 off is rejected.
    expect(saturatedCount(((10 + 2e-3) / 64) * SAT, 64, SATURATION_K_TOL)).toBeNull();
  });
  it("guesses N from several iterations with different k", () => {
    const values = [30, 33, 31, 35, 32].map((k) => Number(g6((k / 64) * SAT)));
    expect(guessNormaliser(values)).toBe(64);
    expect(saturatedCount(values[4]!, 64, SATURATION_K_TOL_GUESSED)).toBe(32);
    expect(guessNormaliser([2.31, 2.2, 2.05, 1.9, 1.7])).toBeNull();
  });
});

describe("verdict rules", () => {
  it("saturated-softmax without header: N guessed", () => {
    const v = verdictsOf({ loss: (it) => (it < 30 ? 2.3 : ((20 + (it % 9)) / 64) * SAT) });
    expect(v[0]!.verdict).toBe("saturated-softmax");
    expect(v[0]!.details?.N).toBe(64);
    expect(v[0]!.details?.guessedN).toBe(true);
    expect(v[0]!.iteration).toBe(30);
  });

  it("a loss_weight shows in the printed output weight, not in k", () => {
    const p = parseLogLines([
      "I1129 00:00:00.000000 1 solver.cpp:239] Iteration 0 (1 iter/s, 1s/1 iters), loss = 2.3",
      "I1129 00:00:00.000000 1 solver.cpp:258]     Train net output #0: loss = 2.3 (* 0.5 = 1.15 loss)",
      ...[1, 2, 3, 4].flatMap((i) => [
        `I1129 00:00:00.000000 1 solver.cpp:239] Iteration ${i} (1 iter/s, 1s/1 iters), loss = ${g6(((16 + i) / 32) * SAT * 0.5)}`,
        `I1129 00:00:00.000000 1 solver.cpp:258]     Train net output #0: loss = ${g6(((16 + i) / 32) * SAT)} (* 0.5 = ${g6(((16 + i) / 32) * SAT * 0.5)} loss)`,
      ]),
    ]);
    const v = diagnoseLog(p)[0]!;
    expect(v.verdict).toBe("saturated-softmax");
    expect(v.details?.k).toBe(20);
    expect(v.details?.N).toBe(32);
    expect(v.details?.lossWeight).toBe(0.5);
  });

  it("a healthy debug_info log is ok: no exploding or vanishing from ordinary magnitudes", () => {
    const v = verdictsOf({ header: true, debugInfo: true, loss: (it) => 2.3 * Math.exp(-it / 30) + 0.1 });
    expect(v.map((x) => x.verdict)).toEqual(["ok"]);
  });

  it("growth just under the exploding threshold is not exploding; just over is", () => {
    // Displays at 0..95: 19 steps of growth.
    const grow = (orders: number) => (li: number, it: number) => 1e-3 * 10 ** ((orders * it) / 95) * (li === 1 ? 1 : 1);
    const under = verdictsOf({ header: true, debugInfo: true, loss: (it) => 2.3 - it * 0.01, grad: grow(3.5) });
    const over = verdictsOf({ header: true, debugInfo: true, loss: (it) => 2.3 - it * 0.01, grad: grow(4.5) });
    expect(under.map((x) => x.verdict)).not.toContain("exploding");
    expect(over[0]!.verdict).toBe("exploding");
  });

  it("growth from a zero-initialised layer's tiny diff to ordinary sizes is not exploding", () => {
    const v = verdictsOf({ header: true, debugInfo: true, loss: (it) => 2.3 * Math.exp(-it / 30) + 0.1, grad: (li, it) => (li >= 6 ? Math.min(1e-3, 1e-9 * 10 ** it) : 1e-3) });
    expect(v.map((x) => x.verdict)).toEqual(["ok"]);
  });

  it("one tiny diff in the middle is not the start of an explosion", () => {
    const grad = (li: number, it: number) => (it === 50 ? 1e-7 : it >= 90 ? 5 : 1e-2);
    const v = verdictsOf({ header: true, debugInfo: true, loss: (it) => 2.3 * Math.exp(-it / 30) + 0.1, grad });
    expect(v.map((x) => x.verdict)).toEqual(["ok"]);
  });

  it("frozen params (diff always exactly 0, e.g. BN statistics) are not vanishing", () => {
    const v = verdictsOf({ header: true, debugInfo: true, loss: (it) => 2.3 - it * 0.015, grad: (li) => (li === 1 ? 0 : 1e-3) });
    expect(v.map((x) => x.verdict)).toEqual(["ok"]);
  });

  it("not-learning by the reference rule when C is unknown", () => {
    const v = verdictsOf({ loss: (it) => 5 - it * 0.001 });
    expect(v[0]!.verdict).toBe("not-learning");
    expect(v[0]!.details?.classes).toBeUndefined();
  });

  it("a steadily falling loss with minibatch noise is neither oscillating nor not-learning", () => {
    const v = verdictsOf({ maxIter: 400, loss: (it) => 2.3 * Math.exp(-it / 100) + 0.1 + (it % 20 ? 0.02 : -0.02) });
    expect(v.map((x) => x.verdict)).toEqual(["ok"]);
  });

  it("lr jumping tenfold is an lr-schedule problem; a smooth rise is not", () => {
    const jump = verdictsOf({ loss: (it) => 2.3 - it * 0.01, lr: (it) => (it < 50 ? 0.001 : 0.01) });
    expect(jump[0]!.verdict).toBe("lr-schedule");
    expect(jump[0]!.iteration).toBe(50);
    const smooth = verdictsOf({ loss: (it) => 2.3 - it * 0.01, lr: (it) => 0.002 / (1 + Math.exp(-0.3 * (it - 10))) });
    expect(smooth.map((x) => x.verdict)).toEqual(["ok"]);
  });

  it("an empty log is ok with no iteration", () => {
    const v = diagnoseLog(parseLogLines([]));
    expect(v).toEqual([{ verdict: "ok", iteration: null, evidenceLines: [], message: "no training iterations found in the log" }]);
  });
});

describe("logs with several runs", () => {
  const spec = (nanFirst: boolean): SynthSpec => ({
    name: "r", layers: chainNet(64, 10), maxIter: 60, display: 2, header: true, restart: { after: 30, resumeFrom: 20 }, lr: () => 0.01,
    // The first run (0..30) and the resumed one (20..60) are told apart by the log position only.
    loss: (() => {
      let calls = 0;
      return (it: number) => {
        calls++;
        const firstRun = calls <= 16;
        const bad = nanFirst ? firstRun && it >= 24 : !firstRun && it >= 40;
        return bad ? NaN : 2.3 * Math.exp(-it / 15) + 0.1;
      };
    })(),
  });

  it("diagnoses the last run and mentions a NaN in an earlier one", () => {
    const v = diagnoseLog(parseLogLines(synthLogLines(spec(true))));
    expect(v[0]!.verdict).toBe("ok");
    expect(v[0]!.details?.earlierRunNonFiniteIteration).toBe(24);
    expect(v[0]!.message).toContain("earlier run");
  });

  it("reports a NaN in the last run at its iteration", () => {
    const v = diagnoseLog(parseLogLines(synthLogLines(spec(false))));
    expect(v[0]!.verdict).toBe("non-finite");
    expect(v[0]!.iteration).toBe(40);
    expect(v[0]!.details?.earlierRunNonFiniteIteration).toBeUndefined();
  });
});

describe("lossFacts", () => {
  const header = (loss: string[]): string[] => [
    "I1129 00:00:00.000000 1 net.cpp:53] Initializing net from parameters: ",
    'name: "seg"',
    "layer {",
    '  name: "score"',
    '  type: "Convolution"',
    '  top: "score"',
    "}",
    "layer {",
    '  name: "loss"',
    '  type: "SoftmaxWithLoss"',
    '  bottom: "score"',
    '  bottom: "label"',
    '  top: "loss"',
    ...loss,
    "}",
    "I1129 00:00:00.000000 1 net.cpp:86] Creating Layer score",
    "I1129 00:00:00.000000 1 net.cpp:124] Setting up score",
    "I1129 00:00:00.000000 1 net.cpp:131] Top shape: 4 21 8 8 (5376)",
    "I1129 00:00:00.000000 1 net.cpp:257] Network initialization done.",
  ];
  it("takes the softmax normaliser from the logits' shape and loss_param", async () => {
    const { lossFacts } = await import("../../src/log/diagnose.js");
    const facts = (loss: string[]) => lossFacts(parseLogLines(header(loss))).softmaxTops[0]!;
    expect(facts([])).toMatchObject({ classes: 21, normaliser: 4 * 8 * 8, ignoreLabel: false });
    expect(facts(["  loss_param {", "    normalization: BATCH_SIZE", "  }"]).normaliser).toBe(4);
    expect(facts(["  loss_param {", "    normalization: NONE", "  }"]).normaliser).toBe(1);
    expect(facts(["  loss_param {", "    normalize: false", "  }"]).normaliser).toBe(4);
    expect(facts(["  loss_param {", "    ignore_label: 255", "  }"]).ignoreLabel).toBe(true);
  });
});
