/**
 * Dataset rules against real LMDB files: the committed fixtures written by the
 * reference mdb_load (fixtures/lmdb), and databases the tests write with our
 * writer for the broken cases. Paths are relative to the repository root.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import labels from "../../rules/labels-not-contiguous.js";
import corrupt from "../../rules/lmdb-corrupt.js";
import shape from "../../rules/dataset-shape-mismatch.js";
import missing from "../../rules/dataset-missing.js";
import shuffled from "../../rules/data-not-shuffled.js";
import scaled from "../../rules/input-not-scaled.js";
import oversized from "../../rules/num-output-oversized.js";
import { writeLmdb } from "../../src/load/lmdb/index.js";
import { encodeDatum } from "../../src/load/datum.js";
import { ruleTester } from "./rule-tester.js";

const data = (source: string, extra = "scale: 0.00390625", phase = "TRAIN") =>
  `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: ${phase} } transform_param { ${extra} } data_param { source: "${source}" backend: LMDB batch_size: 4 } }\n`;
const head = (classes: number) => `layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: ${classes} weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`;

/** An LMDB the test writes: records from `datums` (null: garbage bytes), keys %08d. */
function lmdb(records: (Uint8Array | null)[]): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-ds-")), "db");
  const enc = new TextEncoder();
  writeLmdb(dir, records.map((v, i) => ({ key: enc.encode(String(i).padStart(8, "0")), value: v ?? new Uint8Array([0xff, 0xff, 0xff]) })));
  return dir;
}
/** 1-based column of `needle` on 1-based `line` of `code`: positions are checked, not hand-counted. */
const col = (code: string, line: number, needle: string) => code.split("\n")[line - 1]!.indexOf(needle) + 1;

/** An invalid case whose single expected error sits at `needle` on `line`. */
function at(code: string, line: number, needle: string, error: Omit<import("./rule-tester.js").ExpectedError, "line" | "column">, extra: Partial<import("./rule-tester.js").InvalidCase> = {}): import("./rule-tester.js").InvalidCase {
  return { code, errors: [{ ...error, line, column: col(code, line, needle) }], ...extra };
}

const datum = (c: number, h: number, w: number, label: number, bytes = c * h * w) => encodeDatum({ channels: c, height: h, width: w, data: new Uint8Array(bytes).fill(7), label });

ruleTester(labels, {
  valid: [data("fixtures/lmdb/mnist40") + head(10), { name: "more outputs than labels is fine", code: data("fixtures/lmdb/mnist40") + head(12) }],
  invalid: [
    at(data("fixtures/lmdb/one_based40") + head(10), 1, "source:", { messageId: "oneBased", severity: "error", data: { source: "fixtures/lmdb/one_based40", classifier: "loss", classes: 10, last: 9, min: 1, max: 10, zero: 0, histogram: "1:4 2:4 3:4 4:4 5:4 6:4 7:4 8:4 9:4 10:4" } }, { name: "1-based labels" }),
    at(data("fixtures/lmdb/mnist40") + head(5), 1, "source:", { messageId: "outOfRange" }, { name: "too few outputs" }),
    at(data(lmdb([datum(1, 2, 2, 0), datum(1, 2, 2, 3), datum(1, 2, 2, 0), datum(1, 2, 2, 3)])) + head(4), 1, "source:", { messageId: "gaps", severity: "warning" }, { name: "gaps inside the range" }),
  ],
});

ruleTester(corrupt, {
  valid: [data("fixtures/lmdb/mnist40") + head(10)],
  invalid: [
    at(data(lmdb([datum(1, 2, 2, 0), null, datum(1, 2, 2, 1)])) + head(2), 1, "source:", { messageId: "undecodable" }, { name: "undecodable records" }),
    at(data(lmdb([datum(1, 2, 2, 0), datum(1, 2, 2, 1, 3)])) + head(2), 1, "source:", { messageId: "sizeMismatch" }, { name: "short pixel buffers" }),
    at(data(lmdb([datum(1, 2, 2, 0), datum(1, 3, 3, 1)])) + head(2), 1, "source:", { messageId: "mixedShapes" }, { name: "mixed shapes" }),
    at(data("fixtures/lmdb/images") + head(2), 1, "source:", { messageId: "unreadable" }, { name: "not an LMDB" }),
  ],
});

ruleTester(shape, {
  valid: [data("fixtures/lmdb/mnist40", "scale: 0.00390625 crop_size: 8") + head(10)],
  invalid: [
    at(data("fixtures/lmdb/mnist40", "scale: 0.00390625 crop_size: 9") + head(10), 1, "crop_size", { messageId: "cropTooLarge", data: { crop: 9, layer: "d", height: 8, width: 8, source: "fixtures/lmdb/mnist40" } }),
    at(data("fixtures/lmdb/mnist40", "mean_value: 1 mean_value: 2") + head(10), 1, "mean_value: 2", { messageId: "meanValueCount" }),
    at(data("fixtures/lmdb/mnist40") + data("fixtures/lmdb/overflow3", "scale: 0.00390625", "TEST") + head(10), 2, "source:", { messageId: "phaseShapes", data: { trainShape: "1x8x8", trainSource: "fixtures/lmdb/mnist40", testShape: "3x40x40", testSource: "fixtures/lmdb/overflow3" } }, { name: "TEST reads another size" }),
  ],
});

ruleTester(missing, {
  valid: [data("fixtures/lmdb/mnist40") + head(10)],
  invalid: [at(data("no_such_lmdb") + head(10), 1, "source:", { messageId: "missing", severity: "warning" })],
});

ruleTester(shuffled, {
  valid: [data("fixtures/lmdb/mnist40") + head(10), { name: "imbalanced but shuffled", code: data("fixtures/lmdb/imbalanced200") + head(4) }],
  invalid: [at(data("fixtures/lmdb/sorted40") + head(10), 1, "source:", { messageId: "lmdbInKeyOrder", data: { source: "fixtures/lmdb/sorted40", changes: 9, expected: 36 } }, { name: "sorted by label" })],
});

ruleTester(scaled, {
  valid: [
    data("fixtures/lmdb/mnist40") + head(10),
    {
      name: "floats already in [0, 1]",
      code: data(lmdb([encodeDatum({ channels: 1, height: 2, width: 2, float_data: [0.1, 0.5, 0.9, 0.2], label: 0 }), encodeDatum({ channels: 1, height: 2, width: 2, float_data: [0.3, 0.4, 0.0, 1.0], label: 1 })]), "crop_size: 0") + head(2),
    },
  ],
  invalid: [
    at(data("fixtures/lmdb/mnist40", "crop_size: 0") + head(10), 1, "transform_param", { messageId: "rawPixelsSeen", severity: "error" }, { name: "bytes proven raw: an error", output: data("fixtures/lmdb/mnist40", "crop_size: 0  scale: 0.00390625") + head(10) }),
  ],
});

ruleTester(oversized, {
  valid: [data("fixtures/lmdb/imbalanced200") + head(4)],
  invalid: [
    {
      name: "a large layer for 40 samples",
      code: data("fixtures/lmdb/mnist40") + `layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 1000 weight_filler { type: "xavier" } } }
layer { name: "ip" type: "InnerProduct" bottom: "ip1" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`,
      errors: [{ messageId: "paramsPerSample", line: 2, column: 21, data: { params: "75,010", samples: "40", ratio: "1,875", limit: "1,000" } }],
    },
  ],
});

function imageList(lines: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-list-"));
  fs.writeFileSync(path.join(dir, "a.png"), "");
  const file = path.join(dir, "train.txt");
  fs.writeFileSync(file, lines.map((l) => l.replace("DIR", dir)).join("\n") + "\n");
  return file;
}
const imageData = (list: string) =>
  `layer { name: "d" type: "ImageData" top: "data" top: "label" include { phase: TRAIN } transform_param { scale: 0.00390625 } image_data_param { source: "${list}" batch_size: 2 shuffle: true new_height: 8 new_width: 8 } }\n`;

ruleTester(missing, {
  valid: [imageData(imageList(["DIR/a.png 0", "DIR/a.png 1"])) + head(2)],
  invalid: [at(imageData(imageList(["DIR/a.png 0", "DIR/b.png 1", "DIR/c.png 1"])) + head(2), 1, "source:", { messageId: "imagesMissing", severity: "warning" }, { name: "listed images that do not exist" })],
});

ruleTester(corrupt, {
  valid: [],
  invalid: [at(imageData(imageList(["DIR/a.png 0", "DIR/a.png", "DIR/a.png one"])) + head(2), 1, "source:", { messageId: "listMalformed" }, { name: "lines without a label" })],
});
