/**
 * GEMM throughput of the WebAssembly SIMD kernel and of the register-blocked
 * TypeScript `gemmTs` beside the naive triple loop, measured in the same run
 * on the shapes of LeNet's layers and a square 256.
 * Throughput is per second of this process's CPU time (process.cpuUsage), so
 * other work on a shared machine inflates it less than wall-clock time would.
 */
import { gemmNaive, gemmTs, getWasmGemm } from "../src/engine/math/gemm.js";
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

function gflops(fn: Gemm, c: Case, A: Float32Array, B: Float32Array, C: Float32Array, minMs: number): number {
  let reps = 0;
  const start = process.cpuUsage();
  let ms = 0;
  while (ms < minMs) {
    fn(c.transA, c.transB, c.M, c.N, c.K, 1, A, 0, B, 0, 0, C, 0);
    reps++;
    ms = cpuMs(start);
  }
  return (2 * c.M * c.N * c.K * reps) / (ms * 1e6);
}

export async function run(): Promise<void> {
  const random = seededRandom(1);
  const wasm = getWasmGemm();
  console.log("engine-math: GEMM GFLOP/s per CPU second (wasm SIMD, blocked TS, naive triple loop; same run)");
  if (wasm === null) console.log("  WebAssembly SIMD unavailable: wasm column skipped");
  for (const c of CASES) {
    const A = Float32Array.from({ length: c.M * c.K }, () => random() - 0.5);
    const B = Float32Array.from({ length: c.K * c.N }, () => random() - 0.5);
    const C = new Float32Array(c.M * c.N);
    if (wasm !== null) gflops(wasm, c, A, B, C, 100); // warm-up
    gflops(gemmTs, c, A, B, C, 100);
    gflops(gemmNaive, c, A, B, C, 100);
    const simd = wasm === null ? Number.NaN : gflops(wasm, c, A, B, C, 400);
    const blocked = gflops(gemmTs, c, A, B, C, 400);
    const naive = gflops(gemmNaive, c, A, B, C, 400);
    console.log(
      `  ${c.name.padEnd(40)} M=${c.M} N=${c.N} K=${c.K}: wasm ${simd.toFixed(2)}, ts ${blocked.toFixed(2)}, naive ${naive.toFixed(2)} GFLOP/s;` +
        ` wasm/ts ${(simd / blocked).toFixed(1)}x, wasm/naive ${(simd / naive).toFixed(1)}x, ts/naive ${(blocked / naive).toFixed(1)}x`,
    );
  }
}
