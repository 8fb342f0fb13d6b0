/**
 * One instrumented training run on the engine: build the TRAIN net at the
 * probe's batch size, start from given (or freshly filled) weights, run the
 * solver for a few iterations while recording what Caffe's debug_info would
 * print, and classify the outcome.
 */
import { absMean, blobStats } from "../engine/stats.js";
import { buildNet, forward, type Net } from "../engine/net.js";
import { seededRandom } from "../engine/rng.js";
import { createSolver, readSolverSettings } from "../engine/solvers/index.js";
import { trainSteps } from "../engine/train.js";
import type { Blob, LayerContext, MeanImage, RecordSource } from "../engine/types.js";
import type { PlainMessage } from "../schema/types.js";
import type { FirstNonFinite, LayerTrace, Pass, ProbeRun } from "./types.js";
import { classify, type VerdictInput } from "./verdict.js";

export interface RunInput {
  /** NetParameter holding only the layers of the TRAIN phase. */
  net: PlainMessage;
  /** SolverParameter (only the update settings are used). */
  solver: PlainMessage;
  iterations: number;
  seed: number;
  label: string;
  records?: (layer: PlainMessage) => RecordSource | undefined;
  meanImage?: (path: string) => MeanImage | undefined;
  syntheticShape?: (layer: PlainMessage) => { channels: number; height: number; width: number; labels?: number } | undefined;
  /** Values of the Input layers' tops, written before each forward pass. */
  inputValues?: (layer: PlainMessage, topIndex: number, top: Blob) => void;
  /** Parameter values to start from, by layer name (from a .caffemodel or an earlier run). */
  initial?: Map<string, Float32Array[]>;
  softmax?: VerdictInput["softmax"];
  /** Called after each iteration with its loss. */
  onIteration?: (iteration: number, loss: number) => void;
}

export interface RunOutput {
  run: ProbeRun;
  traces: LayerTrace[];
  /** The parameters the run started from, by layer name (to re-run a fix from the same point). */
  initial: Map<string, Float32Array[]>;
  /**
   * The parameters after the last iteration (BatchNorm statistics included): the run's own arrays,
   * not copies (the run's net is not used again; a copy of fresh memory costs ~5 ms per MB here).
   */
  final: Map<string, Float32Array[]>;
}

/** Stored weights that do not fit the net (Caffe refuses them when copying trained layers). */
export class WeightsMismatchError extends Error {
  override name = "WeightsMismatchError";
}

/**
 * Copies parameter values into a built net by layer name, like Caffe's
 * CopyTrainedLayersFrom: layers the values do not name keep their fillers; a
 * named layer whose blobs differ in number or size is an error naming it.
 */
export function copyParams(net: Net, values: Map<string, Float32Array[]>): void {
  for (const layer of net.layers) {
    const stored = values.get(layer.name);
    if (!stored) continue;
    const params = layer.instance.params;
    if (stored.length !== params.length) {
      throw new WeightsMismatchError(`the weights give layer '${layer.name}' ${stored.length} blobs, but the net's ${layer.type} layer has ${params.length}`);
    }
    params.forEach((p, i) => {
      const v = stored[i]!;
      if (v.length !== p.data.length) {
        throw new WeightsMismatchError(`the weights give layer '${layer.name}' blob ${i} ${v.length} values, but the net expects [${p.shape.join(", ")}] (${p.data.length} values)`);
      }
      p.data.set(v);
    });
  }
}

/** Copies of the net's parameter values by layer name. */
export function snapshotParams(net: Net): Map<string, Float32Array[]> {
  return new Map([...paramsOf(net)].map(([name, values]) => [name, values.map((v) => v.slice())]));
}

/** The net's parameter arrays by layer name (the live arrays, not copies). */
function paramsOf(net: Net): Map<string, Float32Array[]> {
  return new Map(net.layers.filter((l) => l.instance.params.length > 0).map((l) => [l.name, l.instance.params.map((p) => p.data)]));
}


export function runProbeOnce(input: RunInput): RunOutput {
  const started = performance.now();
  const random = seededRandom(input.seed);
  const ctx: LayerContext = {
    phase: "TRAIN",
    random,
    ...(input.records ? { recordSource: input.records } : {}),
    ...(input.meanImage ? { meanImage: input.meanImage } : {}),
    ...(input.syntheticShape ? { syntheticRecordShape: input.syntheticShape } : {}),
    ...(input.inputValues ? { inputValues: input.inputValues } : {}),
  };
  const net = buildNet(input.net, ctx);
  if (input.initial) copyParams(net, input.initial);
  // Given values that cover every layer with params are the run's starting point as they are (the
  // run does not change them); otherwise some layers kept their fillers, and the snapshot records them.
  const given = input.initial;
  const initial = given && net.layers.every((l) => l.instance.params.length === 0 || given.has(l.name)) ? given : snapshotParams(net);
  const solver = createSolver(readSolverSettings(input.solver), net);

  const traces = new Map<string, LayerTrace>(net.layers.map((l) => [l.name, { layer: l.name, type: l.type, topData: [], bottomDiff: [], paramDiff: [] }]));
  let iteration = 0;
  let firstInf: { iteration: number; layer: string; blob: string; pass: Pass; seq: number } | undefined;
  let firstNan: typeof firstInf;
  let seq = 0;
  // One pass per blob gives both the mean |x| and the non-finite counts. Within one blob both may
  // appear at once; Inf is noted first, as overflow is what produces the NaN.
  const check = (arr: Float32Array, layer: string, blob: string, pass: Pass): number => {
    const found = absMean(arr);
    if (found.inf > 0 && !firstInf) firstInf = { iteration, layer, blob, pass, seq: seq++ };
    if (found.nan > 0 && !firstNan) firstNan = { iteration, layer, blob, pass, seq: seq++ };
    return found.meanAbs;
  };
  const gradNorms: number[] = [];
  const results = trainSteps(net, solver, {
    iterations: input.iterations,
    stopOnNonFinite: true,
    onLayer(layerName, pass, blobs, layer) {
      const trace = traces.get(layerName)!;
      if (pass === "forward") {
        blobs.tops.forEach((t, i) => {
          const m = check(t.blob.data, layerName, t.name, pass);
          if (i === 0) trace.topData[iteration] = m;
        });
      } else if (pass === "backward") {
        trace.bottomDiff[iteration] = null;
        trace.paramDiff[iteration] = null;
        blobs.bottoms.forEach((b, i) => {
          const m = check(b.blob.diff, layerName, `${b.name} (diff)`, pass);
          if (i === 0) trace.bottomDiff[iteration] = m;
        });
        blobs.params.forEach((p, i) => {
          const m = check(p.diff, layerName, `param ${i} (diff)`, pass);
          if (i === 0) trace.paramDiff[iteration] = m;
        });
      } else {
        blobs.params.forEach((p, i) => {
          const w = check(p.data, layerName, `param ${i}`, pass);
          // After the update, diff holds the step taken: the update ratio of the first blob.
          if (i === 0 && layer.paramNeedBackward[0] && w > 0) {
            const step = absMean(p.diff).meanAbs;
            if (Number.isFinite(step)) trace.maxUpdateRatio = Math.max(trace.maxUpdateRatio ?? 0, step / w);
          }
        });
      }
    },
    afterUpdate(result) {
      gradNorms.push(result.gradL2);
      input.onIteration?.(iteration, result.loss);
      iteration++;
    },
  });

  const rawLosses = results.map((r) => r.loss);
  let firstNonFinite: FirstNonFinite | null = null;
  const strip = ({ seq: _seq, ...at }: NonNullable<typeof firstInf>) => at;
  if (firstInf && (!firstNan || firstInf.seq < firstNan.seq)) firstNonFinite = { ...strip(firstInf), kind: "inf", ...(firstNan ? { firstNan: strip(firstNan) } : {}) };
  else if (firstNan) firstNonFinite = { ...strip(firstNan), kind: "nan" };
  const layerTraces = [...traces.values()];
  const verdict = classify({ losses: rawLosses, firstNonFinite, gradNorms, layers: layerTraces, ...(input.softmax ? { softmax: input.softmax } : {}) });
  return {
    run: {
      label: input.label,
      verdict: verdict.verdict,
      losses: rawLosses.map((l) => (Number.isFinite(l) ? l : null)),
      rawLosses,
      iterations: results.length,
      firstNonFinite,
      saturated: verdict.saturated,
      evidence: verdict.evidence,
      seconds: (performance.now() - started) / 1000,
    },
    traces: layerTraces,
    initial,
    final: paramsOf(net),
  };
}


/**
 * Mean |top| of every BatchNorm layer on one batch, with the net built in
 * `phase` from `params` (TEST uses the stored statistics unless the layer says
 * otherwise; TRAIN the batch's). The first batch of the data is used.
 */
export function batchNormOutputs(input: Omit<RunInput, "iterations" | "label" | "solver" | "softmax">, params: Map<string, Float32Array[]>, phase: "TRAIN" | "TEST"): Map<string, number> {
  const ctx: LayerContext = {
    phase,
    random: seededRandom(input.seed),
    ...(input.records ? { recordSource: input.records } : {}),
    ...(input.meanImage ? { meanImage: input.meanImage } : {}),
    ...(input.syntheticShape ? { syntheticRecordShape: input.syntheticShape } : {}),
    ...(input.inputValues ? { inputValues: input.inputValues } : {}),
  };
  const net = buildNet(input.net, ctx);
  copyParams(net, params);
  const out = new Map<string, number>();
  forward(net, (layerName, pass, blobs, layer) => {
    if (pass === "forward" && layer.type === "BatchNorm" && blobs.tops[0]) out.set(layerName, blobStats(blobs.tops[0].blob.data).meanAbs);
  });
  return out;
}
