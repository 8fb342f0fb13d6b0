/**
 * Benchmark of the text-format parser. Parses every corpus prototxt (from
 * ../shared when present, else a synthetic ResNet-like net) and reports the
 * throughput beside a reference measured in the same run: reading the same
 * files from disk. For the largest net (ResNet-152 deploy when present) it
 * reports the parse time beside V8's native JSON.parse of the same syntax tree
 * written as JSON (the cost of just building that many objects).
 */
import fs from "node:fs";
import path from "node:path";
import { parseTextFormat } from "../src/prototxt/index.js";
import { median, report, sharedDir, timeIt } from "./util.js";

const REPEATS = 20;
const WARMUP_REPEATS = 5;
const SYNTHETIC_BLOCKS = 50;
const BIG_NET_NAME = "ResNet-152-deploy";

/** Median wall time in milliseconds of `fn` over `repeats` runs, after a warm-up. */
function medianMs(fn: () => void, repeats: number): number {
  for (let k = 0; k < WARMUP_REPEATS; k++) fn();
  return median(repeats, () => timeIt(fn));
}

/** A ResNet-like net in the V2 format, `blocks` bottleneck blocks long. */
function syntheticNet(blocks: number): string {
  const parts: string[] = ['name: "synthetic"\ninput: "data"\ninput_shape { dim: 1 dim: 3 dim: 224 dim: 224 }\n'];
  let bottom = "data";
  for (let b = 0; b < blocks; b++) {
    for (const [suffix, k] of [["a", 1], ["b", 3], ["c", 1]] as const) {
      const name = `res${b}_branch2${suffix}`;
      parts.push(
        `layer {\n  bottom: "${bottom}"\n  top: "${name}"\n  name: "${name}"\n  type: "Convolution"\n` +
          `  convolution_param {\n    num_output: 256\n    kernel_size: ${k}\n    pad: ${k >> 1}\n    stride: 1\n    bias_term: false\n  }\n}\n` +
          `layer {\n  bottom: "${name}"\n  top: "${name}"\n  name: "bn_${name}"\n  type: "BatchNorm"\n` +
          `  batch_norm_param {\n    use_global_stats: true\n  }\n}\n` +
          `layer {\n  bottom: "${name}"\n  top: "${name}"\n  name: "${name}_relu"\n  type: "ReLU"\n}\n`,
      );
      bottom = name;
    }
  }
  return parts.join("");
}

export async function run(): Promise<void> {
  const filesDir = path.join(sharedDir(), "corpus", "files");
  let paths: string[] = [];
  if (fs.existsSync(filesDir)) {
    paths = fs.readdirSync(filesDir).sort().map((f) => path.join(filesDir, f));
  } else {
    console.log("prototxt: ../shared absent, using a synthetic net only");
  }

  let sources: string[];
  let readMs = NaN;
  if (paths.length > 0) {
    readMs = medianMs(() => {
      sources = paths.map((p) => fs.readFileSync(p, "utf8"));
    }, REPEATS);
    sources = paths.map((p) => fs.readFileSync(p, "utf8"));
  } else {
    sources = [syntheticNet(SYNTHETIC_BLOCKS)];
  }
  const totalChars = sources.reduce((s, t) => s + t.length, 0);
  const totalBytes = sources.reduce((s, t) => s + Buffer.byteLength(t, "utf8"), 0);

  const parseMs = medianMs(() => {
    for (const s of sources) parseTextFormat(s);
  }, REPEATS);

  const mb = totalBytes / 1e6;
  const lines: string[] = [
    `${sources.length} files, ${mb.toFixed(2)} MB, ${totalChars} chars`,
    `parse all: ${parseMs.toFixed(2)} ms = ${(mb / (parseMs / 1000)).toFixed(1)} MB/s`,
  ];
  if (!Number.isNaN(readMs)) {
    lines.push(`read all from disk: ${readMs.toFixed(2)} ms; parse/read ratio ${(parseMs / readMs).toFixed(2)}`);
  }

  let bigName = `synthetic (${SYNTHETIC_BLOCKS} blocks)`;
  let big = syntheticNet(SYNTHETIC_BLOCKS);
  const bigIndex = paths.findIndex((p) => p.includes(BIG_NET_NAME));
  if (bigIndex >= 0) {
    bigName = path.basename(paths[bigIndex]);
    big = sources[bigIndex];
  }
  const bigMs = medianMs(() => parseTextFormat(big), REPEATS * 2);
  const bigJson = JSON.stringify(parseTextFormat(big));
  const bigJsonMs = medianMs(() => JSON.parse(bigJson), REPEATS * 2);
  lines.push(
    `${bigName}: ${big.split("\n").length} lines, ${big.length} chars, parse ${bigMs.toFixed(2)} ms`,
    `JSON.parse of its tree as JSON (${(bigJson.length / 1e6).toFixed(2)} MB): ${bigJsonMs.toFixed(2)} ms; ` +
      `parse/JSON.parse ratio ${(bigMs / bigJsonMs).toFixed(2)}`,
  );
  report("prototxt: text-format parser", lines);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
