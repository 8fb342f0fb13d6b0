/**
 * One LeNet probe in a fresh process, as `bnlint --probe` runs it the first
 * time: loading the engine, generating the WebAssembly kernels, the JIT's
 * warm-up, building the net and 30 watched iterations. Run by bench/engine.ts
 * in a child process; prints {"ms": ..., "iterations": ..., "verdict": ...}.
 */
import { performance } from "node:perf_hooks";

const started = performance.now();
const { LENET } = await import("./engine.js");
const { runProbeOnce } = await import("../src/probe/run.js");
const probe = runProbeOnce({
  net: LENET,
  solver: { base_lr: 0.01, lr_policy: "fixed", momentum: 0.9, weight_decay: 0.0005 },
  iterations: 30,
  seed: 1701,
  label: "bench",
  syntheticShape: () => ({ channels: 1, height: 28, width: 28, labels: 10 }),
});
console.log(JSON.stringify({ ms: performance.now() - started, iterations: probe.run.iterations, verdict: probe.run.verdict }));
