/**
 * Test-only generator of Caffe training logs: the glog lines `caffe train` writes (header with the
 * solver and net dumps, "Creating Layer"/"Top shape", display lines, train/test outputs, lr lines,
 * debug_info blocks, snapshots, restarts), driven by plain functions for the loss, the learning rate
 * and the per-layer magnitudes. Deterministic: the same spec always gives the same lines.
 */
import { seededRandom } from "../../src/engine/rng.js";

/** %.6g as C's printf (and C++ ostream's default precision) writes it; NaN as "-nan" or "nan". */
export function g6(v: number, nan = "nan"): string {
  if (Number.isNaN(v)) return nan;
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mant, expText] = v.toExponential(5).split("e") as [string, string];
  const x = Number(expText);
  if (x < -4 || x >= 6) {
    const m = mant.includes(".") ? mant.replace(/0+$/, "").replace(/\.$/, "") : mant;
    const ax = Math.abs(x);
    return `${m}e${x < 0 ? "-" : "+"}${ax < 10 ? "0" : ""}${ax}`;
  }
  const fixed = v.toFixed(Math.max(0, 5 - x));
  return fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
}

/** The engine's seeded generator (mulberry32), so fixtures are reproducible. */
export const rng = seededRandom;

export interface SynthLayer {
  name: string;
  type: string;
  bottoms: string[];
  tops: string[];
  topShapes: number[][];
  /** Number of learnable param blobs (0 for ReLU, Pooling...). */
  params: number;
  extra?: string[];
}

/** A LeNet-like chain: data, conv1, relu1 (in place), pool1, ip1, relu2, ip2 (C classes), SoftmaxWithLoss. */
export function chainNet(batch: number, classes: number, depth = 1): SynthLayer[] {
  const layers: SynthLayer[] = [
    { name: "data", type: "Data", bottoms: [], tops: ["data", "label"], topShapes: [[batch, 1, 28, 28], [batch]], params: 0, extra: ["data_param {", `  batch_size: ${batch}`, "}"] },
  ];
  let prev = "data";
  let hw = 28;
  for (let d = 1; d <= depth; d++) {
    hw -= 4;
    layers.push({ name: `conv${d}`, type: "Convolution", bottoms: [prev], tops: [`conv${d}`], topShapes: [[batch, 8, hw, hw]], params: 2, extra: ["convolution_param {", "  num_output: 8", "  kernel_size: 5", "}"] });
    layers.push({ name: `relu_c${d}`, type: "ReLU", bottoms: [`conv${d}`], tops: [`conv${d}`], topShapes: [[batch, 8, hw, hw]], params: 0 });
    prev = `conv${d}`;
  }
  layers.push({ name: "pool1", type: "Pooling", bottoms: [prev], tops: ["pool1"], topShapes: [[batch, 8, hw >> 1, hw >> 1]], params: 0 });
  layers.push({ name: "ip1", type: "InnerProduct", bottoms: ["pool1"], tops: ["ip1"], topShapes: [[batch, 32]], params: 2, extra: ["inner_product_param {", "  num_output: 32", "}"] });
  layers.push({ name: "relu2", type: "ReLU", bottoms: ["ip1"], tops: ["ip1"], topShapes: [[batch, 32]], params: 0 });
  layers.push({ name: "ip2", type: "InnerProduct", bottoms: ["ip1"], tops: ["ip2"], topShapes: [[batch, classes]], params: 2, extra: ["inner_product_param {", `  num_output: ${classes}`, "}"] });
  layers.push({ name: "loss", type: "SoftmaxWithLoss", bottoms: ["ip2", "label"], tops: ["loss"], topShapes: [[]], params: 0 });
  return layers;
}

export interface SynthSpec {
  name: string;
  seed?: number;
  layers: SynthLayer[];
  maxIter: number;
  display: number;
  iterSize?: number;
  lrPolicy?: string;
  /** Extra solver fields written into the solver dump. */
  solverExtra?: string[];
  /** Writes the solver and net dumps and "Creating Layer"/"Top shape" lines. */
  header?: boolean;
  /** Year in the glog prefix (newer glog: I20261129) or not (I1129). */
  glogYear?: boolean;
  /** Old display line: "Iteration N, loss = L" instead of "Iteration N (x iter/s, ...), loss = L". */
  oldDisplay?: boolean;
  /** How NaN prints: glibc writes "-nan" for the NaN that 0*inf or inf-inf give. */
  nanText?: string;
  loss: (it: number) => number;
  lr: (it: number) => number;
  /** Mean |x| of layer `layer`'s top data at `it`. */
  act?: (layerIndex: number, it: number) => number;
  /** Mean |x| of diffs (bottom and params) of layer `layer` at `it`. */
  grad?: (layerIndex: number, it: number) => number;
  debugInfo?: boolean;
  /** Older Caffe: debug_info for every iteration, not only displayed ones. */
  debugEveryIteration?: boolean;
  /** Older Caffe: "[Update]" lines after the lr line. */
  updateDebug?: boolean;
  testInterval?: number;
  /** Number of test nets. */
  testNets?: number;
  testOutputs?: (it: number, net: number) => { accuracy: number; loss: number };
  snapshot?: number;
  /** After iteration `after` (displayed), the run restarts from the snapshot at `resumeFrom`. */
  restart?: { after: number; resumeFrom: number };
  /** Cut the last line in its middle, without newline. */
  truncate?: boolean;
  /** Lines that are no Caffe messages (pycaffe prints, warnings): inserted every N iterations. */
  noiseEvery?: number;
}

/** Yields the log's lines (without newlines). The last line is cut when `spec.truncate`. */
export function* synthLogLines(spec: SynthSpec): Generator<string> {
  const rand = rng(spec.seed ?? 1);
  const pid = 4242;
  let micros = 0;
  const nanText = spec.nanText ?? "nan";
  const fmt = (v: number): string => g6(v, nanText);
  const prefix = (sev: string, src: string): string => {
    micros += 1731;
    const s = Math.floor(micros / 1e6);
    const us = String(micros % 1e6).padStart(6, "0");
    const hh = String(1 + Math.floor(s / 3600)).padStart(2, "0");
    const mm = String(Math.floor(s / 60) % 60).padStart(2, "0");
    const ss = String(s % 60).padStart(2, "0");
    return `${sev}${spec.glogYear ? "2026" : ""}1129 ${hh}:${mm}:${ss}.${us} ${pid} ${src}] `;
  };
  const I = (src: string, msg: string): string => prefix("I", src) + msg;
  const layers = spec.layers;
  const iterSize = spec.iterSize ?? 1;
  const act = spec.act ?? ((l: number) => 0.5 + 0.1 * l * rand());
  const grad = spec.grad ?? ((l: number, it: number) => 1e-3 * (1 + l) * (1 + 0.2 * rand()) / (1 + 0.01 * it));

  function* header(): Generator<string> {
    yield I("caffe.cpp:197", "Use CPU.");
    yield I("solver.cpp:45", "Initializing solver from parameters: ");
    yield "test_iter: 10";
    if (spec.testInterval) yield `test_interval: ${spec.testInterval}`;
    yield "base_lr: 0.01";
    yield `display: ${spec.display}`;
    yield `max_iter: ${spec.maxIter}`;
    yield `lr_policy: "${spec.lrPolicy ?? "fixed"}"`;
    yield "momentum: 0.9";
    if (iterSize > 1) yield `iter_size: ${iterSize}`;
    if (spec.debugInfo) yield "debug_info: true";
    for (const l of spec.solverExtra ?? []) yield l;
    yield 'net: "train_val.prototxt"';
    yield "train_state {";
    yield "  level: 0";
    yield '  stage: ""';
    yield "}";
    yield I("solver.cpp:102", "Creating training net from net file: train_val.prototxt");
    yield* netHeader("TRAIN");
    for (let t = 0; t < (spec.testNets ?? 0); t++) {
      yield I("solver.cpp:190", `Creating test net (#${t}) specified by net file: train_val.prototxt`);
      yield* netHeader("TEST");
    }
    yield I("solver.cpp:57", "Solver scaffolding done.");
  }

  function* netHeader(phase: string): Generator<string> {
    yield I("net.cpp:53", "Initializing net from parameters: ");
    yield `name: "${spec.name}"`;
    yield "state {";
    yield `  phase: ${phase}`;
    yield "}";
    for (const l of layers) {
      yield "layer {";
      yield `  name: "${l.name}"`;
      yield `  type: "${l.type}"`;
      for (const b of l.bottoms) yield `  bottom: "${b}"`;
      for (const t of l.tops) yield `  top: "${t}"`;
      for (const e of l.extra ?? []) yield `  ${e}`;
      yield "}";
    }
    for (const l of layers) {
      yield I("layer_factory.hpp:77", `Creating layer ${l.name}`);
      yield I("net.cpp:86", `Creating Layer ${l.name}`);
      for (const b of l.bottoms) yield I("net.cpp:408", `${l.name} <- ${b}`);
      for (const t of l.tops) yield l.bottoms.includes(t) ? I("net.cpp:369", `${l.name} -> ${t} (in-place)`) : I("net.cpp:382", `${l.name} -> ${t}`);
      yield I("net.cpp:124", `Setting up ${l.name}`);
      for (const sh of l.topShapes) {
        const count = sh.reduce((a, b) => a * b, 1);
        yield I("net.cpp:131", `Top shape: ${sh.length ? sh.join(" ") + " " : ""}(${count})`);
      }
      if (l.type === "SoftmaxWithLoss") yield I("net.cpp:134", "    with loss weight 1");
      yield I("net.cpp:139", "Memory required for data: 123456");
    }
    yield I("net.cpp:244", "This network produces output loss");
    yield I("net.cpp:257", "Network initialization done.");
  }

  function* debugPass(it: number, test: boolean): Generator<string> {
    for (let li = 0; li < layers.length; li++) {
      const l = layers[li]!;
      for (const t of l.tops) yield I("net.cpp:593", `    [Forward] Layer ${l.name}, top blob ${t} data: ${fmt(l.type === "SoftmaxWithLoss" ? spec.loss(it) : act(li, it))}`);
      for (let p = 0; p < l.params; p++) yield I("net.cpp:605", `    [Forward] Layer ${l.name}, param blob ${p} data: ${fmt(0.05 * (li + 1) * (p ? 0.1 : 1))}`);
    }
    if (test) return;
    for (let li = layers.length - 1; li >= 1; li--) {
      const l = layers[li]!;
      const g = grad(li, it);
      const b = l.bottoms[0]!;
      if (li > 1 || l.type !== "Convolution") yield I("net.cpp:621", `    [Backward] Layer ${l.name}, bottom blob ${b} diff: ${fmt(g * 0.5)}`);
      for (let p = 0; p < l.params; p++) yield I("net.cpp:632", `    [Backward] Layer ${l.name}, param blob ${p} diff: ${fmt(g * (p ? 2 : 1))}`);
    }
    const g0 = grad(1, it);
    yield prefix("E", "net.cpp:721") + `    [Backward] All net params (data, diff): L1 norm = (${fmt(123.4)}, ${fmt(g0 * 1000)}); L2 norm = (${fmt(4.5)}, ${fmt(g0 * 10)})`;
  }

  function* testPhase(it: number): Generator<string> {
    for (let t = 0; t < (spec.testNets ?? 0); t++) {
      yield I("solver.cpp:347", `Iteration ${it}, Testing net (#${t})`);
      if (spec.debugInfo) yield* debugPass(it, true);
      const o = spec.testOutputs ? spec.testOutputs(it, t) : { accuracy: 0.1, loss: 2.3 };
      yield I("solver.cpp:414", `    Test net output #0: accuracy = ${fmt(o.accuracy)}`);
      yield I("solver.cpp:414", `    Test net output #1: loss = ${fmt(o.loss)} (* 1 = ${fmt(o.loss)} loss)`);
    }
  }

  function* iterations(from: number, to: number): Generator<string> {
    for (let it = from; it < to; it++) {
      if (spec.testInterval && it % spec.testInterval === 0 && (spec.testNets ?? 0) > 0) yield* testPhase(it);
      const display = it % spec.display === 0;
      if (spec.debugInfo && (display || spec.debugEveryIteration)) for (let k = 0; k < iterSize; k++) yield* debugPass(it, false);
      if (display) {
        const l = spec.loss(it);
        yield spec.oldDisplay ? I("solver.cpp:209", `Iteration ${it}, loss = ${fmt(l)}`) : I("solver.cpp:239", `Iteration ${it} (${g6(50 + rand())} iter/s, ${g6(spec.display * 0.02)}s/${spec.display} iters), loss = ${fmt(l)}`);
        yield I("solver.cpp:258", `    Train net output #0: loss = ${fmt(l)} (* 1 = ${fmt(l)} loss)`);
        yield I("sgd_solver.cpp:112", `Iteration ${it}, lr = ${fmt(spec.lr(it))}`);
        if (spec.updateDebug) {
          for (const l2 of layers) for (let p = 0; p < l2.params; p++) yield I("net.cpp:748", `    [Update] Layer ${l2.name}, param ${p} data: ${fmt(0.05)}; diff: ${fmt(1e-4)}`);
        }
      }
      if (spec.noiseEvery && it % spec.noiseEvery === 0) {
        yield "WARNING: Logging before InitGoogleLogging() is written to STDERR";
        yield I("data_layer.cpp:73", "Restarting data prefetching from start.");
      }
      if (spec.snapshot && (it + 1) % spec.snapshot === 0) {
        yield I("solver.cpp:464", `Snapshotting to binary proto file snap_iter_${it + 1}.caffemodel`);
        yield I("sgd_solver.cpp:284", `Snapshotting solver state to binary proto file snap_iter_${it + 1}.solverstate`);
      }
    }
  }

  if (spec.header) yield* header();
  yield I("caffe.cpp:239", "Starting Optimization");
  yield I("solver.cpp:289", `Solving ${spec.name}`);
  yield I("solver.cpp:290", `Learning Rate Policy: ${spec.lrPolicy ?? "fixed"}`);
  if (spec.restart) {
    yield* iterations(0, spec.restart.after + 1);
    yield I("caffe.cpp:218", "Resuming from snap_iter_" + spec.restart.resumeFrom + ".solverstate");
    if (spec.header) yield* header();
    yield I("caffe.cpp:239", "Starting Optimization");
    yield I("solver.cpp:289", `Solving ${spec.name}`);
    yield I("solver.cpp:290", `Learning Rate Policy: ${spec.lrPolicy ?? "fixed"}`);
    yield I("solver.cpp:296", `Restoring previous solver status from snap_iter_${spec.restart.resumeFrom}.solverstate`);
    yield* iterations(spec.restart.resumeFrom, spec.maxIter);
  } else {
    yield* iterations(0, spec.maxIter);
  }
  if (spec.maxIter % spec.display === 0) {
    yield I("solver.cpp:327", `Iteration ${spec.maxIter}, loss = ${fmt(spec.loss(spec.maxIter))}`);
  }
  if (spec.testInterval && spec.maxIter % spec.testInterval === 0) yield* testPhase(spec.maxIter);
  const last = I("solver.cpp:332", "Optimization Done.");
  yield spec.truncate ? last.slice(0, 20) : last;
}

/** The whole log as text, lines joined by `eol`, ending with `eol` unless truncated. */
export function synthLogText(spec: SynthSpec, eol = "\n"): string {
  const lines = [...synthLogLines(spec)];
  return lines.join(eol) + (spec.truncate ? "" : eol);
}
