/**
 * Lint speed: parse + bind + model + rules over the whole shared corpus in one
 * process (files/s, MB/s) beside the time to merely read the same files, and
 * one large net (ResNet-152 deploy) in ms per lint after warm-up.
 */
import fs from "node:fs";
import path from "node:path";
import { lintText } from "../src/lint/lint.js";
import { sharedDir, median, timeIt, report } from "./util.js";

export async function run(): Promise<void> {
  const corpus = path.join(sharedDir(), "corpus", "files");
  if (!fs.existsSync(corpus)) {
    console.log("lint: skipped (../shared/corpus absent)");
    return;
  }
  const files = fs.readdirSync(corpus).map((f) => path.join(corpus, f));
  const bytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
  // Warm up the schema and the JIT.
  for (const f of files.slice(0, 20)) lintText(fs.readFileSync(f, "utf8"), f);

  const readMs = median(5, () => timeIt(() => files.forEach((f) => fs.readFileSync(f, "utf8"))));
  const lintMs = median(3, () => timeIt(() => files.forEach((f) => lintText(fs.readFileSync(f, "utf8"), f))));
  report("lint: corpus", [
    `${files.length} files, ${(bytes / 1e6).toFixed(2)} MB`,
    `read only: ${readMs.toFixed(1)} ms`,
    `read + lint: ${lintMs.toFixed(1)} ms (${(files.length / (lintMs / 1000)).toFixed(0)} files/s, ${(bytes / 1e6 / (lintMs / 1000)).toFixed(2)} MB/s)`,
    `ratio lint/read: ${(lintMs / readMs).toFixed(1)}x`,
  ]);

  const big = files.find((f) => /resnet[-_]?152.*deploy/i.test(path.basename(f))) ?? files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
  const text = fs.readFileSync(big, "utf8");
  for (let i = 0; i < 3; i++) lintText(text, big);
  const bigMs = median(7, () => timeIt(() => lintText(text, big)));
  const bigReadMs = median(7, () => timeIt(() => fs.readFileSync(big, "utf8")));
  report("lint: one large net", [`${path.basename(big)} (${text.split("\n").length} lines)`, `lint: ${bigMs.toFixed(1)} ms (target: well under 50 ms)`, `read: ${bigReadMs.toFixed(2)} ms`]);
}
