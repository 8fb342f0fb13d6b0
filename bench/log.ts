/**
 * Log reader throughput and memory: writes a ~200 MB debug_info training log (and a 20 MB one) to a
 * temporary folder, then parses each with `parseLogFile` beside a plain newline count of the same file
 * in the same run (the floor any streaming reader pays for I/O). Prints MB/s, the ratio to the line
 * count, and the peak RSS / heap growth while parsing, which must not grow with the file's size.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { parseLogFile, READ_CHUNK_BYTES } from "../src/log/parse.js";
import { diagnoseLog } from "../src/log/diagnose.js";
import { chainNet, synthLogLines, type SynthSpec } from "../test/log/synth-log.js";

const MB = 1024 * 1024;
const BIG_BYTES = 200 * MB;
const SMALL_BYTES = 20 * MB;
/** Timed runs of each reader per file; the best is reported (other processes share the cores). */
const REPEATS = 3;

function benchSpec(maxIter: number): SynthSpec {
  return {
    name: "bench", layers: chainNet(64, 10, 3), maxIter, display: 1, header: true, debugInfo: true, testInterval: 500, testNets: 1,
    // Loss turns NaN near the end, so the reader also keeps the blocks around it.
    loss: (it) => (it >= maxIter - 3 ? NaN : 2.3 * Math.exp(-it / 5000) + 0.1),
    lr: () => 0.01,
  };
}

/** Iterations needed for about `bytes`, from the size of a short log of the same spec. */
function iterationsFor(bytes: number): number {
  let probe = 0;
  for (const l of synthLogLines(benchSpec(100))) probe += l.length + 1;
  return Math.max(100, Math.round((bytes / probe) * 100));
}

async function writeLog(file: string, spec: SynthSpec): Promise<number> {
  const out = fs.createWriteStream(file);
  let batch: string[] = [];
  let batchChars = 0;
  let total = 0;
  const flush = async (): Promise<void> => {
    const text = batch.join("\n") + "\n";
    total += Buffer.byteLength(text);
    batch = [];
    batchChars = 0;
    if (!out.write(text)) await new Promise<void>((r) => out.once("drain", () => r()));
  };
  for (const line of synthLogLines(spec)) {
    batch.push(line);
    batchChars += line.length;
    if (batchChars > MB) await flush();
  }
  if (batch.length) await flush();
  await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
  return total;
}

/** Newline count with the same chunk size: the I/O floor. */
async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    let i = chunk.indexOf(10);
    while (i >= 0) {
      n++;
      i = chunk.indexOf(10, i + 1);
    }
  }
  return n;
}

interface Measure {
  mb: number;
  countMs: number;
  parseMs: number;
  lines: number;
  peakRssDeltaMb: number;
  peakHeapDeltaMb: number;
  retainedHeapMb: number;
  verdict: string;
}

/** A full GC when the runtime lets us expose one, so heap figures are live data rather than garbage. */
function collectGarbage(): void {
  try {
    v8.setFlagsFromString("--expose_gc");
    (vm.runInNewContext("gc") as () => void)();
  } catch {
    /* figures then include garbage */
  }
}

async function measure(file: string, bytes: number): Promise<Measure> {
  await countLines(file); // warm the page cache and the JIT for both readers
  await parseLogFile(file);
  collectGarbage();
  const t0 = performance.now();
  const lines = await countLines(file);
  const countMs = performance.now() - t0;
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  let calls = 0;
  const t1 = performance.now();
  const parsed = await parseLogFile(file, () => {
    if (++calls % 16 === 0) {
      const m = process.memoryUsage();
      if (m.rss > peakRss) peakRss = m.rss;
      if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
    }
  });
  const parseMs = performance.now() - t1;
  const afterPeak = process.memoryUsage();
  collectGarbage();
  const after = process.memoryUsage();
  if (parsed.lineCount !== lines) throw new Error(`line count mismatch: ${parsed.lineCount} vs ${lines}`);
  const verdict = diagnoseLog(parsed)[0]!.verdict;
  // The machine is shared: repeat both, interleaved, and keep the best time of each.
  let bestCount = countMs;
  let bestParse = parseMs;
  for (let r = 1; r < REPEATS; r++) {
    const c0 = performance.now();
    await countLines(file);
    bestCount = Math.min(bestCount, performance.now() - c0);
    const p0 = performance.now();
    await parseLogFile(file);
    bestParse = Math.min(bestParse, performance.now() - p0);
  }
  return {
    mb: bytes / MB,
    countMs: bestCount,
    parseMs: bestParse,
    lines,
    peakRssDeltaMb: (Math.max(peakRss, afterPeak.rss) - before.rss) / MB,
    peakHeapDeltaMb: (Math.max(peakHeap, afterPeak.heapUsed) - before.heapUsed) / MB,
    retainedHeapMb: (after.heapUsed - before.heapUsed) / MB,
    verdict,
  };
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-log-bench-"));
  try {
    console.log("log: parseLogFile on generated debug_info logs vs a plain newline count of the same file (same run)");
    const results: Measure[] = [];
    for (const target of [SMALL_BYTES, BIG_BYTES]) {
      const file = path.join(dir, `train-${target / MB}mb.log`);
      const tg = performance.now();
      const bytes = await writeLog(file, benchSpec(iterationsFor(target)));
      const genS = (performance.now() - tg) / 1000;
      const m = await measure(file, bytes);
      fs.rmSync(file);
      results.push(m);
      console.log(
        `  ${m.mb.toFixed(0)} MB, ${m.lines} lines (written in ${genS.toFixed(1)} s): ` +
          `parse ${(m.mb / (m.parseMs / 1000)).toFixed(1)} MB/s, line count ${(m.mb / (m.countMs / 1000)).toFixed(1)} MB/s, ` +
          `parse/count time ratio ${(m.parseMs / m.countMs).toFixed(1)}x (best of ${REPEATS}); ` +
          `peak RSS +${m.peakRssDeltaMb.toFixed(1)} MB, peak heap +${m.peakHeapDeltaMb.toFixed(1)} MB, retained heap ${m.retainedHeapMb.toFixed(1)} MB; verdict ${m.verdict}`,
      );
    }
    const [small, big] = results as [Measure, Measure];
    console.log(
      `  memory vs size: ${(big.mb / small.mb).toFixed(1)}x the file -> retained heap ${big.retainedHeapMb.toFixed(1)} vs ${small.retainedHeapMb.toFixed(1)} MB ` +
        `(${((big.retainedHeapMb * MB) / big.lines).toFixed(1)} bytes per log line: the per-iteration series; raw lines and debug blocks are not kept), ` +
        `peak RSS +${big.peakRssDeltaMb.toFixed(1)} vs +${small.peakRssDeltaMb.toFixed(1)} MB`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
