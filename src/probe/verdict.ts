/**
 * Turning a run's numbers into a verdict, in a fixed order of precedence:
 * non-finite, saturated-softmax, exploding, vanishing, not-learning, bad-init,
 * ok. Pure functions; every threshold is a named constant with its reason.
 */
import type { FirstNonFinite, LayerTrace, ProbeVerdict, SaturatedIteration } from "./types.js";

/** -ln(FLT_MIN): SoftmaxWithLoss's loss for one sample whose true-class probability is clamped at FLT_MIN. */
export const SATURATED_SAMPLE_LOSS = -Math.log(1.1754943508222875e-38);
/** How close loss·N/(87.3365·w) must be to an integer k to count k saturated samples (float32 rounding of the sum). */
const SATURATION_TOLERANCE = 1e-3;
/** Growth of the gradient norm or of a layer's activations, first iteration to any later one, that counts as exploding. */
const EXPLODING_GROWTH = 1e4;
/** First weighted layer's gradient this many times smaller than the last one's counts as vanishing. */
const VANISHING_RATIO = 1e-7;
/** not-learning: the mean of the last losses is still at least this fraction of the median of the first ones. */
const NOT_LEARNING_FRACTION = 0.9;
const WINDOW = { first: 3, last: 5 };
/** A loss at or below this is zero: nothing is left to learn (not a failure to learn). */
const ZERO_LOSS = 1e-6;
/** bad-init: an initial loss above max(2·ln C, ln C + 3) for a C-class softmax. */
const BAD_INIT_FACTOR = 2;
const BAD_INIT_MARGIN = 3;

/** The integer k with loss = k/N · 87.3365 · w, when there is one (k ≥ 1). */
export function saturatedSamples(loss: number, n: number, lossWeight: number): number | undefined {
  if (!Number.isFinite(loss) || n <= 0 || lossWeight <= 0) return undefined;
  const k = (loss * n) / (SATURATED_SAMPLE_LOSS * lossWeight);
  const rounded = Math.round(k);
  return rounded >= 1 && rounded <= n && Math.abs(k - rounded) < SATURATION_TOLERANCE ? rounded : undefined;
}

export interface VerdictInput {
  losses: number[];
  firstNonFinite: FirstNonFinite | null;
  /** Gradient L2 norm per iteration. */
  gradNorms: number[];
  layers: LayerTrace[];
  /** Set for a net whose loss is one SoftmaxWithLoss without ignore_label: batch size, loss weight, classes. */
  softmax?: { n: number; lossWeight: number; classes?: number };
}

export interface Verdict {
  verdict: ProbeVerdict;
  saturated: SaturatedIteration[];
  evidence: string[];
}

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function growth(series: (number | null)[]): { factor: number; at: number } {
  const finite = series.map((v, i) => [v, i] as const).filter(([v]) => v !== null && Number.isFinite(v) && v > 0) as [number, number][];
  if (finite.length < 2) return { factor: 1, at: -1 };
  const base = finite[0]![0];
  let best = { factor: 1, at: -1 };
  for (const [v, i] of finite) if (v / base > best.factor) best = { factor: v / base, at: i };
  return best;
}

export function classify(input: VerdictInput): Verdict {
  const { losses } = input;
  const evidence: string[] = [];
  const saturated: SaturatedIteration[] = [];
  if (input.softmax) {
    losses.forEach((loss, iteration) => {
      const k = saturatedSamples(loss, input.softmax!.n, input.softmax!.lossWeight);
      if (k !== undefined) saturated.push({ iteration, k, n: input.softmax!.n, lossWeight: input.softmax!.lossWeight });
    });
  }
  const shown = losses.slice(0, 8).map(fmt).join(", ") + (losses.length > 8 ? ", ..." : "");
  if (saturated.length > 0) {
    const s = saturated[0]!;
    evidence.push(`loss ${fmt(losses[s.iteration]!)} at iteration ${s.iteration} = ${s.k}/${s.n} × 87.3365${s.lossWeight !== 1 ? ` × ${s.lossWeight}` : ""}: ${s.k} of ${s.n} samples have a saturated softmax (probability of the true class clamped at FLT_MIN)`);
  }

  const firstBad = losses.findIndex((l) => !Number.isFinite(l));
  if (firstBad >= 0 || input.firstNonFinite) {
    if (firstBad >= 0) evidence.unshift(`loss ${shown}: not finite from iteration ${firstBad}`);
    const f = input.firstNonFinite;
    if (f) {
      evidence.push(`first ${f.kind === "inf" ? "Inf" : "NaN"}: ${f.pass} pass of layer '${f.layer}', blob '${f.blob}', iteration ${f.iteration}` + (f.firstNan ? `; NaN follows in the ${f.firstNan.pass} pass of '${f.firstNan.layer}' at iteration ${f.firstNan.iteration}` : ""));
    }
    return { verdict: "non-finite", saturated, evidence };
  }
  const last = losses.length - 1;
  if (saturated.some((s) => s.iteration === last)) return { verdict: "saturated-softmax", saturated, evidence: [`loss ${shown}`, ...evidence] };

  const grad = growth(input.gradNorms);
  if (grad.factor >= EXPLODING_GROWTH) {
    evidence.push(`gradient norm grew ${grad.factor.toExponential(1)}x by iteration ${grad.at} (${fmt(input.gradNorms[0]!)} → ${fmt(input.gradNorms[grad.at]!)})`);
    return { verdict: "exploding", saturated, evidence };
  }
  for (const layer of input.layers) {
    const g = growth(layer.topData);
    if (g.factor >= EXPLODING_GROWTH) {
      evidence.push(`activations of '${layer.layer}' grew ${g.factor.toExponential(1)}x by iteration ${g.at}`);
      return { verdict: "exploding", saturated, evidence };
    }
  }

  const weighted = input.layers.filter((l) => l.paramDiff.some((v) => v !== null));
  if (weighted.length >= 3) {
    const mean = (xs: (number | null)[]) => {
      const f = xs.filter((v): v is number => v !== null && Number.isFinite(v));
      return f.length ? f.reduce((a, b) => a + b, 0) / f.length : 0;
    };
    const first = mean(weighted[0]!.paramDiff);
    const lastLayer = mean(weighted[weighted.length - 1]!.paramDiff);
    if (lastLayer > 0 && first <= lastLayer * VANISHING_RATIO) {
      evidence.push(`gradients vanish: mean |dW| of '${weighted[0]!.layer}' is ${fmt(first)} against ${fmt(lastLayer)} for '${weighted[weighted.length - 1]!.layer}'`);
      return { verdict: "vanishing", saturated, evidence };
    }
  }

  const lastLoss = losses[losses.length - 1];
  if (lastLoss !== undefined && lastLoss <= ZERO_LOSS && lastLoss >= 0) {
    evidence.push(`loss ${shown}: ${losses[0]! <= ZERO_LOSS ? "0 from the start: the net already fits these batches" : "down to 0"}, nothing left to learn`);
    return { verdict: "ok", saturated, evidence };
  }
  if (losses.length >= WINDOW.first + WINDOW.last) {
    const head = median(losses.slice(0, WINDOW.first));
    const tail = losses.slice(-WINDOW.last).reduce((a, b) => a + b, 0) / WINDOW.last;
    if (tail >= NOT_LEARNING_FRACTION * head) {
      const c = input.softmax?.classes;
      evidence.push(`loss ${shown}: the last ${WINDOW.last} average ${fmt(tail)}, not below ${NOT_LEARNING_FRACTION} × the first ${WINDOW.first}' median ${fmt(head)}` + (c ? ` (ln ${c} = ${fmt(Math.log(c))})` : ""));
      return { verdict: "not-learning", saturated, evidence };
    }
  }

  const classes = input.softmax?.classes;
  if (classes && classes > 1 && losses.length > 0) {
    const expected = Math.log(classes);
    if (losses[0]! > Math.max(BAD_INIT_FACTOR * expected, expected + BAD_INIT_MARGIN)) {
      evidence.push(`initial loss ${fmt(losses[0]!)} is far from ln ${classes} = ${fmt(expected)}, the loss of an untrained ${classes}-class softmax: the initial weights make confident wrong predictions`);
      return { verdict: "bad-init", saturated, evidence };
    }
  }
  evidence.push(`loss ${shown}: decreasing`);
  return { verdict: "ok", saturated, evidence };
}
