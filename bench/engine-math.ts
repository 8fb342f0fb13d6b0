/**
 * GEMM throughput of the WebAssembly SIMD kernel and of the register-blocked
 * TypeScript `gemmTs` (the same sums, bit for bit) beside the naive triple
 * loop, measured in the same run on the shapes of LeNet's layers
 * and a square 256; then im2col/col2im, WebAssembly against TypeScript, on
 * LeNet's and CIFAR-10-quick's first convolutions.
 * Throughput is per second of this process's CPU time (process.cpuUsage), so
 * other work on a shared machine inflates it less than wall-clock time would.
 * Then the kernel with a helper thread against the same kernel on one
 * thread, by wall-clock time (two threads spend more CPU time, not less).
 */
import { performance } from "node:perf_hooks";
import { gemmNaive, gemmTs, getWasmGemm } from "../src/engine/math/gemm.js";
import { createWasmGemmWith, THREAD_MIN_MULTIPLY_ADDS } from "../src/engine/math/wasm/gemm-kernel.js";
import { col2imTs, convOutputSize, getWasmIm2col, im2colTs, type ConvGeometry } from "../src/engine/math/im2col.js";
import { seededRandom } from "../src/engine/rng.js";

type Gemm = typeof gemmTs;

interface Case { name: string; transA: boolean; transB: boolean; M: number; N: number; K: number }

const CASES: Case[] = [
  { name: "LeNet conv2 forward (W * col)", transA: false, transB: false, M: 50, N: 64, K: 500 },
  { name: "LeNet conv2 weight grad (dY * col^T)", transA: false, transB: true, M: 50, N: 500, K: 64 },
  { name: "LeNet conv2 input grad (W^T * dY)", transA: true, transB: false, M: 500, N: 64, K: 50 },
  { name: "LeNet ip1 forward (X * W^T)", transA: false, transB: true, M: 64, N: 500, K: 800 },
  { name: "LeNet ip1 weight grad (dY^T * X)", transA: true, transB: false, M: 500, N: 800, K: 64 },
  { name: "LeNet ip1 input grad (dY * W)", transA: false, transB: false, M: 64, N: 800, K: 500 },
  { name: "square 256", transA: false, transB: false, M: 256, N: 256, K: 256 },
];

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** Calls of `call` per CPU millisecond, running it for at least minMs. */
function callsPerMs(call: () => void, minMs: number): number {
  let reps = 0;
  const start = process.cpuUsage();
  let ms = 0;
  while (ms < minMs) {
    call();
    reps++;
    ms = cpuMs(start);
  }
  return reps / ms;
}

function gflops(fn: Gemm, c: Case, A: Float32Array, B: Float32Array, C: Float32Array, minMs: number): number {
  const rate = callsPerMs(() => fn(c.transA, c.transB, c.M, c.N, c.K, 1, A, 0, B, 0, 0, C, 0), minMs);
  return (2 * c.M * c.N * c.K * rate) / 1e6;
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(1)}x`;

function geometry(channels: number, size: number, kernel: number, pad: number): ConvGeometry {
  return {
    channels, height: size, width: size, kernelH: kernel, kernelW: kernel, padH: pad, padW: pad,
    strideH: 1, strideW: 1, dilationH: 1, dilationW: 1,
  };
}

const SWEEPS: { name: string; g: ConvGeometry }[] = [
  { name: "LeNet conv1 (1x28x28, 5x5)", g: geometry(1, 28, 5, 0) },
  { name: "LeNet conv2 (20x12x12, 5x5)", g: geometry(20, 12, 5, 0) },
  { name: "CIFAR-10-quick conv1 (3x32x32, 5x5 pad 2)", g: geometry(3, 32, 5, 2) },
];

export async function run(): Promise<void> {
  const random = seededRandom(1);
  const wasm = getWasmGemm();
  console.log("engine-math: GEMM GFLOP/s per CPU second (wasm SIMD [default], register-blocked TS, naive triple loop; same run)");
  if (wasm === null) console.log("  WebAssembly SIMD unavailable: wasm column skipped");
  for (const c of CASES) {
    const A = Float32Array.from({ length: c.M * c.K }, () => random() - 0.5);
    const B = Float32Array.from({ length: c.K * c.N }, () => random() - 0.5);
    const C = new Float32Array(c.M * c.N);
    const fns = [wasm, gemmTs, gemmNaive];
    for (const fn of fns) if (fn !== null) gflops(fn, c, A, B, C, 100); // warm-up
    const [w, ts, naive] = fns.map((fn) => (fn === null ? Number.NaN : gflops(fn, c, A, B, C, 400))) as [number, number, number];
    console.log(
      `  ${c.name.padEnd(38)} M=${c.M} N=${c.N} K=${c.K}: wasm ${w.toFixed(2)}, ts ${ts.toFixed(2)}, naive ${naive.toFixed(2)};` +
        ` wasm/ts ${ratio(w, ts)}, ts/naive ${ratio(ts, naive)}, wasm/naive ${ratio(w, naive)}`,
    );
  }

  await threadComparison(random);

  const sweeps = getWasmIm2col();
  console.log("engine-math: im2col / col2im per image, million column entries per CPU second (wasm vs TS; same run)");
  if (sweeps === null) console.log("  WebAssembly unavailable: wasm column skipped");
  for (const { name, g } of SWEEPS) {
    const outH = convOutputSize(g.height, g.kernelH, g.padH, g.strideH, g.dilationH);
    const outW = convOutputSize(g.width, g.kernelW, g.padW, g.strideW, g.dilationW);
    const entries = g.channels * g.kernelH * g.kernelW * outH * outW;
    const image = Float32Array.from({ length: g.channels * g.height * g.width }, () => random() - 0.5);
    const col = Float32Array.from({ length: entries }, () => random() - 0.5);
    const calls: [string, () => void, () => void][] = [
      ["im2col", () => sweeps?.im2col(image, 0, g, outH, outW, col, 0, 1, image.length), () => im2colTs(image, 0, g, col, 0)],
      ["col2im", () => sweeps?.col2im(col, 0, g, outH, outW, image, 0, 1, image.length), () => col2imTs(col, 0, g, image, 0)],
    ];
    for (const [what, viaWasm, viaTs] of calls) {
      callsPerMs(viaWasm, 100);
      callsPerMs(viaTs, 100);
      const w = sweeps === null ? Number.NaN : (callsPerMs(viaWasm, 300) * entries) / 1000;
      const t = (callsPerMs(viaTs, 300) * entries) / 1000;
      console.log(`  ${what} ${name.padEnd(42)}: wasm ${w.toFixed(0)}, ts ${t.toFixed(0)} M/s; wasm/ts ${ratio(w, t)}`);
    }
  }
}

/** Products the convolutions hand the gemm with several images side by side, and the large ip1 ones. */
const THREAD_CASES: Case[] = [
  { name: "LeNet conv2 forward, 8 images (W * col)", transA: false, transB: false, M: 50, N: 512, K: 500 },
  { name: "LeNet conv2 weight grad, 8 images", transA: false, transB: true, M: 50, N: 500, K: 512 },
  { name: "LeNet conv2 input grad, 8 images", transA: true, transB: false, M: 500, N: 512, K: 50 },
  { name: "LeNet ip1 forward (X * W^T)", transA: false, transB: true, M: 64, N: 500, K: 800 },
  { name: "LeNet ip1 weight grad (dY^T * X)", transA: true, transB: false, M: 500, N: 800, K: 64 },
  { name: "square 256", transA: false, transB: false, M: 256, N: 256, K: 256 },
];

/** Wall-clock GFLOP/s of `fn` on case c over at least minMs. */
function wallGflops(fn: Gemm, c: Case, A: Float32Array, B: Float32Array, C: Float32Array, minMs: number): number {
  let reps = 0;
  const t0 = performance.now();
  let ms = 0;
  while (ms < minMs) {
    fn(c.transA, c.transB, c.M, c.N, c.K, 1, A, 0, B, 0, 0, C, 0);
    reps++;
    ms = performance.now() - t0;
  }
  return (2 * c.M * c.N * c.K * reps) / ms / 1e6;
}

async function threadComparison(random: () => number): Promise<void> {
  const one = createWasmGemmWith({});
  const two = createWasmGemmWith({ threads: true });
  if (one === null || two === null || !two.threaded) {
    console.log("engine-math: helper thread unavailable (no WebAssembly SIMD, shared memory or worker threads): comparison skipped");
    return;
  }
  for (let i = 0; i < 500 && !two.helperReady(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  console.log(`engine-math: GEMM GFLOP/s by wall clock, wasm on one thread and with a helper thread (products of at least ${THREAD_MIN_MULTIPLY_ADDS} multiply-adds are split; same run)`);
  try {
    for (const c of THREAD_CASES) {
      const A = Float32Array.from({ length: c.M * c.K }, () => random() - 0.5);
      const B = Float32Array.from({ length: c.K * c.N }, () => random() - 0.5);
      const C = new Float32Array(c.M * c.N);
      wallGflops(one.gemm, c, A, B, C, 100);
      wallGflops(two.gemm, c, A, B, C, 100);
      const g1 = wallGflops(one.gemm, c, A, B, C, 400), g2 = wallGflops(two.gemm, c, A, B, C, 400);
      console.log(`  ${c.name.padEnd(40)} M=${c.M} N=${c.N} K=${c.K}: one thread ${g1.toFixed(2)}, two threads ${g2.toFixed(2)}; two/one ${ratio(g2, g1)}`);
    }
  } finally {
    two.stopThreads();
  }
}
