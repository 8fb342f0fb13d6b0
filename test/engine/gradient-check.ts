/**
 * A finite-difference gradient checker in the manner of Caffe's GradientChecker,
 * plus small helpers for layer tests.
 *
 * The objective is f = Σ_t Σ_i w_ti top_t[i] with fixed random weights w (so
 * the analytic gradient comes from one backward pass with top diffs = w).
 * For every element of every checked bottom and parameter blob, the element is
 * moved by ±step in its float32 storage, f is recomputed in float64 and the
 * central difference (f+ - f-) / (x+ - x-) is compared with the analytic
 * gradient: |analytic - numeric| <= threshold * max(|analytic|, |numeric|, 1).
 * Elements for which `skip` says true (kinks such as ReLU at 0, ties in MAX)
 * are not compared. The layer's randomness is replayed identically for every
 * forward pass (so a Dropout mask stays fixed).
 */
import type { Blob, LayerContext, LayerDefinition, LayerInstance, LayerParameter } from "../../src/engine/types.js";
import { makeBlob } from "../../src/engine/blob.js";
import { seededRandom } from "../../src/engine/rng.js";

export interface GradientCheckOptions {
  step?: number;
  threshold?: number;
  seed?: number;
  phase?: "TRAIN" | "TEST";
  /** Bottom indexes to check (default: all). Unchecked bottoms get propagateDown false. */
  bottoms?: number[];
  /** Whether to check parameter gradients (default true). */
  params?: boolean;
  /** Only weight these tops in the objective (default: all). */
  tops?: number[];
  /** Skip element `index` of the checked blob (`kind` "bottom" or "param", number `blob`) at value `value`. */
  skip?: (kind: "bottom" | "param", blob: number, index: number, value: number) => boolean;
  /** Extra context members (recordSource, ...). */
  context?: Partial<LayerContext>;
}

export interface GradientCheckResult {
  checked: number;
  failures: string[];
  layer: LayerInstance;
  tops: Blob[];
}

/** A context whose random stream restarts at `seed` whenever `rewind` is called. */
export function replayableContext(phase: "TRAIN" | "TEST", seed: number, extra?: Partial<LayerContext>): LayerContext & { rewind(): void } {
  let random = seededRandom(seed);
  return {
    phase,
    random: () => random(),
    rewind() { random = seededRandom(seed); },
    ...extra,
  };
}

/** A blob with uniform values in [lo, hi) from `random`. */
export function randomBlob(shape: number[], random: () => number, lo = -1, hi = 1): Blob {
  const b = makeBlob(shape);
  for (let i = 0; i < b.data.length; i++) b.data[i] = lo + (hi - lo) * random();
  return b;
}

/** A blob of distinct values spaced `gap` apart, in random order, centred on 0 (no ties for MAX). */
export function distinctBlob(shape: number[], random: () => number, gap = 0.05): Blob {
  const b = makeBlob(shape);
  const n = b.data.length;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (let i = 0; i < n; i++) b.data[i] = (order[i]! - n / 2) * gap;
  return b;
}

/** A blob holding the given values. */
export function blobOf(shape: number[], values: number[]): Blob {
  const b = makeBlob(shape);
  if (values.length !== b.data.length) throw new Error(`blobOf: ${values.length} values for shape [${shape.join(", ")}]`);
  b.data.set(values);
  return b;
}

/**
 * Layer parameters as tests write them: object literals (typed loosely so
 * nested literals need no casts); they must be valid plain messages.
 */
export type TestLayerParameter = object;

/** Create, reshape and run one forward pass; returns the layer and its tops. */
export function runForward(
  def: LayerDefinition, param: TestLayerParameter, bottoms: Blob[], ctx: LayerContext, topCount = 1,
): { layer: LayerInstance; tops: Blob[] } {
  const layer = def.create(param as LayerParameter, bottoms, ctx);
  const tops = Array.from({ length: topCount }, () => makeBlob([]));
  layer.reshape(bottoms, tops);
  layer.forward(bottoms, tops);
  return { layer, tops };
}

/** Check `def` with `param` on `bottoms` (their data is restored afterwards). */
export function checkGradients(
  def: LayerDefinition, param: TestLayerParameter, bottoms: Blob[], topCount: number, options: GradientCheckOptions = {},
): GradientCheckResult {
  const step = options.step ?? 1e-2;
  const threshold = options.threshold ?? 1e-2;
  const seed = options.seed ?? 1701;
  const ctx = replayableContext(options.phase ?? "TRAIN", seed, options.context);
  const layer = def.create(param as LayerParameter, bottoms, ctx);
  const tops = Array.from({ length: topCount }, () => makeBlob([]));
  layer.reshape(bottoms, tops);
  const weightRandom = seededRandom(seed + 1);
  const weighted = options.tops ?? tops.map((_, i) => i);
  const weights = tops.map((t, i) =>
    weighted.includes(i) ? Float64Array.from(t.data, () => 2 * weightRandom() - 1) : new Float64Array(t.data.length));

  const objective = (): number => {
    ctx.rewind();
    layer.forward(bottoms, tops);
    let f = 0;
    tops.forEach((t, k) => { for (let i = 0; i < t.data.length; i++) f += weights[k]![i]! * t.data[i]!; });
    return f;
  };

  const checkedBottoms = options.bottoms ?? bottoms.map((_, i) => i);
  const propagate = bottoms.map((_, i) => checkedBottoms.includes(i));
  objective();
  tops.forEach((t, k) => { for (let i = 0; i < t.diff.length; i++) t.diff[i] = weights[k]![i]!; });
  for (const b of bottoms) b.diff.fill(0);
  for (const p of layer.params) p.diff.fill(0);
  layer.backward(tops, propagate, bottoms);
  const analytic = {
    bottom: bottoms.map((b) => Float64Array.from(b.diff)),
    param: layer.params.map((p) => Float64Array.from(p.diff)),
  };

  const failures: string[] = [];
  let checked = 0;
  const checkBlob = (kind: "bottom" | "param", index: number, blob: Blob, grad: Float64Array): void => {
    for (let i = 0; i < blob.data.length; i++) {
      const x = blob.data[i]!;
      if (options.skip?.(kind, index, i, x)) continue;
      blob.data[i] = x + step;
      const up = blob.data[i]!;
      const fUp = objective();
      blob.data[i] = x - step;
      const down = blob.data[i]!;
      const fDown = objective();
      blob.data[i] = x;
      const numeric = (fUp - fDown) / (up - down);
      const a = grad[i]!;
      const scale = Math.max(Math.abs(a), Math.abs(numeric), 1);
      checked++;
      if (!(Math.abs(a - numeric) <= threshold * scale)) {
        failures.push(`${kind} ${index}[${i}] at ${x}: analytic ${a}, numeric ${numeric}`);
      }
    }
  };
  for (const i of checkedBottoms) checkBlob("bottom", i, bottoms[i]!, analytic.bottom[i]!);
  if (options.params ?? true) layer.params.forEach((p, i) => checkBlob("param", i, p, analytic.param[i]!));
  objective();
  return { checked, failures, layer, tops };
}
