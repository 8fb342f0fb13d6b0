/** Small helpers shared by the benchmarks. */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** ../shared next to the repository root (the folder holding package.json), from bench/ or dist/bench/. */
export function sharedDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.resolve(dir, "..", "shared");
}

export function timeIt(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

export function median(runs: number, measure: () => number): number {
  const xs = Array.from({ length: runs }, measure).sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]!;
}

export function report(title: string, lines: string[]): void {
  console.log(`\n${title}`);
  for (const l of lines) console.log(`  ${l}`);
}
