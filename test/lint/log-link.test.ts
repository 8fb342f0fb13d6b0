/** `--log` with the net: log verdicts confirm the static findings they explain. */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import type { CliIo } from "../../src/cli/io.js";
import { linkLogVerdicts } from "../../src/lint/log-link.js";
import { lintText } from "../../src/lint/lint.js";
import type { LogVerdict } from "../../src/log/types.js";

const ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const SHARED = path.resolve(ROOT, "../shared");
const CASE = path.join(SHARED, "caffe-reference/bn_global_stats_train");
const sharedPresent = fs.existsSync(CASE);
if (!sharedPresent) console.warn("log link test against real Caffe skipped: ../shared/caffe-reference is absent");

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const io: CliIo = { stdout: (t) => (out += t), stderr: () => {}, stdoutIsTTY: false, stderrIsTTY: false, cwd: ROOT, env: {} };
  return { code: await run(args, io), out };
}

const NET = `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } transform_param { scale: 0.00390625 } data_param { source: "x" backend: LMDB batch_size: 64 } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "xavier" } } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" batch_norm_param { use_global_stats: true } }
layer { name: "conv2" type: "Convolution" bottom: "conv1" top: "conv2" convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "xavier" } } }
layer { name: "bn2" type: "BatchNorm" bottom: "conv2" top: "conv2" batch_norm_param { use_global_stats: true } }
layer { name: "ip" type: "InnerProduct" bottom: "conv2" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`;

describe("linking log verdicts to findings", () => {
  const outcome = lintText(NET, "net.prototxt");
  const bn = outcome.findings.filter((f) => f.ruleId === "bn-global-stats-phase");
  const verdict = (v: Partial<LogVerdict>): LogVerdict => ({ verdict: "non-finite", iteration: 5, evidenceLines: [407], message: "training became non-finite at iteration 5", ...v });

  it("confirms the BatchNorm working in place on the blob where the first Inf appears, and not the other one", () => {
    const links = linkLogVerdicts(bn, [verdict({ layer: "scale1", blob: "conv1", pass: "forward" })], outcome.net);
    expect([...links.keys()].map((f) => f.layer)).toEqual(["bn1"]);
    expect(links.get(bn[0]!)!.detail).toMatch(/line 407/);
  });

  it("confirms every frozen BatchNorm on a saturated softmax, which names no layer", () => {
    const links = linkLogVerdicts(bn, [verdict({ verdict: "saturated-softmax" })], outcome.net);
    expect(links.size).toBe(2);
  });

  it("does not confirm on an unrelated verdict", () => {
    expect(linkLogVerdicts(bn, [verdict({ verdict: "not-learning" })], outcome.net).size).toBe(0);
  });
});

describe.skipIf(!sharedPresent)("--log on real Caffe's debug_info log of the BatchNorm mistake", () => {
  it("confirms bn-global-stats-phase with the log's line numbers", async () => {
    const r = await cli([path.join(CASE, "solver.prototxt"), "--log", path.join(CASE, "caffe_cli_train_debug_info.log"), "--no-probe", "-f", "json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    const finding = report.results.flatMap((x: { findings: unknown[] }) => x.findings).find((f: { ruleId: string }) => f.ruleId === "bn-global-stats-phase");
    expect(finding.confirmedByLog).toMatchObject({ source: "log", verdict: "non-finite" });
    expect(report.log.verdicts[0]).toMatchObject({ verdict: "non-finite", iteration: 5 });
  });
});

describe("--log without a net", () => {
  it("diagnoses a log alone", async () => {
    const r = await cli(["--log", path.join(ROOT, "fixtures/logs/saturated-softmax.log"), "-f", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).log.verdicts[0].verdict).toBe("saturated-softmax");
  });
});

describe("the table around the first non-finite value", () => {
  it("lists debug_info values of that iteration beside the iteration before, ending just after the first non-finite one", async () => {
    const r = await cli(["--log", path.join(ROOT, "fixtures/logs/non-finite-debug.log"), "-f", "json"]);
    const table = JSON.parse(r.out).log.nonFiniteTable as { layer: string; before: unknown; at: unknown; line: number }[];
    expect(table.length).toBeGreaterThan(1);
    const first = table.findIndex((row) => row.at === "inf" || row.at === "nan");
    expect(first).toBeGreaterThanOrEqual(0);
    expect(table.length - first - 1).toBeLessThanOrEqual(4);
    expect(table.slice(0, first).every((row) => typeof row.at === "number")).toBe(true);
    expect(table.every((row, i) => i === 0 || row.line > table[i - 1]!.line)).toBe(true);
    const text = await cli(["--log", path.join(ROOT, "fixtures/logs/non-finite-debug.log")]);
    expect(text.out).toMatch(/around the first non-finite value/);
  });
});
