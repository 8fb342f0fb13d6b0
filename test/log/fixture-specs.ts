/**
 * The example logs under fixtures/logs: one per verdict, and one with every format quirk. Each is
 * written by `synthLogText` from the spec here; fixtures.test.ts checks the committed files still match
 * (set UPDATE_LOG_FIXTURES=1 to rewrite them).
 */
import { chainNet, rng, type SynthSpec } from "./synth-log.js";

/** -ln(FLT_MIN), written out here independently of the code under test. */
const SATURATED = 87.33654475055310898657;
const LN10 = Math.log(10);

function noise(seed: number, amplitude: number): (it: number) => number {
  const r = rng(seed);
  const cache = new Map<number, number>();
  return (it) => {
    let v = cache.get(it);
    if (v === undefined) cache.set(it, (v = (r() - 0.5) * 2 * amplitude));
    return v;
  };
}

const n1 = noise(11, 0.03);
const n2 = noise(12, 0.01);
const n3 = noise(13, 0.05);

export interface FixtureSpec {
  file: string;
  spec: SynthSpec;
  eol?: string;
}

export const LOG_FIXTURES: FixtureSpec[] = [
  {
    file: "ok.log",
    spec: {
      name: "ok", layers: chainNet(64, 10), maxIter: 200, display: 10, header: true, glogYear: true,
      testInterval: 100, testNets: 1, testOutputs: (it) => ({ accuracy: Math.min(0.99, 0.1 + it / 220), loss: 2.3 * Math.exp(-it / 45) + 0.06 }),
      loss: (it) => 2.3 * Math.exp(-it / 40) + 0.05 + n1(it) * Math.exp(-it / 80), lr: () => 0.01,
    },
  },
  {
    // Magnitudes grow tenfold per iteration; ip2's mean |x| overflows float32 at 8, NaN at 9.
    file: "non-finite-debug.log",
    spec: {
      name: "nonfinite", layers: chainNet(64, 10), maxIter: 12, display: 1, header: true, debugInfo: true, nanText: "-nan",
      loss: (it) => (it >= 9 ? NaN : 2.3 + it * 0.5),
      lr: () => 0.01,
      act: (li, it) => (it >= 9 && li >= 2 ? (li >= 6 ? NaN : Infinity) : it === 8 && li === 6 ? Infinity : 0.5 * 10 ** it),
      grad: (li, it) => (it >= 9 ? NaN : 1e-3 * 10 ** it * (1 + li * 0.1)),
    },
  },
  {
    // From iteration 40 on, k of 64 samples sit at -ln(FLT_MIN) each.
    file: "saturated-softmax.log",
    spec: {
      name: "saturated", layers: chainNet(64, 10), maxIter: 100, display: 5, header: true,
      loss: (it) => (it < 40 ? 2.3 - it * 0.01 : ((30 + (it % 7)) / 64) * SATURATED), lr: () => 0.01,
    },
  },
  {
    // No header: the batch size is unknown; the loss is pinned at 87.3365 (every sample saturated).
    file: "saturated-pinned-noheader.log",
    spec: { name: "pinned", layers: chainNet(32, 10), maxIter: 60, display: 2, loss: (it) => (it < 20 ? 2.3 : SATURATED), lr: () => 0.1 },
  },
  {
    // conv1's gradient grows 10^0.08 per iteration (six orders over the run), the others slowly.
    file: "exploding-debug.log",
    spec: {
      name: "exploding", layers: chainNet(64, 10), maxIter: 80, display: 10, header: true, debugInfo: true,
      loss: (it) => 2.3 + it * 0.01, lr: () => 0.05,
      grad: (li, it) => 1e-3 * 10 ** (it * (li === 1 ? 0.08 : 0.01)),
    },
  },
  {
    // Three conv layers; conv1's gradient is 1e-12 while ip2's is 1e-3.
    file: "vanishing-debug.log",
    spec: {
      name: "vanishing", layers: chainNet(64, 10, 3), maxIter: 60, display: 10, header: true, debugInfo: true,
      loss: (it) => 2.3 - it * 0.005, lr: () => 0.01,
      grad: (li) => (li === 1 ? 1e-12 : li <= 5 ? 1e-9 : 1e-3),
    },
  },
  {
    file: "not-learning.log",
    spec: { name: "stuck", layers: chainNet(64, 10), maxIter: 300, display: 20, header: true, loss: (it) => LN10 + n2(it), lr: () => 1e-7 },
  },
  {
    // step policy with gamma 0: lr drops to 0 at iteration 50.
    file: "lr-schedule.log",
    spec: {
      name: "lrzero", layers: chainNet(64, 10), maxIter: 100, display: 10, header: true, lrPolicy: "step", solverExtra: ["gamma: 0", "stepsize: 50"],
      loss: (it) => (it < 50 ? 2.3 - it * 0.03 : 0.8 + n2(it)), lr: (it) => (it < 50 ? 0.01 : 0),
    },
  },
  {
    // poly without max_iter's effect: lr prints -nan from the start and the weights follow.
    file: "lr-nan.log",
    spec: {
      name: "lrnan", layers: chainNet(64, 10), maxIter: 10, display: 1, header: true, lrPolicy: "poly", nanText: "-nan",
      loss: (it) => (it === 0 ? 2.3 : NaN), lr: () => NaN,
    },
  },
  {
    file: "oscillating.log",
    spec: {
      name: "osc", layers: chainNet(64, 10), maxIter: 400, display: 10, header: true,
      loss: (it) => (it < 30 ? 2.3 : 1.6 + (Math.floor(it / 10) % 2 ? 0.9 : -0.9) + n3(it)), lr: () => 0.5,
    },
  },
  {
    // Every format quirk at once: no year in the glog prefix, old "Iteration N, loss =" lines, -nan,
    // CRLF, two test nets, snapshots, a restart from a snapshot, iter_size 2 with debug_info printed every
    // iteration and [Update] lines (older Caffe), foreign lines, and a last line cut in the middle.
    file: "quirks.log",
    eol: "\r\n",
    spec: {
      name: "quirks", layers: chainNet(16, 5), maxIter: 20, display: 5, iterSize: 2, header: true, oldDisplay: true, nanText: "-nan",
      debugInfo: true, debugEveryIteration: true, updateDebug: true, testInterval: 10, testNets: 2, snapshot: 5,
      restart: { after: 15, resumeFrom: 10 }, truncate: true, noiseEvery: 7,
      loss: (it) => 1.6 * Math.exp(-it / 50) + 0.1, lr: (it) => 0.01 * 0.5 ** Math.floor(it / 10),
      testOutputs: (it, net) => ({ accuracy: net === 0 ? 0.5 + it / 400 : NaN, loss: 1.2 }),
    },
  },
];
