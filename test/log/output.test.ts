/** Output helpers: CSV, JSON form, sparkline. */
import { describe, expect, it } from "vitest";
import { seriesToCsv } from "../../src/log/csv.js";
import { logToJson } from "../../src/log/json.js";
import { parseLogLines } from "../../src/log/parse.js";
import { sparkline } from "../../src/log/sparkline.js";

const P = "I1129 01:02:03.456789 12345 ";
const log = parseLogLines([
  `${P}solver.cpp:347] Iteration 0, Testing net (#0)`,
  `${P}solver.cpp:414]     Test net output #0: accuracy = 0.1`,
  `${P}solver.cpp:239] Iteration 0 (1 iter/s, 1s/1 iters), loss = 2.5`,
  `${P}solver.cpp:258]     Train net output #0: loss = 2.5 (* 1 = 2.5 loss)`,
  `${P}sgd_solver.cpp:112] Iteration 0, lr = 0.01`,
  `${P}solver.cpp:239] Iteration 1 (1 iter/s, 1s/1 iters), loss = -nan`,
  `${P}solver.cpp:258]     Train net output #0: loss = -nan (* 1 = -nan loss)`,
  `${P}sgd_solver.cpp:112] Iteration 1, lr = 0.01`,
  `${P}solver.cpp:327] Iteration 2, loss = inf`,
  `${P}solver.cpp:347] Iteration 2, Testing net (#0)`,
  `${P}solver.cpp:414]     Test net output #0: accuracy = 0.2`,
  `${P}solver.cpp:347] Iteration 3, Testing net (#0)`,
  `${P}solver.cpp:414]     Test net output #0: accuracy = 0.3`,
]);

describe("seriesToCsv", () => {
  it("writes one row per display, non-finite as nan/inf, missing as empty, test phases on their iteration", () => {
    expect(seriesToCsv(log.series)).toBe(
      ["iteration,loss,lr,train:loss,test0:accuracy", "0,2.5,0.01,2.5,0.1", "1,nan,0.01,nan,", "2,inf,,,0.2", "3,,,,0.3", ""].join("\n"),
    );
  });
});

describe("logToJson", () => {
  it("writes non-finite values as strings and missing ones as null, and survives JSON", () => {
    const j = logToJson("train.log", log, []);
    const back = JSON.parse(JSON.stringify(j));
    expect(back.series.loss).toEqual([2.5, "nan", "inf"]);
    expect(back.series.lr).toEqual([0.01, 0.01, null]);
    expect(back.series.trainOutputs.loss).toEqual([2.5, "nan", null]);
    expect(back.series.testOutputs.map((t: { outputs: unknown }) => t.outputs)).toEqual([{ accuracy: 0.1 }, { accuracy: 0.2 }, { accuracy: 0.3 }]);
    expect(back.file).toBe("train.log");
  });
});

describe("sparkline", () => {
  it("scales from the lowest to the highest block", () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([7, 0], 10)).toBe("█▁");
    expect(sparkline([3, 3, 3], 3)).toBe("▁▁▁");
  });
  it("marks non-finite values with × and gaps with a space, and never hides a NaN in a bucket", () => {
    expect(sparkline([1, NaN, null, Infinity, 2], 5)).toBe("▁× ×█");
    const many = Array.from({ length: 1000 }, (_, i) => (i === 777 ? NaN : i));
    const line = sparkline(many, 40);
    expect([...line]).toHaveLength(40);
    expect(line.split("×")).toHaveLength(2);
    expect(line.startsWith("▁")).toBe(true);
    expect(line.endsWith("█")).toBe(true);
  });
  it("is empty for zero width or no values", () => {
    expect(sparkline([], 10)).toBe("");
    expect(sparkline([1, 2], 0)).toBe("");
  });
});

describe("diagnoseLogFile", () => {
  it("returns the parse and a JSON log object with the verdicts", async () => {
    const { diagnoseLogFile } = await import("../../src/log/index.js");
    const file = new URL("../../fixtures/logs/saturated-softmax.log", import.meta.url).pathname;
    const { parsed, json } = await diagnoseLogFile(file);
    expect(json.file).toBe(file);
    expect(json.verdicts[0]!.verdict).toBe("saturated-softmax");
    expect(json.series.iterations).toEqual(parsed.series.iterations);
    expect(json.lineCount).toBe(parsed.lineCount);
    expect(json.net).toEqual({ batchSize: 64, classes: 10 });
    expect(json.layerSummaries).toEqual([]);
    const nf = await diagnoseLogFile(new URL("../../fixtures/logs/non-finite-debug.log", import.meta.url).pathname);
    const back = JSON.parse(JSON.stringify(nf.json));
    const ip2 = back.layerSummaries.find((x: { pass: string; layer: string; kind: string }) => x.pass === "forward" && x.layer === "ip2" && x.kind === "top");
    expect(ip2.last).toBe("nan");
    expect(ip2.firstNonFiniteIteration).toBe(8);
  });
});
