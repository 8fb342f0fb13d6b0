/**
 * The probe without datasets: synthetic inputs of the shape the net implies,
 * never zeros; verdicts that agree with the evidence (a loss of 0 is not
 * "not-learning", a ratio over zero is described, not printed as Infinity).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { lintFilesDetailed } from "../../src/lint/lint-files.js";
import { formatters } from "../../src/report/formatters.js";
import { classify } from "../../src/probe/verdict.js";
import { fillValues, inputFeeder, syntheticRecords } from "../../src/probe/feed.js";
import { makeBlob } from "../../src/engine/blob.js";
import type { ProbeReport } from "../../src/probe/types.js";
import type { InputPlan } from "../../src/probe/inputs.js";

function tempNet(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-synthetic-"));
  const file = path.join(dir, "train.prototxt");
  fs.writeFileSync(file, text);
  return file;
}

/** The CIFAR-sized net: an Input layer, five Convolution → BatchNorm (frozen) → Scale → ReLU blocks, a classifier. */
function cifarInputNet(): string {
  const blocks = [1, 2, 3, 4, 5]
    .map((i) => {
      const bottom = i === 1 ? "data" : `conv${i - 1}`;
      return `layer { name: "conv${i}" type: "Convolution" bottom: "${bottom}" top: "conv${i}" convolution_param { num_output: 8 kernel_size: 3 pad: 1 weight_filler { type: "msra" } } }
layer { name: "bn${i}" type: "BatchNorm" bottom: "conv${i}" top: "conv${i}" batch_norm_param { use_global_stats: true } }
layer { name: "scale${i}" type: "Scale" bottom: "conv${i}" top: "conv${i}" scale_param { bias_term: true } }
layer { name: "relu${i}" type: "ReLU" bottom: "conv${i}" top: "conv${i}" }`;
    })
    .join("\n");
  return `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 16 dim: 3 dim: 32 dim: 32 } shape { dim: 16 } } }
${blocks}
layer { name: "ip" type: "InnerProduct" bottom: "conv5" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`;
}

describe("an Input-layer net is fed image-like values, not zeros", () => {
  const file = cifarInputNet();
  const { report } = lintFilesDetailed([tempNet(file)], { probe: "force", probeOptions: { iterations: 12 } });
  const probe = report.probe as ProbeReport;
  const findings = report.results.flatMap((r) => r.findings).filter((f) => f.ruleId === "bn-global-stats-phase");

  it("reproduces the frozen-BatchNorm failure the linter reports", { timeout: 60_000 }, () => {
    expect(findings).toHaveLength(5);
    expect(["saturated-softmax", "non-finite"]).toContain(probe.verdict);
    for (const f of findings) expect(f.confirmedByProbe?.verdict).toBe(probe.verdict);
    expect(probe.fixRuns[0]?.verdict).toBe("ok");
  });

  it("says the data were synthetic, and of what shape", () => {
    expect(probe.settings.batch).toBe(16);
    expect(probe.settings.data).toBe("synthetic (Input 'data'): 'data' 3×32×32 0-255 pixels, 'label' labels in 0..9");
  });

  it("never prints Infinity or NaN ratios", () => {
    const text = formatters.stylish(report, { color: false, cwd: os.tmpdir() });
    expect(text).not.toMatch(/Infinity/);
    expect(text).not.toMatch(/NaNx/);
  });
});

describe("verdicts that agree with the evidence", () => {
  const quiet = { firstNonFinite: null, gradNorms: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], layers: [] };

  it("a loss of exactly 0 is not not-learning", () => {
    const zero = classify({ ...quiet, losses: new Array(10).fill(0), softmax: { n: 8, lossWeight: 1, classes: 2 } });
    expect(zero.verdict).toBe("ok");
    expect(zero.evidence.join(" ")).toMatch(/0 from the start: the net already fits these batches, nothing left to learn/);
    const flat = classify({ ...quiet, losses: new Array(10).fill(0.693), softmax: { n: 8, lossWeight: 1, classes: 2 } });
    expect(flat.verdict).toBe("not-learning");
  });

  it("a finding the probe does not reproduce is marked not reproduced, with the reason", { timeout: 60_000 }, () => {
    // Raw 0-255 input into a BatchNorm net: the linter warns, but batch statistics absorb the scale and it trains.
    const text = `layer { name: "data" type: "Data" top: "data" top: "label" data_param { source: "absent_lmdb" batch_size: 8 } transform_param { crop_size: 8 } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "msra" } } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "ip" type: "InnerProduct" bottom: "conv1" top: "ip" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`;
    const { report } = lintFilesDetailed([tempNet(text)], { probe: "force", probeOptions: { iterations: 10 } });
    const probe = report.probe as ProbeReport;
    expect(probe.verdict).toBe("ok");
    const raw = report.results.flatMap((r) => r.findings).find((f) => f.ruleId === "input-not-scaled");
    expect(raw?.confirmedByProbe).toBeUndefined();
    expect(raw?.refutedByProbe?.detail).toMatch(/^the run as written was ok \(loss .*\), not saturated-softmax or non-finite/);
    expect(formatters.stylish(report, { color: false, cwd: os.tmpdir() })).toMatch(/↳ probe: not reproduced — the run as written was ok/);
  });
});

describe("synthetic values", () => {
  it("are integer pixels 0..255, labels over the classes, 0/1 targets and unit floats", () => {
    let state = 1;
    const random = () => ((state = (state * 48271) % 2147483647) / 2147483647);
    const pixels = new Float32Array(4096);
    fillValues(pixels, "image", undefined, random);
    expect(pixels.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    expect(new Set(pixels).size).toBeGreaterThan(200);
    const labels = new Float32Array(1000);
    fillValues(labels, "label", 10, random);
    expect([...new Set(labels)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const binary = new Float32Array(100);
    fillValues(binary, "binary", 2, random);
    expect([...new Set(binary)].sort()).toEqual([0, 1]);
  });

  it("repeat one batch, so a net that trains can fit it", () => {
    const plan: InputPlan = { sources: [{ layer: "in", type: "Input", mode: "fill", tops: [{ blob: "x", shape: [4, 3, 2, 2], kind: "image" }], index: 0, notes: [] }] };
    const feed = inputFeeder(plan, 5);
    const a = makeBlob([4, 3, 2, 2]);
    const b = makeBlob([4, 3, 2, 2]);
    feed({ name: "in" }, 0, a);
    feed({ name: "in" }, 0, b);
    expect([...b.data]).toEqual([...a.data]);
    expect(a.data.some((v) => v !== 0)).toBe(true);
    const records = syntheticRecords([1, 2, 2], 3, 2, 5);
    const first = records.next();
    records.next();
    expect(records.next()).toBe(first);
  });
});
