/**
 * Diagnosis of a parsed Caffe training log: pure functions from the parse to verdicts.
 *
 * Verdicts, most severe first: non-finite, lr-schedule, saturated-softmax, exploding, vanishing,
 * not-learning, oscillating; `ok` when none applies. Several can apply at once (a softmax usually
 * saturates before the loss turns NaN); the list is ordered so that the first is the main diagnosis.
 */
import type { DebugBlock, DebugEntry, HeaderLayer, HeaderNet, LayerMagnitudeSummary, LogVerdict, ParsedLog } from "./types.js";

/** -ln(FLT_MIN): SoftmaxWithLoss clamps prob at FLT_MIN, so one saturated sample costs exactly this. */
export const SATURATED_SAMPLE_LOSS = -Math.log(1.1754943508222875e-38);
/**
 * |loss*N/87.3365 - k| must be below this for "k of N samples saturated" when N is known. It is the
 * tolerance of the reference labels, and covers the 6 significant digits Caffe prints (relative error
 * <= 5e-6, i.e. < 5e-4 on k*N/N for k <= 100) plus float32 drift of the smoothed loss.
 */
export const SATURATION_K_TOL = 1e-3;
/** Relative print error of a %.6g number (half a unit of the 6th digit, worst case): widens the tolerance for large k. */
export const PRINTED_REL_ERR = 5e-6;
/**
 * Without a known batch size every N up to this is tried; with that many candidates a random loss
 * matches some N by chance, so the unknown-N search needs a tighter tolerance and corroboration.
 */
export const MAX_GUESSED_BATCH = 1024;
/** Tolerance on k for a guessed N: ten times tighter than with a known N. */
export const SATURATION_K_TOL_GUESSED = 1e-4;
/** A guessed N must explain at least this many saturated iterations (a chance match rarely repeats). */
export const MIN_SATURATED_HITS_GUESSED = 3;
/** Reference rule for not-learning: mean of the last losses >= this fraction of the median of the first ones. */
export const NOT_LEARNING_RATIO = 0.9;
/** How many first / last displayed losses the not-learning rule compares. */
export const NOT_LEARNING_FIRST = 3;
export const NOT_LEARNING_LAST = 5;
/** Loss "flat at ln(C)": mean of the last losses within this relative distance of ln(C) (chance level). */
export const CHANCE_LOSS_REL_TOL = 0.05;
/**
 * Exploding: a diff magnitude grows by this many orders of magnitude over the log. Healthy training
 * changes gradient magnitudes by one or two orders; four means runaway growth.
 */
export const EXPLODING_ORDERS = 4;
/**
 * ...and the peak mean |diff| must exceed this: growth from a tiny start (a zero-initialised layer whose
 * diff is 1e-9 at first) to ordinary sizes is not an explosion. Healthy nets with normalised losses keep
 * mean |diff| well below 1.
 */
export const EXPLODING_MIN_PEAK = 1;
/** Exploding also when a diff's mean |x| exceeds this absolute value (float32 is near overflow at 1e38). */
export const EXPLODING_ABS_DIFF = 1e8;
/**
 * Vanishing: the earliest learnable layer's param diff is below this fraction of the last layer's,
 * at the last debug iteration. Plain deep nets show 1e-2..1e-3 ratios; 1e-6 means no learning signal.
 */
export const VANISHING_RATIO = 1e-6;
/** Diffs of exactly-zero-everywhere params (lr_mult 0, BN statistics) are frozen, not vanishing. */
const FROZEN_DIFF = 0;
/** Evidence lists stay short: a reporter prints them. */
export const MAX_EVIDENCE_LINES = 5;
/** lr jumping up by this factor between displays is not a schedule any Caffe policy produces smoothly. */
export const LR_JUMP_FACTOR = 10;
/** Oscillating needs at least this many finite losses in the window judged. */
export const OSCILLATION_MIN_POINTS = 10;
/** Fraction of sign changes of successive loss differences (iid noise gives about 2/3). */
export const OSCILLATION_SIGN_CHANGES = 0.5;
/** Mean |loss step| in the second half, relative to the starting loss: big swings, not noise near zero. */
export const OSCILLATION_AMPLITUDE = 0.25;
/** ... while the second half's mean loss has not dropped below this fraction of the first half's. */
export const OSCILLATION_NO_PROGRESS = 0.8;

// ---------------------------------------------------------------------------------------------------
// Net facts from the header

/** What the header says about the loss: the SoftmaxWithLoss layers, batch size, number of classes. */
export interface LossFacts {
  /** Normaliser of each SoftmaxWithLoss without ignore_label (batch size times spatial size), by top name. */
  softmaxTops: { top: string; layer: string; normaliser: number | null; classes: number | null; ignoreLabel: boolean; lossWeight: number }[];
  batchSize: number | null;
}

function trainNet(log: ParsedLog): HeaderNet | undefined {
  return log.nets.find((n) => n.phase === "TRAIN");
}

function producerOf(net: HeaderNet, blob: string, before: number): HeaderLayer | undefined {
  for (let i = before - 1; i >= 0; i--) {
    const l = net.layers[i]!;
    if (l.tops.includes(blob)) return l;
  }
  return undefined;
}

/** Reads the SoftmaxWithLoss layers of the train net, with N (normaliser) and C from the producer's top shape. */
export function lossFacts(log: ParsedLog): LossFacts {
  const net = trainNet(log);
  const facts: LossFacts = { softmaxTops: [], batchSize: null };
  if (!net) return facts;
  const data = net.layers.find((l) => l.batchSize !== undefined);
  if (data?.batchSize !== undefined) facts.batchSize = data.batchSize;
  else {
    const first = net.layers[0];
    if (first && first.topShapes[0] && first.topShapes[0].length > 0) facts.batchSize = first.topShapes[0][0]!;
  }
  net.layers.forEach((layer, i) => {
    const t = layer.type ?? "";
    if (t !== "SoftmaxWithLoss" && t !== "SOFTMAX_LOSS") return;
    const bottom = layer.bottoms[0];
    const producer = bottom !== undefined ? producerOf(net, bottom, i) : undefined;
    const shape = producer ? producer.topShapes[producer.tops.indexOf(bottom!)] : undefined;
    const axis = layer.axis ?? 1;
    let normaliser: number | null = null;
    let classes: number | null = null;
    if (shape && shape.length > axis) {
      classes = shape[axis]!;
      // SoftmaxWithLoss divides the summed loss by: NONE 1, BATCH_SIZE the dims before the axis,
      // FULL/VALID (default; VALID = FULL without ignore_label) every position outside the axis.
      const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
      const all = shape.reduce((p, d, j) => (j === axis ? p : p * d), 1);
      normaliser = layer.normalization === "NONE" ? 1 : layer.normalization === "BATCH_SIZE" ? outer : all;
    } else if (producer?.numOutput !== undefined) {
      classes = producer.numOutput;
      normaliser = facts.batchSize;
    }
    for (const top of layer.tops) {
      facts.softmaxTops.push({
        top,
        layer: layer.name,
        normaliser,
        classes,
        ignoreLabel: layer.ignoreLabel !== undefined,
        lossWeight: layer.lossWeights[0] ?? 1,
      });
    }
  });
  return facts;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

interface Point {
  iteration: number;
  value: number;
  line: number;
}

function lossPoints(log: ParsedLog): Point[] {
  const s = log.series;
  const out: Point[] = [];
  for (let i = 0; i < s.iterations.length; i++) {
    const v = s.loss[i];
    if (v !== null && v !== undefined) out.push({ iteration: s.iterations[i]!, value: v, line: s.lines[i]! });
  }
  return out;
}

function median(values: number[]): number {
  const a = [...values].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

function mean(values: number[]): number {
  let t = 0;
  for (const v of values) t += v;
  return t / values.length;
}

function fmt(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return Number(v.toPrecision(6)).toString();
}

/** k such that value = k/N * 87.3365, or null when no integer k in 1..N fits within `tol`. */
export function saturatedCount(value: number, n: number, tol: number): number | null {
  if (!Number.isFinite(value) || value <= 0 || n < 1) return null;
  const x = (value * n) / SATURATED_SAMPLE_LOSS;
  const k = Math.round(x);
  if (k < 1 || k > n) return null;
  return Math.abs(x - k) <= tol + k * PRINTED_REL_ERR ? k : null;
}

// ---------------------------------------------------------------------------------------------------
// Verdicts

function nonFinite(log: ParsedLog): LogVerdict | null {
  const pts = lossPoints(log);
  const firstLoss = pts.find((p) => !Number.isFinite(p.value));
  const nan = log.firstNanDebug;
  // A debug "inf" alone may be the float sum behind the mean |x| overflowing; NaN or a non-finite loss is not.
  let iteration: number | null = null;
  if (firstLoss) iteration = firstLoss.iteration;
  if (nan && (iteration === null || nan.iteration < iteration)) iteration = nan.iteration;
  if (iteration === null) return null;
  const block = log.debugBlocks.find((b) => b.iteration === iteration);
  const firstEntry = block?.entries.find((e) => !Number.isFinite(e.value));
  const evidence: number[] = [];
  if (firstEntry) evidence.push(firstEntry.line);
  if (firstLoss && firstLoss.iteration === iteration) evidence.push(firstLoss.line);
  const inf = log.firstInfDebug;
  const infFirst = inf !== null && (nan === null || inf.line < nan.line);
  if (inf && infFirst && !evidence.includes(inf.line)) evidence.push(inf.line);
  evidence.sort((a, b) => a - b);
  let message = `training became non-finite at iteration ${iteration}`;
  if (firstLoss && firstLoss.iteration === iteration) message += ` (loss = ${fmt(firstLoss.value)})`;
  if (firstEntry) {
    message += `; first non-finite value in that iteration: ${describeEntry(firstEntry)} (line ${firstEntry.line})`;
  }
  if (inf && infFirst) {
    message +=
      inf.iteration < iteration
        ? `; mean |x| first printed as inf at iteration ${inf.iteration}, ${describeEntry(inf)} (line ${inf.line}): values grew until float32 overflowed, and arithmetic on inf (inf - inf, 0 x inf) then gave NaN`
        : `; inf came before nan`;
  }
  const verdict: LogVerdict = {
    verdict: "non-finite",
    iteration,
    evidenceLines: evidence,
    message,
    details: {
      firstNonFiniteLossIteration: firstLoss ? firstLoss.iteration : null,
      infBeforeNan: infFirst,
      firstInfIteration: inf ? inf.iteration : null,
      firstNanIteration: nan ? nan.iteration : null,
    },
  };
  if (firstEntry) {
    verdict.layer = firstEntry.layer;
    verdict.blob = firstEntry.blob;
    verdict.pass = firstEntry.pass;
  }
  return verdict;
}

function describeEntry(e: DebugEntry): string {
  const what = e.kind === "param" ? `param blob ${e.blob}` : e.kind === "input" ? `input ${e.blob}` : `${e.kind} blob ${e.blob}`;
  return `[${e.pass}] layer ${e.layer}, ${what} ${e.field} = ${fmt(e.value)}`;
}

function saturatedSoftmax(log: ParsedLog, facts: LossFacts): LogVerdict | null {
  const s = log.series;
  // Candidate series: the unweighted outputs of SoftmaxWithLoss layers, else the displayed loss.
  const candidates: { name: string; values: (number | null)[]; n: number | null; weight: number }[] = [];
  const usable = facts.softmaxTops.filter((t) => !t.ignoreLabel);
  for (const t of usable) {
    const col = s.trainOutputs[t.top];
    if (col) candidates.push({ name: t.top, values: col, n: t.normaliser, weight: s.trainOutputWeights[t.top] ?? t.lossWeight });
  }
  if (candidates.length === 0 && facts.softmaxTops.length === 0) {
    // No header: try every output, then the displayed loss.
    for (const [name, col] of Object.entries(s.trainOutputs)) {
      candidates.push({ name, values: col, n: facts.batchSize, weight: s.trainOutputWeights[name] ?? 1 });
    }
    if (candidates.length === 0) candidates.push({ name: "loss", values: s.loss, n: facts.batchSize, weight: 1 });
  }
  for (const c of candidates) {
    const lastIdx = lastFiniteIndex(c.values);
    if (lastIdx < 0) continue;
    const last = c.values[lastIdx]!;
    let n = c.n;
    let guessed = false;
    if (n === null) {
      n = guessNormaliser(c.values);
      guessed = true;
      if (n === null) continue;
    }
    const tol = guessed ? SATURATION_K_TOL_GUESSED : SATURATION_K_TOL;
    const k = saturatedCount(last, n, tol);
    if (k === null) continue;
    /** Evidence lines: the first few saturated displays. */
    const hits: number[] = [];
    let hitCount = 0;
    let firstHit = lastIdx;
    for (let i = 0; i < c.values.length; i++) {
      const v = c.values[i];
      if (v !== null && v !== undefined && saturatedCount(v, n, tol) !== null) {
        if (hitCount === 0) firstHit = i;
        if (hits.length < MAX_EVIDENCE_LINES) hits.push(s.lines[i]!);
        hitCount++;
      }
    }
    const evidence = [...new Set([s.lines[firstHit]!, ...hits, s.lines[lastIdx]!])].sort((a, b) => a - b);
    const pinned = k === n || isPinned(last);
    const weightText = c.weight !== 1 ? ` x loss_weight ${c.weight}` : "";
    if (guessed && isPinned(last)) {
      return {
        verdict: "saturated-softmax",
        iteration: s.iterations[firstHit]!,
        blob: c.name,
        evidenceLines: evidence,
        message: `${c.name} is pinned at ${fmt(last)} = -ln(FLT_MIN) from iteration ${s.iterations[firstHit]}: every sample's softmax probability for its label is <= FLT_MIN (logits blew up, or labels out of range)`,
        details: { k: null, N: null, lossWeight: c.weight, guessedN: true, pinned: true, saturatedIterations: hitCount },
      };
    }
    return {
      verdict: "saturated-softmax",
      iteration: s.iterations[firstHit]!,
      layer: facts.softmaxTops.find((t) => t.top === c.name)?.layer,
      blob: c.name,
      evidenceLines: evidence,
      message:
        `${c.name} = ${fmt(last)} at iteration ${s.iterations[lastIdx]} is ${k}/${n} x 87.3365${weightText}` +
        (pinned ? " (pinned: every sample saturated)" : "") +
        `: ${k} of ${n} samples have softmax probability <= FLT_MIN for their label (logits blew up, or labels out of range)` +
        (guessed ? `; N = ${n} guessed from the values (batch size not in the log)` : ""),
      details: { k, N: n, lossWeight: c.weight, guessedN: guessed, pinned, saturatedIterations: hitCount },
    };
  }
  return null;
}

function lastFiniteIndex(values: (number | null)[]): number {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v !== undefined && Number.isFinite(v)) return i;
  }
  return -1;
}

/** How many of the last finite values the unknown-N search looks at (it tries every N on each). */
export const GUESS_WINDOW = 200;

/**
 * The N that explains the most of the last values as k/N x 87.3365 (ties: the smallest), provided it
 * explains the last value and at least MIN_SATURATED_HITS_GUESSED values. Only k/N in lowest terms can
 * be seen in one value, so several iterations with different k are what pin N down.
 */
export function guessNormaliser(values: readonly (number | null)[]): number | null {
  const finite: number[] = [];
  for (let i = values.length - 1; i >= 0 && finite.length < GUESS_WINDOW; i--) {
    const v = values[i];
    if (v !== null && v !== undefined && Number.isFinite(v) && v > 0) finite.push(v);
  }
  const last = finite[0];
  if (last === undefined) return null;
  let best: number | null = null;
  let bestHits = 0;
  for (let n = 1; n <= MAX_GUESSED_BATCH; n++) {
    if (saturatedCount(last, n, SATURATION_K_TOL_GUESSED) === null) continue;
    let hits = 0;
    for (const v of finite) if (saturatedCount(v, n, SATURATION_K_TOL_GUESSED) !== null) hits++;
    if (hits > bestHits) {
      best = n;
      bestHits = hits;
    }
  }
  return bestHits >= MIN_SATURATED_HITS_GUESSED ? best : null;
}

/** True when v is -ln(FLT_MIN) itself as printed: every sample saturated, whatever N is. */
function isPinned(v: number): boolean {
  return Math.abs(v - SATURATED_SAMPLE_LOSS) <= SATURATED_SAMPLE_LOSS * PRINTED_REL_ERR;
}

function diffSummaries(log: ParsedLog): LayerMagnitudeSummary[] {
  return log.layerSummaries.filter((x) => x.pass === "backward" && x.field === "diff");
}

function exploding(log: ParsedLog): LogVerdict | null {
  let worst: { s: LayerMagnitudeSummary; orders: number; base: number | null } | null = null;
  for (const x of diffSummaries(log)) {
    if (x.max === null || x.maxIteration === null) continue;
    // Growth from the first value: a single tiny value later (a batch where every ReLU was off) must
    // not count as the start of an explosion.
    const base = x.first > 0 && Number.isFinite(x.first) ? x.first : x.min !== null && x.min > 0 && x.minIteration !== null && x.minIteration <= x.maxIteration ? x.min : null;
    const orders = base !== null ? Math.log10(x.max / base) : x.max > EXPLODING_ABS_DIFF ? Infinity : 0;
    const overflowed = x.firstNonFiniteIteration !== null && x.max > 0;
    const grew = (orders >= EXPLODING_ORDERS || (overflowed && orders >= EXPLODING_ORDERS / 2)) && x.max > EXPLODING_MIN_PEAK;
    if (grew || x.max > EXPLODING_ABS_DIFF) {
      // Report the largest growth; on a tie, the first key seen.
      if (!worst || orders > worst.orders) worst = { s: x, orders, base };
    }
  }
  const norms = log.series.netNorms;
  if (!worst) {
    // Net-wide L2 norm of the gradient, when only that is known.
    const finite = norms.l2Diff.map((v, i) => ({ v, i })).filter((p) => Number.isFinite(p.v) && p.v > 0);
    if (finite.length >= 2) {
      const lo = finite[0]!; // growth from the start, as for the per-layer diffs
      const hi = finite.reduce((a, b) => (b.v > a.v ? b : a));
      if (hi.i > lo.i && Math.log10(hi.v / lo.v) >= EXPLODING_ORDERS && hi.v > EXPLODING_MIN_PEAK) {
        return {
          verdict: "exploding",
          iteration: norms.iterations[hi.i]!,
          evidenceLines: [norms.lines[lo.i]!, norms.lines[hi.i]!],
          message: `gradient L2 norm grew from ${fmt(lo.v)} (iteration ${norms.iterations[lo.i]}) to ${fmt(hi.v)} (iteration ${norms.iterations[hi.i]})`,
          details: { orders: Math.round(Math.log10(hi.v / lo.v) * 10) / 10 },
        };
      }
    }
    return null;
  }
  const x = worst.s;
  const where = x.kind === "param" ? `param blob ${x.blob}` : `${x.kind} blob ${x.blob}`;
  const evidence: number[] = [];
  if (x.maxLine !== null) evidence.push(x.maxLine);
  if (x.firstNonFiniteLine !== null) evidence.push(x.firstNonFiniteLine);
  const ordersText = Number.isFinite(worst.orders) ? `${Math.round(worst.orders * 10) / 10} orders of magnitude` : "without bound";
  return {
    verdict: "exploding",
    iteration: x.maxIteration,
    layer: x.layer,
    blob: x.blob,
    pass: x.pass,
    evidenceLines: evidence.sort((a, b) => a - b),
    message:
      `gradients explode: layer ${x.layer} ${where} diff mean |x| grew ${ordersText}, from ${fmt(worst.base ?? x.first)} to ${fmt(x.max!)} at iteration ${x.maxIteration}` +
      (x.firstNonFiniteIteration !== null ? `, then became non-finite at iteration ${x.firstNonFiniteIteration}` : ""),
    details: { orders: Number.isFinite(worst.orders) ? Math.round(worst.orders * 100) / 100 : null, to: x.max! },
  };
}

function vanishing(log: ParsedLog): LogVerdict | null {
  // Param diffs of learnable layers in net order (first appearance in the backward pass is reverse
  // net order, so sort by the forward order of the layer's param data when known).
  const forwardOrder = new Map<string, number>();
  for (const x of log.layerSummaries) if (x.pass === "forward" && !forwardOrder.has(x.layer)) forwardOrder.set(x.layer, x.order);
  const params = diffSummaries(log).filter((x) => x.kind === "param" && x.blob === "0" && !(x.max === FROZEN_DIFF && x.min === FROZEN_DIFF));
  if (params.length < 2) return null;
  params.sort((a, b) => (forwardOrder.get(a.layer) ?? -a.order) - (forwardOrder.get(b.layer) ?? -b.order));
  const earliest = params[0]!;
  const latest = params[params.length - 1]!;
  if (!Number.isFinite(earliest.last) || !Number.isFinite(latest.last) || latest.last <= 0) return null;
  if (earliest.last >= VANISHING_RATIO * latest.last) return null;
  return {
    verdict: "vanishing",
    iteration: earliest.lastIteration,
    layer: earliest.layer,
    blob: earliest.blob,
    pass: "backward",
    evidenceLines: [earliest.lastLine, latest.lastLine].sort((a, b) => a - b),
    message: `gradients vanish: layer ${earliest.layer} weight diff mean |x| = ${fmt(earliest.last)} at iteration ${earliest.lastIteration}, while the last layer ${latest.layer} has ${fmt(latest.last)}: early layers get no learning signal`,
    details: { earlyDiff: earliest.last, lateDiff: latest.last, lateLayer: latest.layer },
  };
}

function lrSchedule(log: ParsedLog): LogVerdict | null {
  const s = log.series;
  let prev: { v: number; i: number } | null = null;
  for (let i = 0; i < s.lr.length; i++) {
    const v = s.lr[i];
    if (v === null || v === undefined) continue;
    const it = s.iterations[i]!;
    const policy = log.solver?.lrPolicy ? ` (lr_policy ${log.solver.lrPolicy})` : "";
    if (!Number.isFinite(v)) {
      const poly = log.solver?.lrPolicy === "poly" && !log.solver.maxIter ? ": poly needs max_iter" : "";
      return lrVerdict(it, [s.lines[i]!], `learning rate is ${fmt(v)} at iteration ${it}${policy}${poly}`, v);
    }
    if (v < 0) return lrVerdict(it, [s.lines[i]!], `learning rate is negative (${fmt(v)}) at iteration ${it}${policy}`, v);
    if (v === 0) {
      return lrVerdict(
        it,
        [s.lines[i]!],
        prev ? `learning rate dropped to 0 at iteration ${it}${policy}: the net stops learning` : `learning rate is 0 from the start${policy}: the net cannot learn`,
        v,
      );
    }
    if (prev && v >= prev.v * LR_JUMP_FACTOR) {
      return lrVerdict(it, [s.lines[prev.i]!, s.lines[i]!], `learning rate jumped from ${fmt(prev.v)} to ${fmt(v)} at iteration ${it}${policy}`, v);
    }
    prev = { v, i };
  }
  return null;
}

function lrVerdict(iteration: number, lines: number[], message: string, lr: number): LogVerdict {
  return { verdict: "lr-schedule", iteration, evidenceLines: lines, message, details: { lr: fmt(lr) } };
}

function notLearning(log: ParsedLog, facts: LossFacts): LogVerdict | null {
  const pts = lossPoints(log).filter((p) => Number.isFinite(p.value));
  if (pts.length < NOT_LEARNING_FIRST + NOT_LEARNING_LAST) return null;
  const first = pts.slice(0, NOT_LEARNING_FIRST);
  const last = pts.slice(-NOT_LEARNING_LAST);
  const lastMean = mean(last.map((p) => p.value));
  const firstMedian = median(first.map((p) => p.value));
  const evidence = [first[0]!.line, last[last.length - 1]!.line];
  // Flat at chance level: one SoftmaxWithLoss with C known, its (unweighted) output near ln(C).
  const single = facts.softmaxTops.length === 1 ? facts.softmaxTops[0]! : null;
  if (single && single.classes !== null && single.classes > 1) {
    const col = log.series.trainOutputs[single.top];
    const tail = col ? col.filter((v): v is number => v !== null && Number.isFinite(v)).slice(-NOT_LEARNING_LAST) : last.map((p) => p.value);
    const chance = Math.log(single.classes);
    if (tail.length > 0 && Math.abs(mean(tail) - chance) <= CHANCE_LOSS_REL_TOL * chance) {
      return {
        verdict: "not-learning",
        iteration: last[0]!.iteration,
        blob: single.top,
        evidenceLines: evidence,
        message: `loss stays at chance level: ${fmt(mean(tail))} ~ ln(${single.classes}) = ${fmt(chance)} over the last ${tail.length} displays: the net predicts a uniform distribution over ${single.classes} classes`,
        details: { classes: single.classes, chanceLoss: chance, lastMean, firstMedian },
      };
    }
  }
  if (lastMean >= NOT_LEARNING_RATIO * firstMedian) {
    return {
      verdict: "not-learning",
      iteration: last[0]!.iteration,
      evidenceLines: evidence,
      message: `loss is not decreasing: mean of the last ${last.length} displayed losses ${fmt(lastMean)} vs median of the first ${first.length} ${fmt(firstMedian)}`,
      details: { lastMean, firstMedian },
    };
  }
  return null;
}

function oscillating(log: ParsedLog): LogVerdict | null {
  const pts = lossPoints(log).filter((p) => Number.isFinite(p.value));
  if (pts.length < 2 * OSCILLATION_MIN_POINTS) return null;
  const half = pts.length >> 1;
  const firstHalf = pts.slice(0, half);
  const secondHalf = pts.slice(half);
  const start = median(pts.slice(0, NOT_LEARNING_FIRST).map((p) => p.value));
  let changes = 0;
  let stepSum = 0;
  for (let i = 1; i < secondHalf.length; i++) {
    const d = secondHalf[i]!.value - secondHalf[i - 1]!.value;
    stepSum += Math.abs(d);
    if (i >= 2) {
      const dPrev = secondHalf[i - 1]!.value - secondHalf[i - 2]!.value;
      if (d * dPrev < 0) changes++;
    }
  }
  const signChangeRate = changes / Math.max(1, secondHalf.length - 2);
  const amplitude = stepSum / (secondHalf.length - 1);
  const progress = mean(secondHalf.map((p) => p.value)) / mean(firstHalf.map((p) => p.value));
  if (signChangeRate >= OSCILLATION_SIGN_CHANGES && amplitude >= OSCILLATION_AMPLITUDE * start && progress >= OSCILLATION_NO_PROGRESS) {
    return {
      verdict: "oscillating",
      iteration: secondHalf[0]!.iteration,
      evidenceLines: [secondHalf[0]!.line, secondHalf[secondHalf.length - 1]!.line],
      message: `loss oscillates: mean step ${fmt(amplitude)} (starting loss ${fmt(start)}), direction changes at ${Math.round(signChangeRate * 100)}% of steps, no progress: lower the learning rate`,
      details: { amplitude, signChangeRate, progress },
    };
  }
  return null;
}

/**
 * Diagnoses a parsed log. Returns at least one verdict; `ok` only when nothing else applies.
 * Verdicts are ordered by severity: the first is the main diagnosis.
 */
export function diagnoseLog(parsed: ParsedLog): LogVerdict[] {
  const log = lastRun(parsed);
  const facts = lossFacts(log);
  const out: LogVerdict[] = [];
  const push = (v: LogVerdict | null): void => {
    if (v) out.push(v);
  };
  const nf = nonFinite(log);
  const lr = lrSchedule(log);
  if (nf && lr && lr.iteration !== null && nf.iteration !== null && lr.iteration <= nf.iteration) {
    // The learning rate went wrong first: say so where the NaN is reported.
    nf.message += `; the learning rate was already wrong at iteration ${lr.iteration} (${lr.message})`;
    nf.evidenceLines = [...new Set([...lr.evidenceLines, ...nf.evidenceLines])].sort((a, b) => a - b);
  }
  push(nf);
  push(lr);
  push(saturatedSoftmax(log, facts));
  push(exploding(log));
  push(vanishing(log));
  if (out.length === 0) {
    push(notLearning(log, facts));
    push(oscillating(log));
  }
  if (out.length === 0) {
    const pts = lossPoints(log);
    const last = pts[pts.length - 1];
    out.push({
      verdict: "ok",
      iteration: last ? last.iteration : null,
      evidenceLines: last ? [last.line] : [],
      message: last ? `no divergence found; last displayed loss ${fmt(last.value)} at iteration ${last.iteration}` : "no training iterations found in the log",
    });
  }
  const earlier = earlierNonFinite(parsed, log);
  if (earlier) {
    const first = out[0]!;
    first.message += `; an earlier run in this log (before line ${log.series.lines[0] ?? parsed.lineCount}) became non-finite at iteration ${earlier.iteration} (line ${earlier.line}); verdicts describe the last run`;
    first.details = { ...first.details, earlierRunNonFiniteIteration: earlier.iteration };
  }
  return out;
}

/**
 * The last training run of a log that holds several (restarts): the series from the last restart on.
 * The reader already keeps debug_info bookkeeping per run.
 */
export function lastRun(log: ParsedLog): ParsedLog {
  const restart = log.restarts[log.restarts.length - 1];
  if (!restart) return log;
  const s = log.series;
  let from = s.lines.findIndex((l) => l >= restart.line);
  if (from < 0) from = s.lines.length;
  const trainOutputs: Record<string, (number | null)[]> = {};
  for (const [name, col] of Object.entries(s.trainOutputs)) trainOutputs[name] = col.slice(from);
  const nn = s.netNorms;
  const nFrom = nn.lines.findIndex((l) => l >= restart.line);
  const cut = <T>(a: T[]): T[] => (nFrom < 0 ? [] : a.slice(nFrom));
  return {
    ...log,
    series: {
      iterations: s.iterations.slice(from),
      lines: s.lines.slice(from),
      loss: s.loss.slice(from),
      lr: s.lr.slice(from),
      trainOutputs,
      trainOutputWeights: s.trainOutputWeights,
      testOutputs: s.testOutputs.filter((t) => t.line >= restart.line),
      netNorms: { iterations: cut(nn.iterations), lines: cut(nn.lines), l1Data: cut(nn.l1Data), l1Diff: cut(nn.l1Diff), l2Data: cut(nn.l2Data), l2Diff: cut(nn.l2Diff) },
    },
  };
}

/** The first non-finite displayed loss before the last run, if any. */
function earlierNonFinite(all: ParsedLog, last: ParsedLog): Point | null {
  if (all === last) return null;
  const start = last.series.lines[0] ?? Infinity;
  for (const p of lossPoints(all)) {
    if (p.line >= start) break;
    if (!Number.isFinite(p.value)) return p;
  }
  return null;
}

/** Debug blocks the verdicts refer to (for reporters that print the lines around a NaN). */
export function blockAt(log: ParsedLog, iteration: number): DebugBlock | undefined {
  return log.debugBlocks.find((b) => b.iteration === iteration);
}
