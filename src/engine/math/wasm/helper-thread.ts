/**
 * A second thread for the WebAssembly GEMM. A worker instantiates the same
 * kernel module over the same shared memory and, on request, takes its share
 * of the column panels of B: it packs them (when the product needs packing)
 * and multiplies them against the whole of A, while the calling thread does
 * the same for the other panels. Every tile of C is still computed by one
 * thread with the same sums in the same order, so results are bit-identical
 * to the one-thread run.
 *
 * Hand-off is through Int32 slots of a SharedArrayBuffer with Atomics, no
 * messages: the caller writes the job's arguments, resets the panel counter
 * and bumps the job number; both threads then claim chunks of panels from the
 * counter until none are left (so a helper that wakes late simply gets fewer
 * chunks) and the caller waits until every chunk is done. The helper spins
 * for a short while after each job, so products that come back to back are
 * handed over in microseconds; after that it sleeps in Atomics.wait.
 *
 * The panel counter carries the job number in its high bits and is advanced
 * by compare-and-swap, so a helper that wakes after its job is over can never
 * claim a panel of the next one with stale arguments: arguments are read
 * after a successful claim, while the job is known to be running.
 */
import { Worker } from "node:worker_threads";

/** Slots of the control block (Int32 indices). */
const SLOT = {
  /** Job number; bumped by the caller to start a job. */
  job: 0,
  /** (job & 0x7fff) << 16 | next chunk to claim. */
  next: 1,
  /** Chunks finished in the current job. */
  completed: 2,
  /** 1 once the helper has instantiated the module. */
  ready: 3,
  /** 1 when a chunk failed in the helper (a trap). */
  failed: 4,
  chunks: 5,
  chunkPanels: 6,
  panels: 7,
  /** Arguments of packB, bytes: raw B, the helper's packed-B region (-1: no packing), raw panel step, raw k step, item step. */
  rawB: 8, packedBHelper: 9, rawPanelStep: 10, rawKStep: 11, itemStep: 12,
  /** Arguments of the kernel (see gemm-kernel.ts), bytes. */
  a: 13, aPanelStep: 14, aKStep: 15, b: 16, bPanelStep: 17, bKStep: 18, c: 19, ldc: 20, mPanels: 21, k: 22,
  /** Bytes of one C tile column. */
  cPanelBytes: 24,
  /** The helper's scratch tile for the kernel. */
  scratchHelper: 25,
} as const;
const INT_SLOTS = 32;
/** alpha and beta as float64 after the int slots. */
const FLOAT_BYTE_OFFSET = INT_SLOTS * 4;
const CONTROL_BYTES = FLOAT_BYTE_OFFSET + 16;
const JOB_TAG_MASK = 0x7fff;
/** Most chunks one job can have (the panel counter keeps the chunk in 16 bits). */
export const MAX_CHUNKS = 0xffff;

/** Polls of the job number before the helper goes to sleep (a few hundred microseconds). */
const HELPER_SPINS = 200_000;
/** Polls of the completion count before the caller sleeps between polls. */
const CALLER_SPINS = 2_000_000;
/** The caller gives up on a helper that has not finished its chunk after this long. */
const CALLER_TIMEOUT_MS = 60_000;

/**
 * The chunk loop, shared by both threads in spirit: the caller runs the same
 * steps in TypeScript (runChunks below). Plain JavaScript source, evaluated
 * in the worker.
 */
const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, control, slot, floatByteOffset, spins } = workerData;
const { exports } = new WebAssembly.Instance(module, { env: { memory } });
const packB = exports.packB, kernel = exports.kernel;
const I = new Int32Array(control);
const F = new Float64Array(control, floatByteOffset, 2);
Atomics.store(I, slot.ready, 1);
let seen = Atomics.load(I, slot.job);
for (;;) {
  let polls = 0;
  while (Atomics.load(I, slot.job) === seen) {
    if (++polls === spins) { Atomics.wait(I, slot.job, seen); polls = 0; }
  }
  seen = Atomics.load(I, slot.job);
  const tag = (seen & ${JOB_TAG_MASK}) << 16;
  for (;;) {
    const v = Atomics.load(I, slot.next);
    if ((v & ~0xffff) !== tag || (v & 0xffff) >= I[slot.chunks]) break;
    if (Atomics.compareExchange(I, slot.next, v, v + 1) !== v) continue;
    const q0 = (v & 0xffff) * I[slot.chunkPanels];
    const n = Math.min(I[slot.chunkPanels], I[slot.panels] - q0);
    try {
      let b = I[slot.b] + q0 * I[slot.bPanelStep];
      if (I[slot.packedBHelper] >= 0) {
        packB(I[slot.rawB] + q0 * I[slot.rawPanelStep], I[slot.packedBHelper], n, I[slot.k],
          I[slot.rawPanelStep], I[slot.rawKStep], I[slot.itemStep]);
        b = I[slot.packedBHelper];
      }
      kernel(I[slot.a], I[slot.aPanelStep], I[slot.aKStep], b, I[slot.bPanelStep], I[slot.bKStep],
        I[slot.c] + q0 * I[slot.cPanelBytes], I[slot.ldc], I[slot.mPanels], n, I[slot.k], I[slot.scratchHelper], F[0], F[1]);
    } catch (error) {
      Atomics.store(I, slot.failed, 1);
    }
    Atomics.add(I, slot.completed, 1);
    Atomics.notify(I, slot.completed);
  }
}
`;

/**
 * One product split over column panels: the arguments both threads read. Each
 * thread packs its chunks of B into its own region (packedB for the caller,
 * packedBHelper for the helper; -1 when B is read in place from b).
 */
export interface PanelJob {
  panels: number;
  /** Panels per chunk (each thread's packed region holds one chunk). */
  chunkPanels: number;
  rawB: number; packedB: number; packedBHelper: number; rawPanelStep: number; rawKStep: number; itemStep: number;
  a: number; aPanelStep: number; aKStep: number; b: number; bPanelStep: number; bKStep: number;
  c: number; ldc: number; mPanels: number; k: number;
  cPanelBytes: number;
  /** Each thread's scratch tile for the kernel (scratch for the caller). */
  scratch: number; scratchHelper: number;
  alpha: number; beta: number;
}

/** Runs panels [q0, q0 + n) of a job on the calling thread. */
export type PanelRunner = (job: PanelJob, q0: number, n: number) => void;

export interface HelperThread {
  /** Whether the helper has started and can take work. */
  ready(): boolean;
  /** Runs the job on both threads; `runHere` does the caller's chunks. Throws if the helper failed. */
  run(job: PanelJob, runHere: PanelRunner): void;
  /** Stops the helper (it is also stopped at exit: it never keeps the process alive). */
  stop(): void;
}

/**
 * Starts the helper over `memory` (shared) with `module` (the kernel module,
 * exporting kernel and packB); null when worker threads or shared memory are
 * unavailable.
 */
export function startHelperThread(module: object, memory: object): HelperThread | null {
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") return null;
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const I = new Int32Array(control);
  const F = new Float64Array(control, FLOAT_BYTE_OFFSET, 2);
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, memory, control, slot: SLOT, floatByteOffset: FLOAT_BYTE_OFFSET, spins: HELPER_SPINS },
      stdout: false,
      stderr: false,
    });
  } catch {
    return null;
  }
  worker.unref();
  let alive = true;
  worker.on("error", () => {
    alive = false;
  });
  worker.on("exit", () => {
    alive = false;
  });
  let job = Atomics.load(I, SLOT.job);

  return {
    ready: () => alive && Atomics.load(I, SLOT.ready) === 1,
    run(j, runHere) {
      const chunkPanels = j.chunkPanels;
      const chunks = Math.ceil(j.panels / chunkPanels);
      if (chunks > MAX_CHUNKS) throw new Error(`gemm: ${chunks} panel chunks, more than the hand-off can count`);
      I[SLOT.chunks] = chunks; I[SLOT.chunkPanels] = chunkPanels; I[SLOT.panels] = j.panels;
      I[SLOT.rawB] = j.rawB; I[SLOT.packedBHelper] = j.packedBHelper; I[SLOT.rawPanelStep] = j.rawPanelStep; I[SLOT.rawKStep] = j.rawKStep;
      I[SLOT.itemStep] = j.itemStep; I[SLOT.a] = j.a; I[SLOT.aPanelStep] = j.aPanelStep; I[SLOT.aKStep] = j.aKStep;
      I[SLOT.b] = j.b; I[SLOT.bPanelStep] = j.bPanelStep; I[SLOT.bKStep] = j.bKStep; I[SLOT.c] = j.c; I[SLOT.ldc] = j.ldc;
      I[SLOT.mPanels] = j.mPanels; I[SLOT.k] = j.k; I[SLOT.cPanelBytes] = j.cPanelBytes;
      I[SLOT.scratchHelper] = j.scratchHelper;
      F[0] = j.alpha; F[1] = j.beta;
      job = (job + 1) | 0;
      const tag = (job & JOB_TAG_MASK) << 16;
      Atomics.store(I, SLOT.completed, 0);
      Atomics.store(I, SLOT.failed, 0);
      Atomics.store(I, SLOT.next, tag);
      Atomics.store(I, SLOT.job, job); // publishes everything above
      Atomics.notify(I, SLOT.job);

      let error: unknown;
      let mine = 0;
      for (;;) {
        const v = Atomics.add(I, SLOT.next, 1);
        const chunk = v & 0xffff;
        if (chunk >= chunks) break;
        try {
          runHere(j, chunk * chunkPanels, Math.min(chunkPanels, j.panels - chunk * chunkPanels));
        } catch (e) {
          error ??= e;
        }
        mine++;
        Atomics.add(I, SLOT.completed, 1);
      }
      // Claims past the end leave `next` above chunks, which ends the job for the helper too.
      let polls = 0;
      const started = Date.now();
      for (;;) {
        const done = Atomics.load(I, SLOT.completed);
        if (done >= chunks) break;
        if (++polls < CALLER_SPINS) continue;
        Atomics.wait(I, SLOT.completed, done, 10);
        if (!alive || Date.now() - started > CALLER_TIMEOUT_MS) {
          alive = false;
          throw new Error(`gemm: the helper thread stopped responding (${done} of ${chunks} panel chunks done, ${mine} here)`);
        }
      }
      if (error !== undefined) throw error;
      if (Atomics.load(I, SLOT.failed) !== 0) throw new Error("gemm: a panel chunk failed in the helper thread");
    },
    stop() {
      alive = false;
      void worker.terminate();
    },
  };
}
