/** The committed example logs: they still match their generator, and each gives its verdict. */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { diagnoseLog } from "../../src/log/diagnose.js";
import { parseLogFile } from "../../src/log/parse.js";
import type { LogVerdict, ParsedLog } from "../../src/log/types.js";
import { LOG_FIXTURES } from "./fixture-specs.js";
import { synthLogText } from "./synth-log.js";

const DIR = fileURLToPath(new URL("../../fixtures/logs/", import.meta.url));

describe("fixtures/logs match their generator", () => {
  for (const f of LOG_FIXTURES) {
    it(f.file, () => {
      const text = synthLogText(f.spec, f.eol);
      const file = path.join(DIR, f.file);
      expect(fs.readFileSync(file, "utf8")).toBe(text);
    });
  }
});

const parsed = new Map<string, ParsedLog>();
const verdicts = new Map<string, LogVerdict[]>();
beforeAll(async () => {
  for (const f of LOG_FIXTURES) {
    if (process.env.UPDATE_LOG_FIXTURES === "1") fs.writeFileSync(path.join(DIR, f.file), synthLogText(f.spec, f.eol));
    const p = await parseLogFile(path.join(DIR, f.file));
    parsed.set(f.file, p);
    verdicts.set(f.file, diagnoseLog(p));
  }
});
const main = (file: string): LogVerdict => verdicts.get(file)![0]!;
const names = (file: string): string[] => verdicts.get(file)!.map((v) => v.verdict);

describe("verdicts of the example logs", () => {
  it("ok.log is ok and only ok", () => {
    expect(names("ok.log")).toEqual(["ok"]);
    expect(main("ok.log").iteration).toBe(200);
  });

  it("non-finite-debug.log: first NaN iteration 9, first non-finite value relu_c1's top in the forward pass", () => {
    const v = main("non-finite-debug.log");
    expect(v.verdict).toBe("non-finite");
    expect(v.iteration).toBe(9);
    expect(v.layer).toBe("relu_c1");
    expect(v.blob).toBe("conv1");
    expect(v.pass).toBe("forward");
    expect(v.details?.infBeforeNan).toBe(true);
    expect(v.details?.firstInfIteration).toBe(8);
    const p = parsed.get("non-finite-debug.log")!;
    // Evidence points at real lines: the first non-finite value of iteration 9 and its loss line.
    const lines = fs.readFileSync(path.join(DIR, "non-finite-debug.log"), "utf8").split("\n");
    const texts = v.evidenceLines.map((n) => lines[n - 1]!);
    expect(texts.some((t) => t.includes("[Forward] Layer relu_c1, top blob conv1 data: inf"))).toBe(true);
    expect(texts.some((t) => /Iteration 9 \(.*loss = -nan/.test(t))).toBe(true);
    // Blocks kept: the first three, the first inf one (8) and the NaN one (9), nothing else.
    expect(p.debugBlocks.map((b) => b.iteration)).toEqual([0, 1, 2, 7, 8, 9]);
    expect(names("non-finite-debug.log")).toContain("exploding");
  });

  it("saturated-softmax.log: k of N=64 from the header, from iteration 40", () => {
    const v = main("saturated-softmax.log");
    expect(v.verdict).toBe("saturated-softmax");
    expect(v.iteration).toBe(40);
    expect(v.details?.N).toBe(64);
    expect(v.details?.guessedN).toBe(false);
    // The last train output is at iteration 95 (the final "Iteration 100, loss" has none): k = 30 + 95 % 7.
    expect(v.details?.k).toBe(34);
    expect(v.details?.lossWeight).toBe(1);
  });

  it("saturated-pinned-noheader.log: pinned at 87.3365 without a batch size", () => {
    const v = main("saturated-pinned-noheader.log");
    expect(v.verdict).toBe("saturated-softmax");
    expect(v.details?.pinned).toBe(true);
    expect(v.iteration).toBe(20);
  });

  it("exploding-debug.log: conv1's gradient", () => {
    const v = main("exploding-debug.log");
    expect(v.verdict).toBe("exploding");
    expect(v.layer).toBe("conv1");
    expect(v.iteration).toBe(70);
    const lines = fs.readFileSync(path.join(DIR, "exploding-debug.log"), "utf8").split("\n");
    expect(lines[v.evidenceLines[0]! - 1]).toMatch(/\[Backward\] Layer conv1, param blob 0 diff: 398\.107$/);
    expect(Number(v.details?.orders)).toBeGreaterThanOrEqual(4);
  });

  it("vanishing-debug.log: conv1's gradient vanishes", () => {
    const v = main("vanishing-debug.log");
    expect(v.verdict).toBe("vanishing");
    expect(v.layer).toBe("conv1");
    const lines = fs.readFileSync(path.join(DIR, "vanishing-debug.log"), "utf8").split("\n");
    expect(v.evidenceLines.map((n) => lines[n - 1]!.replace(/^[^\]]*\] +/, ""))).toEqual([
      "[Backward] Layer ip2, param blob 0 diff: 0.001",
      "[Backward] Layer conv1, param blob 0 diff: 1e-12",
    ]);
  });

  it("not-learning.log: flat at ln(10)", () => {
    const v = main("not-learning.log");
    expect(v.verdict).toBe("not-learning");
    expect(v.details?.classes).toBe(10);
  });

  it("lr-schedule.log: lr drops to 0 at iteration 50", () => {
    const v = main("lr-schedule.log");
    expect(v.verdict).toBe("lr-schedule");
    expect(v.iteration).toBe(50);
  });

  it("lr-nan.log: NaN loss from iteration 1, lr nan from 0", () => {
    expect(main("lr-nan.log").verdict).toBe("non-finite");
    expect(main("lr-nan.log").iteration).toBe(1);
    const lr = verdicts.get("lr-nan.log")!.find((v) => v.verdict === "lr-schedule")!;
    expect(lr.iteration).toBe(0);
    expect(lr.message).toContain("poly");
    expect(main("lr-nan.log").message).toContain("learning rate was already wrong at iteration 0");
  });

  it("oscillating.log", () => {
    expect(main("oscillating.log").verdict).toBe("oscillating");
  });
});

describe("quirks.log: every format quirk", () => {
  it("reads old display lines, CRLF, restarts and the cut last line", () => {
    const p = parsed.get("quirks.log")!;
    const s = p.series;
    // 0..15 displayed every 5, then from 10 again after the restart, then the final 20.
    expect(s.iterations).toEqual([0, 5, 10, 15, 10, 15, 20]);
    expect(s.loss[0]).toBe(1.7);
    expect(s.lr[s.iterations.lastIndexOf(15)]).toBe(0.005);
    expect(p.restarts.map((r) => r.kind)).toEqual(["solving", "restore"]);
    expect(p.restarts[0]!.afterIteration).toBe(15);
    expect(p.snapshots.length).toBeGreaterThan(0);
    expect(p.unterminatedLastLine).toBe(p.lineCount);
    expect(p.solver?.iterSize).toBe(2);
  });

  it("keeps both test nets apart, with -nan values", () => {
    const t = parsed.get("quirks.log")!.series.testOutputs;
    expect(t.map((x) => `${x.iteration}#${x.net}`)).toEqual(["0#0", "0#1", "10#0", "10#1", "10#0", "10#1", "20#0", "20#1"]);
    expect(t[2]!.outputs["accuracy"]).toBe(0.525);
    expect(Number.isNaN(t[1]!.outputs["accuracy"])).toBe(true);
    expect(t[0]!.lossWeights["loss"]).toBe(1);
  });

  it("files debug_info printed every iteration (iter_size 2) under the right iterations", () => {
    const p = parsed.get("quirks.log")!;
    const conv1 = p.layerSummaries.find((x) => x.pass === "backward" && x.layer === "conv1" && x.kind === "param" && x.blob === "0")!;
    // Debug bookkeeping describes the last run: iterations 10..19, two passes each.
    expect(conv1.count).toBe(2 * 10);
    expect(conv1.firstIteration).toBe(10);
    expect(p.debugBlocks.slice(0, 3).map((b) => b.iteration)).toEqual([10, 11, 12]);
    const b1 = p.debugBlocks[1]!;
    expect(b1.entries.filter((e) => e.layer === "conv1" && e.kind === "param" && e.pass === "backward" && e.blob === "0")).toHaveLength(2);
    // Test-net forwards are not mixed in: no test phase line falls inside a kept training block.
    const upd = p.layerSummaries.filter((x) => x.pass === "update");
    expect(upd.length).toBeGreaterThan(0);
    expect(main("quirks.log").verdict).toBe("ok");
  });
});
