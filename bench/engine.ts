/**
 * Engine speed: forward+backward milliseconds per iteration for BVLC's LeNet
 * (lenet_train_test, batch 64, 1x28x28) and CIFAR-10-quick (batch 100,
 * 3x32x32) on synthetic Data-layer batches, printed beside real Caffe's
 * single-thread `caffe time` numbers (../shared/caffe-reference/timing.json
 * when present), plus the wall time of a 30-iteration LeNet training probe
 * with per-layer statistics; each on one thread and with the gemm's helper
 * thread (BNLINT_THREADS=1 and 2).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { LayerContext } from "../src/engine/types.js";
import type { PlainMessage } from "../src/schema/types.js";
import { buildNet, forward, backward, clearParamDiffs } from "../src/engine/net.js";
import type { LayerHook } from "../src/engine/net.js";
import { layerRegistry } from "../src/engine/layers/index.js";
import { readSolverSettings, createSolver } from "../src/engine/solvers/index.js";
import { trainSteps } from "../src/engine/train.js";
import { seededRandom } from "../src/engine/rng.js";
import { runProbeOnce } from "../src/probe/run.js";
import { getGemmThreads, setGemmThreads } from "../src/engine/math/gemm.js";

/** Real Caffe, one OpenBLAS thread, median of 3 `caffe time -iterations 30` runs (ms per forward+backward). */
const CAFFE_FALLBACK_MS = { lenet: 17.3, cifar: 150.6 };
const PROBE_TARGET_MS = 2000;

function param(lr: number, decay = 1): PlainMessage {
  return { lr_mult: lr, decay_mult: decay };
}

function conv(name: string, bottom: string, n: number, kernel: number, filler: PlainMessage, pad = 0): PlainMessage {
  return {
    name, type: "Convolution", bottom: [bottom], top: [name], param: [param(1), param(2)],
    convolution_param: { num_output: n, kernel_size: [kernel], stride: [1], pad: [pad], weight_filler: filler, bias_filler: { type: "constant" } },
  };
}

function ip(name: string, bottom: string, n: number, filler: PlainMessage): PlainMessage {
  return {
    name, type: "InnerProduct", bottom: [bottom], top: [name], param: [param(1), param(2)],
    inner_product_param: { num_output: n, weight_filler: filler, bias_filler: { type: "constant" } },
  };
}

function pool(name: string, bottom: string, kind: "MAX" | "AVE", kernel: number): PlainMessage {
  return { name, type: "Pooling", bottom: [bottom], top: [name], pooling_param: { pool: kind, kernel_size: kernel, stride: 2 } };
}

function relu(name: string, blob: string): PlainMessage {
  return { name, type: "ReLU", bottom: [blob], top: [blob] };
}

function dataLayer(name: string, batch: number, scale?: number): PlainMessage {
  return {
    name, type: "Data", top: ["data", "label"],
    ...(scale !== undefined ? { transform_param: { scale } } : {}),
    data_param: { source: "synthetic", batch_size: batch, backend: "LMDB" },
  };
}

const LOSS: PlainMessage = { name: "loss", type: "SoftmaxWithLoss", bottom: ["ip2", "label"], top: ["loss"] };

/** BVLC examples/mnist/lenet_train_test.prototxt, TRAIN phase. */
export const LENET: PlainMessage = {
  name: "LeNet",
  layer: [
    dataLayer("mnist", 64, 0.00390625),
    conv("conv1", "data", 20, 5, { type: "xavier" }),
    pool("pool1", "conv1", "MAX", 2),
    conv("conv2", "pool1", 50, 5, { type: "xavier" }),
    pool("pool2", "conv2", "MAX", 2),
    ip("ip1", "pool2", 500, { type: "xavier" }),
    relu("relu1", "ip1"),
    ip("ip2", "ip1", 10, { type: "xavier" }),
    LOSS,
  ],
};

/** BVLC examples/cifar10/cifar10_quick_train_test.prototxt, TRAIN phase (no mean file: synthetic data). */
export const CIFAR_QUICK: PlainMessage = {
  name: "CIFAR10_quick",
  layer: [
    dataLayer("cifar", 100),
    conv("conv1", "data", 32, 5, { type: "gaussian", std: 0.0001 }, 2),
    pool("pool1", "conv1", "MAX", 3),
    relu("relu1", "pool1"),
    conv("conv2", "pool1", 32, 5, { type: "gaussian", std: 0.01 }, 2),
    relu("relu2", "conv2"),
    pool("pool2", "conv2", "AVE", 3),
    conv("conv3", "pool2", 64, 5, { type: "gaussian", std: 0.01 }, 2),
    relu("relu3", "conv3"),
    pool("pool3", "conv3", "AVE", 3),
    ip("ip1", "pool3", 64, { type: "gaussian", std: 0.1 }),
    ip("ip2", "ip1", 10, { type: "gaussian", std: 0.1 }),
    LOSS,
  ],
};

function context(channels: number, size: number): LayerContext {
  return {
    phase: "TRAIN",
    random: seededRandom(1701),
    syntheticRecordShape: () => ({ channels, height: size, width: size, labels: 10 }),
  };
}

/** Real Caffe's single-thread numbers from the reference pack, or the recorded fallbacks. */
function caffeTimes(): { lenet: number; cifar: number; source: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const file = path.resolve(dir, "../shared/caffe-reference/timing.json");
  if (!fs.existsSync(file)) return { ...CAFFE_FALLBACK_MS, source: "recorded values (../shared absent)" };
  const timing = JSON.parse(fs.readFileSync(file, "utf8")) as { results: Record<string, { median_forward_backward_ms: number }> };
  return {
    lenet: timing.results.lenet_b64_threads_1?.median_forward_backward_ms ?? CAFFE_FALLBACK_MS.lenet,
    cifar: timing.results.cifar10_quick_b100_threads_1?.median_forward_backward_ms ?? CAFFE_FALLBACK_MS.cifar,
    source: "../shared/caffe-reference/timing.json",
  };
}

interface Timing {
  /** Median forward+backward ms per iteration. */
  medianMs: number;
  /** Mean ms per layer pass ("conv2 backward"), slowest first. */
  layers: [string, number][];
}

/** Forward+backward timings over `iterations` after `warmup` untimed ones, with a per-layer split. */
function forwardBackwardMs(netParam: PlainMessage, ctx: LayerContext, warmup: number, iterations: number): Timing {
  const net = buildNet(netParam, ctx, layerRegistry);
  const times: number[] = [];
  const perLayer = new Map<string, number>();
  let mark = 0;
  const hook: LayerHook = (layer, pass) => {
    const now = performance.now();
    perLayer.set(`${layer} ${pass}`, (perLayer.get(`${layer} ${pass}`) ?? 0) + now - mark);
    mark = now;
  };
  for (let i = 0; i < warmup + iterations; i++) {
    clearParamDiffs(net);
    const timed = i >= warmup;
    const t0 = performance.now();
    mark = t0;
    forward(net, timed ? hook : undefined);
    mark = performance.now();
    backward(net, timed ? hook : undefined);
    if (timed) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const layers = [...perLayer].map(([k, v]): [string, number] => [k, v / iterations]).sort((a, b) => b[1] - a[1]);
  return { medianMs: times[Math.floor(times.length / 2)]!, layers };
}

function slowest(t: Timing): string {
  return t.layers.slice(0, 4).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ");
}

export async function run(): Promise<void> {
  const initial = getGemmThreads();
  try {
    for (const threads of [1, 2] as const) {
      setGemmThreads(threads);
      // Let a new helper thread start before timing.
      await new Promise((resolve) => setTimeout(resolve, 200));
      runWith(threads);
    }
  } finally {
    setGemmThreads(initial === 1 ? 1 : 2);
  }
}

function runWith(threads: 1 | 2): void {
  const caffe = caffeTimes();
  const on = threads === 1 ? "one thread" : "two threads (gemm helper thread)";
  console.log(`engine, ${on}: forward+backward per iteration, median (Caffe: 1 OpenBLAS thread, ${caffe.source})`);
  const lenet = forwardBackwardMs(LENET, context(1, 28), 2, 7);
  console.log(`  LeNet batch 64           engine ${lenet.medianMs.toFixed(1).padStart(8)} ms   Caffe ${caffe.lenet.toFixed(1).padStart(6)} ms   ratio ${(lenet.medianMs / caffe.lenet).toFixed(2)}x`);
  console.log(`    slowest layer passes (ms): ${slowest(lenet)}`);
  const cifar = forwardBackwardMs(CIFAR_QUICK, context(3, 32), 1, 3);
  console.log(`  CIFAR-10-quick batch 100 engine ${cifar.medianMs.toFixed(1).padStart(8)} ms   Caffe ${caffe.cifar.toFixed(1).padStart(6)} ms   ratio ${(cifar.medianMs / caffe.cifar).toFixed(2)}x`);
  console.log(`    slowest layer passes (ms): ${slowest(cifar)}`);

  // The probe as bnlint runs it: building the net, 30 solver iterations, every blob of every layer
  // watched (mean |x|, NaN/Inf) as Caffe's debug_info would print it, and the verdict.
  const probeInput = (net: PlainMessage) => ({
    net,
    solver: { base_lr: 0.01, lr_policy: "fixed", momentum: 0.9, weight_decay: 0.0005 },
    iterations: 30,
    seed: 1701,
    label: "bench",
    syntheticShape: () => ({ channels: 1, height: 28, width: 28, labels: 10 }),
  });
  // Best and median of three: this machine is shared, and single runs swing by a fifth.
  const runs: number[] = [];
  let probe: ReturnType<typeof runProbeOnce> | undefined;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    probe = runProbeOnce(probeInput(LENET));
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  const probeMs = runs[0]!;
  console.log(`  LeNet 30-iteration probe (batch 64, every layer watched; engine already warm): best ${probeMs.toFixed(0)} ms, median ${runs[1]!.toFixed(0)} ms of 3, ${probe!.run.iterations} iterations, verdict ${probe!.run.verdict} (target < ${PROBE_TARGET_MS} ms: ${probeMs < PROBE_TARGET_MS ? "met" : "not met"})`);
  // The same as the first probe of a fresh process: loading, kernel generation and JIT warm-up included.
  const colds: { ms: number; verdict: string }[] = [];
  let failure = "";
  for (let r = 0; r < 3 && !failure; r++) {
    const child = spawnSync(process.execPath, [fileURLToPath(new URL("./probe-cold.js", import.meta.url))], {
      env: { ...process.env, BNLINT_THREADS: String(threads) },
      encoding: "utf8",
    });
    if (child.status === 0) colds.push(JSON.parse(child.stdout.trim().split("\n").pop()!) as { ms: number; verdict: string });
    else failure = child.stderr.trim().split("\n").pop() ?? `exit ${child.status}`;
  }
  colds.sort((a, b) => a.ms - b.ms);
  console.log(
    failure === ""
      ? `  LeNet 30-iteration probe, first in a fresh process (loading and JIT warm-up included): best ${colds[0]!.ms.toFixed(0)} ms, median ${colds[1]!.ms.toFixed(0)} ms of 3, verdict ${colds[0]!.verdict} (target < ${PROBE_TARGET_MS} ms: ${colds[0]!.ms < PROBE_TARGET_MS ? "met" : "not met"})`
      : `  LeNet probe in a fresh process failed: ${failure}`,
  );
  // The same at the probe's default batch (the net's, at most 32).
  const lenet32 = structuredClone(LENET) as PlainMessage;
  for (const layer of lenet32["layer"] as PlainMessage[]) if (layer["data_param"]) (layer["data_param"] as PlainMessage)["batch_size"] = 32;
  const t2 = performance.now();
  const probe32 = runProbeOnce({ ...probeInput(lenet32) });
  console.log(`  LeNet 30-iteration probe at the probe's default batch 32: ${(performance.now() - t2).toFixed(0)} ms, verdict ${probe32.run.verdict}`);
  const t1 = performance.now();
  const net = buildNet(LENET, context(1, 28), layerRegistry);
  const solver = createSolver(readSolverSettings({ base_lr: 0.01, lr_policy: "fixed", momentum: 0.9, weight_decay: 0.0005 }), net);
  trainSteps(net, solver, { iterations: 30, layerStats: true });
  console.log(`  LeNet 30 iterations with the engine's full per-blob statistics (sum, max, means of every blob): ${(performance.now() - t1).toFixed(0)} ms`);
}
