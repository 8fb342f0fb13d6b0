/**
 * The probe end to end on the bundled example (BatchNorm frozen in TRAIN, real
 * LMDB of digits): it must see the saturated softmax / non-finite loss, find
 * the first Inf, and show that the suggested fix trains from the same weights.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lintFilesDetailed } from "../../src/lint/lint-files.js";
import type { ProbeReport } from "../../src/probe/types.js";
import { run } from "../../src/cli/run.js";
import { formatters } from "../../src/report/formatters.js";

const ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const EXAMPLE = path.join(ROOT, "fixtures/examples/bn_global_stats");
const FAST = { iterations: 8, batch: 16, budgetSeconds: 120 };

describe("the probe on the bundled example", () => {
  const { report } = lintFilesDetailed([path.join(EXAMPLE, "solver.prototxt")], { cwd: ROOT, probe: "auto", probeOptions: FAST });
  const probe = report.probe as ProbeReport;

  it("runs the real dataset and diverges the way real Caffe does", { timeout: 120_000 }, () => {
    expect(probe.settings.data).toMatch(/digits_train_lmdb \(LMDB, 256 records\)/);
    expect(probe.verdict).toBe("non-finite");
    expect(probe.losses[0]).toBeGreaterThan(40);
    expect(probe.losses).toContain(null);
    expect(probe.saturated.length).toBeGreaterThan(0);
    expect(probe.saturated[0]!.n).toBe(16);
    expect(probe.firstNonFinite).not.toBeNull();
    expect(["forward", "backward", "update"]).toContain(probe.firstNonFinite!.pass);
  });

  it("re-runs the fix from the same weights and it trains", () => {
    expect(probe.fixRuns).toHaveLength(1);
    const fix = probe.fixRuns[0]!;
    expect(fix.ruleId).toBe("bn-global-stats-phase");
    expect(fix.verdict).toBe("ok");
    expect(fix.losses.every((l) => l !== null && l < 3)).toBe(true);
    expect(fix.losses[fix.losses.length - 1]!).toBeLessThan(fix.losses[0]!);
  });

  it("renders the probe section in the terminal report", () => {
    const text = formatters.stylish(report, { color: false, cwd: ROOT });
    expect(text).toMatch(/^Probe: non-finite {2}\S+ +\d/m);
    expect(text).toMatch(/samples have a saturated softmax/);
    expect(text).toMatch(/^ {2}first Inf: .* pass of layer '/m);
    expect(text).toMatch(/with fix "bn-global-stats-phase: remove 'use_global_stats: true' from layer 'bn1' \(and 1 more like it\)": ok/);
  });

  it("marks both BatchNorm findings confirmed with the evidence", () => {
    const findings = report.results.flatMap((r) => r.findings).filter((f) => f.ruleId === "bn-global-stats-phase");
    expect(findings).toHaveLength(2);
    for (const f of findings) {
      expect(f.confirmedByProbe?.verdict).toBe("non-finite");
      expect(f.confirmedByProbe?.detail).toMatch(/with the fix: ok/);
    }
  });
});

describe("probe plumbing", () => {
  function netWith(extra: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-probe-"));
    const file = path.join(dir, "train.prototxt");
    fs.writeFileSync(
      file,
      `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } transform_param { scale: 0.00390625 }
  data_param { source: "${path.join(EXAMPLE, "digits_train_lmdb")}" backend: LMDB batch_size: 8 } }
${extra}
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`,
    );
    return file;
  }

  it("runs lr = 0 when the loss is broken from the first iteration, and says where the fault is", { timeout: 60_000 }, () => {
    const file = netWith(`layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "constant" value: 1e38 } } }`);
    const { report } = lintFilesDetailed([file], { probe: "force", probeOptions: { iterations: 4 } });
    const probe = report.probe as ProbeReport;
    expect(probe.verdict).toBe("non-finite");
    expect(probe.firstNonFinite).toMatchObject({ iteration: 0, layer: "ip", pass: "forward", kind: "inf" });
    expect(probe.lrZero?.verdict).toBe("non-finite");
    expect(probe.evidence.join("\n")).toMatch(/even with lr = 0/);
  });

  it("feeds synthetic records when the dataset is absent, and says what it assumed", { timeout: 60_000 }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-probe-"));
    const file = path.join(dir, "train.prototxt");
    fs.writeFileSync(file, `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } data_param { source: "nowhere_lmdb" backend: LMDB batch_size: 8 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`);
    const { report } = lintFilesDetailed([file], { probe: "force", probeOptions: { iterations: 8 } });
    const probe = report.probe as ProbeReport;
    expect(probe.settings.batch).toBe(8);
    expect(probe.settings.data).toMatch(/^synthetic 3×32×32 byte images through 'd''s transform: 'data' 3×32×32 0-255 pixels, 'label' labels in 0\.\.9$/);
    expect(probe.settings.notes.join("; ")).toMatch(/nowhere_lmdb not found: synthetic data/);
    expect(probe.settings.notes.join("; ")).toMatch(/--input-shape data=8,3,32,32 sets it/);
    const given = lintFilesDetailed([file], { probe: "force", probeOptions: { iterations: 8 }, inputShapes: { data: [8, 1, 28, 28] } }).report.probe as ProbeReport;
    expect(given.settings.data).toMatch(/synthetic 1×28×28 byte images/);
    expect(given.settings.notes.join("; ")).not.toMatch(/assumed/);
  });

  it("says why it cannot run instead of failing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-probe-"));
    const file = path.join(dir, "train.prototxt");
    fs.writeFileSync(file, `layer { name: "d" type: "Python" top: "data" top: "label" include { phase: TRAIN } python_param { module: "voc_layers" layer: "VOCSegDataLayer" } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`);
    const { report } = lintFilesDetailed([file], { probe: "force" });
    expect(report.probe).toEqual({ skipped: expect.stringMatching(/^cannot run Python layers \('d': voc_layers\.VOCSegDataLayer\)/) });
    expect(formatters.stylish(report, { color: false, cwd: dir })).toMatch(/^Probe: not run: cannot run Python layers/m);
  });

  it("--no-probe skips it and the JSON report carries the probe object", { timeout: 120_000 }, async () => {
    let out = "";
    const io = { stdout: (t: string) => (out += t), stderr: () => {}, stdoutIsTTY: false, stderrIsTTY: false, cwd: ROOT, env: {} };
    await run([path.join(EXAMPLE, "solver.prototxt"), "-f", "json", "--no-probe"], io);
    expect(JSON.parse(out).probe).toBeUndefined();
    out = "";
    await run([path.join(EXAMPLE, "solver.prototxt"), "-f", "json", "--probe-iters", "6", "--probe-batch", "8"], io);
    const probe = JSON.parse(out).probe;
    expect(probe.verdict).toBe("non-finite");
    expect(probe.losses.some((l: unknown) => l === null)).toBe(true);
    expect(probe.firstNonFinite).toHaveProperty("layer");
    expect(probe.fixRuns[0].verdict).toBe("ok");
  });
});

describe("probe with --weights", () => {
  it("refuses weights whose blobs do not fit the net, naming the layer", async () => {
    const { loadSchema } = await import("../../src/schema/load.js");
    const schema = loadSchema();
    const NetParameter = schema.root.lookupType("caffe.NetParameter");
    const bytes = NetParameter.encode(NetParameter.fromObject({ layer: [{ name: "ip", type: "InnerProduct", blobs: [{ shape: { dim: [3] }, data: [1, 2, 3] }, { shape: { dim: [10] }, data: Array(10).fill(0) }] }] })).finish();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-weights-"));
    fs.writeFileSync(path.join(dir, "w.caffemodel"), bytes);
    fs.writeFileSync(
      path.join(dir, "train.prototxt"),
      `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } transform_param { scale: 0.00390625 } data_param { source: "${path.join(EXAMPLE, "digits_train_lmdb")}" backend: LMDB batch_size: 4 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`,
    );
    const { report } = lintFilesDetailed([path.join(dir, "train.prototxt")], { probe: "force", weights: path.join(dir, "w.caffemodel"), probeOptions: { iterations: 2 } });
    expect(report.probe).toEqual({ skipped: "the weights give layer 'ip' blob 0 3 values, but the net expects [10, 784] (7840 values)" });
  });
});

describe("probe evidence on a net that trains", () => {
  it("compares BatchNorm's TRAIN and TEST outputs on the same batch, and measures update ratios", { timeout: 120_000 }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-bn-"));
    const net = fs.readFileSync(path.join(EXAMPLE, "train_val.prototxt"), "utf8").replaceAll("batch_norm_param { use_global_stats: true }", "").replaceAll('"digits_train_lmdb"', `"${path.join(EXAMPLE, "digits_train_lmdb")}"`);
    fs.writeFileSync(path.join(dir, "train_val.prototxt"), net);
    const { report } = lintFilesDetailed([path.join(dir, "train_val.prototxt")], { probe: "force", probeOptions: { iterations: 8, batch: 16 } });
    const probe = report.probe as ProbeReport;
    expect(probe.verdict).toBe("ok");
    expect(probe.batchNormPhases?.map((b) => b.layer)).toEqual(["bn1", "bn2"]);
    for (const b of probe.batchNormPhases!) {
      expect(b.train).toBeGreaterThan(0);
      expect(b.ratio).toBeGreaterThan(0.1);
      expect(b.ratio).toBeLessThan(10);
    }
    expect(probe.maxUpdateRatio!.ratio).toBeGreaterThan(0);
    expect(probe.maxUpdateRatio!.ratio).toBeLessThan(0.1);
  });
});

describe("probe budget", () => {
  it("reduces the batch to fit the budget and says so, or refuses with a message", async () => {
    const { estimateCost, estimateSeconds } = await import("../../src/probe/cost.js");
    const { lintText } = await import("../../src/lint/lint.js");
    const solver = path.join(EXAMPLE, "solver.prototxt");
    const outcome = lintText(fs.readFileSync(solver, "utf8"), solver, { cwd: ROOT });
    const cost = estimateCost(outcome.net!.phases.TRAIN!, 64);
    // Room for three runs at batch 8 of 30 iterations, but not at 16.
    const budget = estimateSeconds(cost, 8, 30) * 3 * 1.05;
    const reduced = lintFilesDetailed([solver], { cwd: ROOT, probe: "force", probeOptions: { budgetSeconds: budget } }).report.probe as ProbeReport;
    expect(reduced.settings.batch).toBe(8);
    expect(reduced.settings.notes.join("; ")).toMatch(/batch 8 instead of 64: the net's own batch would take about .* s per run, over the .* s budget/);
    const refused = lintFilesDetailed([solver], { cwd: ROOT, probe: "force", probeOptions: { budgetSeconds: estimateSeconds(cost, 1, 8) / 100 } }).report.probe;
    expect(refused).toEqual({ skipped: expect.stringMatching(/too large to probe within .* raise --probe-budget/) });
  }, 120_000);
});
