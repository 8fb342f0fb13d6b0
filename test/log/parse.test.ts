/** The log reader: numbers, line formats from BVLC/caffe's net.cpp and solver.cpp, chunking, bounded memory. */
import { describe, expect, it } from "vitest";
import { createLogChunkReader, parseCaffeNumber, parseLogLines, FIRST_DEBUG_BLOCKS_KEPT } from "../../src/log/parse.js";
import { LOG_FIXTURES } from "./fixture-specs.js";
import { chainNet, synthLogLines, synthLogText, type SynthSpec } from "./synth-log.js";

const P = "I1129 01:02:03.456789 12345 ";

describe("parseCaffeNumber", () => {
  it("reads glibc and MSVC spellings of non-finite numbers", () => {
    expect(parseCaffeNumber("0.123")).toBe(0.123);
    expect(parseCaffeNumber("1e-05")).toBe(1e-5);
    expect(parseCaffeNumber("-2.5e+10")).toBe(-2.5e10);
    for (const t of ["nan", "-nan", "NaN", "1.#QNAN", "-1.#IND", "nan(0x8000)"]) expect(Number.isNaN(parseCaffeNumber(t)), t).toBe(true);
    expect(parseCaffeNumber("inf")).toBe(Infinity);
    expect(parseCaffeNumber("-inf")).toBe(-Infinity);
    expect(parseCaffeNumber("1.#INF")).toBe(Infinity);
    expect(parseCaffeNumber("-1.#INF")).toBe(-Infinity);
    expect(parseCaffeNumber("abc")).toBeUndefined();
    expect(parseCaffeNumber("")).toBeUndefined();
  });
});

describe("line formats", () => {
  it("reads both display formats, lr, train outputs with weights, and skips unknown lines", () => {
    const p = parseLogLines([
      `${P}solver.cpp:218] Iteration 100 (3.2 iter/s, 31.2s/100 iters), loss = 0.123`,
      `${P}solver.cpp:237]     Train net output #0: loss_cls = 0.1 (* 2 = 0.2 loss)`,
      `${P}solver.cpp:237]     Train net output #1: acc = 0.75`,
      `${P}sgd_solver.cpp:106] Iteration 100, lr = 0.01`,
      "some unrelated text",
      `${P}solver.cpp:209] Iteration 200, loss = -nan`,
      `${P}sgd_solver.cpp:106] Iteration 200, lr = inf`,
    ]);
    const s = p.series;
    expect(s.iterations).toEqual([100, 200]);
    expect(s.lines).toEqual([1, 6]);
    expect(s.loss[0]).toBe(0.123);
    expect(Number.isNaN(s.loss[1])).toBe(true);
    expect(s.lr).toEqual([0.01, Infinity]);
    expect(s.trainOutputs["loss_cls"]).toEqual([0.1, null]);
    expect(s.trainOutputs["acc"]).toEqual([0.75, null]);
    expect(s.trainOutputWeights).toEqual({ loss_cls: 2 });
    expect(p.recognisedLines).toBe(6);
    expect(p.lineCount).toBe(7);
  });

  it("reads glog prefixes with a year, and logs whose prefix was stripped", () => {
    const a = parseLogLines(["I20261129 01:04:04.970551 20851 solver.cpp:239] Iteration 42 (58.8 iter/s, 0.017s/1 iters), loss = 0.0029157"]);
    const b = parseLogLines(["Iteration 42 (58.8 iter/s, 0.017s/1 iters), loss = 0.0029157"]);
    expect(a.series.loss).toEqual([0.0029157]);
    expect(b.series.loss).toEqual([0.0029157]);
  });

  it("reads every debug_info line of net.cpp, including [Update] and shared params", () => {
    const p = parseLogLines([
      `${P}net.cpp:560]     [Forward] Input data data: 0.5`,
      `${P}net.cpp:593]     [Forward] Layer conv1, top blob conv1 data: 0.0123`,
      `${P}net.cpp:605]     [Forward] Layer conv1, param blob 0 data: 0.01`,
      `${P}net.cpp:605]     [Forward] Layer conv1, param blob bias_shared data: 0.02`,
      `${P}net.cpp:621]     [Backward] Layer conv2, bottom blob conv1 diff: 0`,
      `${P}net.cpp:632]     [Backward] Layer conv1, param blob 1 diff: 0.002`,
      `E1129 01:02:03.456789 12345 net.cpp:721]     [Backward] All net params (data, diff): L1 norm = (123, 4.5); L2 norm = (1.2, 0.3)`,
      `${P}solver.cpp:239] Iteration 7 (1 iter/s, 1s/1 iters), loss = 1`,
      `${P}sgd_solver.cpp:112] Iteration 7, lr = 0.1`,
      `${P}net.cpp:748]     [Update] Layer conv1, param 0 data: 0.01; diff: 0.001`,
      `${P}net.cpp:755]     [Update] Layer conv2, param blob w (owned by layer conv1, param w) diff: 0.003`,
    ]);
    const b = p.debugBlocks[0]!;
    expect(b.iteration).toBe(7);
    const desc = b.entries.map((e) => `${e.pass}|${e.layer}|${e.kind}|${e.blob}|${e.field}|${e.value}|${e.line}`);
    expect(desc).toEqual([
      "forward|data|input|data|data|0.5|1",
      "forward|conv1|top|conv1|data|0.0123|2",
      "forward|conv1|param|0|data|0.01|3",
      "forward|conv1|param|bias_shared|data|0.02|4",
      "backward|conv2|bottom|conv1|diff|0|5",
      "backward|conv1|param|1|diff|0.002|6",
      "update|conv1|param|0|data|0.01|10",
      "update|conv1|param|0|diff|0.001|10",
      "update|conv2|param|w|diff|0.003|11",
    ]);
    expect(b.netNorms).toEqual({ line: 7, l1Data: 123, l1Diff: 4.5, l2Data: 1.2, l2Diff: 0.3 });
    expect(p.series.netNorms.iterations).toEqual([7]);
    expect(p.recognisedLines).toBe(11);
  });

  it("keeps test-net forwards out of the training net's summary", () => {
    const p = parseLogLines([
      `${P}solver.cpp:347] Iteration 0, Testing net (#0)`,
      `${P}net.cpp:593]     [Forward] Layer ip, top blob ip data: nan`,
      `${P}solver.cpp:414]     Test net output #0: accuracy = 0.1`,
      `${P}net.cpp:593]     [Forward] Layer ip, top blob ip data: 0.5`,
      `${P}net.cpp:621]     [Backward] Layer ip, bottom blob x diff: 0.1`,
      `${P}solver.cpp:239] Iteration 0 (1 iter/s, 1s/1 iters), loss = 2`,
    ]);
    expect(p.firstNonFiniteDebug).toBeNull();
    expect(p.layerSummaries.map((x) => `${x.pass}:${x.layer}:${x.count}:${x.first}`)).toEqual(["forward:ip:1:0.5", "backward:ip:1:0.1"]);
    expect(p.series.testOutputs).toEqual([{ iteration: 0, net: 0, line: 1, outputs: { accuracy: 0.1 }, lossWeights: {} }]);
  });

  it("reads the net header: layers, types, top shapes, batch size, outputs", () => {
    const p = parseLogLines(synthLogLines({ name: "h", layers: chainNet(32, 7), maxIter: 2, display: 1, header: true, loss: () => 1, lr: () => 0.1 }));
    const net = p.nets[0]!;
    expect(net.phase).toBe("TRAIN");
    expect(net.name).toBe("h");
    expect(net.outputs).toEqual(["loss"]);
    const ip2 = net.layers.find((l) => l.name === "ip2")!;
    expect(ip2.type).toBe("InnerProduct");
    expect(ip2.numOutput).toBe(7);
    expect(ip2.topShapes).toEqual([[32, 7]]);
    expect(net.layers.find((l) => l.name === "data")!.batchSize).toBe(32);
    expect(net.layers.find((l) => l.name === "loss")!.bottoms).toEqual(["ip2", "label"]);
    expect(p.solver?.fields["lr_policy"]).toBe("fixed");
    expect(p.solver?.maxIter).toBe(2);
  });
});

describe("chunked reading", () => {
  it("gives the same parse whatever the chunk boundaries (CRLF, cut last line)", () => {
    const quirks = LOG_FIXTURES.find((f) => f.file === "quirks.log")!;
    const text = synthLogText(quirks.spec, quirks.eol);
    const whole = createLogChunkReader();
    whole.push(text);
    const expected = whole.end();
    let seed = 7;
    for (const size of [1, 13, 4096]) {
      const r = createLogChunkReader();
      for (let i = 0; i < text.length; ) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const n = size === 1 ? 1 + (seed % 3) : size;
        r.push(text.slice(i, i + n));
        i += n;
      }
      expect(r.end()).toEqual(expected);
    }
    expect(expected.unterminatedLastLine).toBe(expected.lineCount);
    expect(expected.series.iterations.length).toBeGreaterThan(5);
  });
});

describe("bounded memory", () => {
  it("keeps a fixed number of debug blocks and summaries however long the log", () => {
    const spec = (maxIter: number): SynthSpec => ({
      name: "long", layers: chainNet(8, 10), maxIter, display: 1, debugInfo: true,
      loss: (it) => (it === maxIter - 5 ? NaN : 2), lr: () => 0.1,
    });
    const short = parseLogLines(synthLogLines(spec(50)));
    const long = parseLogLines(synthLogLines(spec(600)));
    expect(long.debugBlocks.length).toBe(short.debugBlocks.length);
    expect(long.debugBlocks.length).toBeLessThanOrEqual(FIRST_DEBUG_BLOCKS_KEPT + 4);
    expect(long.layerSummaries.length).toBe(short.layerSummaries.length);
    expect(long.debugBlocks.map((b) => b.iteration)).toEqual([0, 1, 2, 594, 595]);
    expect(long.series.iterations.length).toBe(601);
  }, 30_000);
});

describe("older and wrapped logs", () => {
  it("reads Caffe's old unnamed test scores", () => {
    const p = parseLogLines([
      `${P}solver.cpp:142] Iteration 500, Testing net (#0)`,
      `${P}solver.cpp:176] Test score #0: 0.9812`,
      `${P}solver.cpp:176] Test score #1: 0.0623`,
      `${P}solver.cpp:106] Iteration 500, lr = 0.01`,
    ]);
    expect(p.series.testOutputs).toEqual([{ iteration: 500, net: 0, line: 1, outputs: { "#0": 0.9812, "#1": 0.0623 }, lossWeights: {} }]);
    expect(p.series.lr).toEqual([0.01]);
  });

  it("finds the glog prefix after a wrapper's own timestamp", () => {
    const p = parseLogLines([`2016-03-01 10:00:00,123 INFO ${P}solver.cpp:218] Iteration 100 (3.2 iter/s, 31.2s/100 iters), loss = 0.123`]);
    expect(p.series.iterations).toEqual([100]);
    expect(p.series.loss).toEqual([0.123]);
  });
});

describe("parseLogFile", () => {
  it("reports progress up to the file size and throws a typed error for a missing file", async () => {
    const { parseLogFile, LogReadError } = await import("../../src/log/parse.js");
    const fs = await import("node:fs");
    const file = new URL("../../fixtures/logs/ok.log", import.meta.url);
    const size = fs.statSync(file).size;
    const seen: number[] = [];
    const p = await parseLogFile(file.pathname, (read, total) => {
      expect(total).toBe(size);
      seen.push(read);
    });
    expect(seen[seen.length - 1]).toBe(size);
    expect(p.series.iterations.length).toBeGreaterThan(0);
    await expect(parseLogFile("/nonexistent/train.log")).rejects.toBeInstanceOf(LogReadError);
    await expect(parseLogFile("/nonexistent/train.log")).rejects.toThrow(/train\.log: cannot read log \(ENOENT\)/);
  });
});

describe("outputs with several values", () => {
  it("keeps every value of a multi-value train output under its own column", () => {
    const p = parseLogLines([
      `${P}solver.cpp:239] Iteration 0 (1 iter/s, 1s/1 iters), loss = 2`,
      `${P}solver.cpp:258]     Train net output #0: acc = 0.1`,
      `${P}solver.cpp:258]     Train net output #1: acc = 0.2`,
      `${P}solver.cpp:258]     Train net output #2: loss = 2 (* 1 = 2 loss)`,
      `${P}solver.cpp:239] Iteration 1 (1 iter/s, 1s/1 iters), loss = 1.5`,
      `${P}solver.cpp:258]     Train net output #0: acc = 0.3`,
      `${P}solver.cpp:258]     Train net output #1: acc = 0.4`,
      `${P}solver.cpp:258]     Train net output #2: loss = 1.5 (* 1 = 1.5 loss)`,
    ]);
    expect(p.series.trainOutputs).toEqual({ acc: [0.1, 0.3], "acc[1]": [0.2, 0.4], loss: [2, 1.5] });
  });
});
