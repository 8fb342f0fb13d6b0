/**
 * Tying a training log's verdicts to the static findings that explain them:
 * a finding is confirmed by the log when the log shows the failure the rule
 * predicts, at the place the rule points to where the log says where.
 */
import type { Confirmation, Finding } from "../findings.js";
import type { LogVerdict } from "../log/types.js";
import type { NetModel } from "../model/types.js";

/** Log verdicts each rule predicts. */
const PREDICTS: Record<string, string[]> = {
  "bn-global-stats-phase": ["saturated-softmax", "non-finite", "exploding"],
  "input-not-scaled": ["saturated-softmax", "non-finite", "exploding"],
  "lr-too-high": ["saturated-softmax", "non-finite", "exploding", "oscillating"],
  "bn-stats-lr-mult": ["non-finite", "exploding"],
  "zero-init-weights": ["not-learning", "vanishing"],
  "softmax-before-loss": ["not-learning"],
  "bn-batch-too-small": ["not-learning", "oscillating"],
  "solver-lr-policy": ["lr-schedule"],
  "data-not-shuffled": ["oscillating", "not-learning"],
};

/** Blobs a finding's layer writes in TRAIN (in-place chains share the blob name). */
function layerBlobs(model: NetModel | undefined, layer: string | undefined): string[] {
  const train = model?.phases.TRAIN;
  if (!train || !layer) return [];
  return train.layers.filter((l) => l.name === layer).flatMap((l) => l.tops);
}

/**
 * Confirmations for findings: when the log's verdict names a layer or blob,
 * a layer-specific finding must be about that layer or the blob it writes (the
 * first Inf at conv1's blob confirms the BatchNorm working in place on conv1).
 */
export function linkLogVerdicts(findings: readonly Finding[], verdicts: readonly LogVerdict[], model: NetModel | undefined): Map<Finding, Confirmation> {
  const out = new Map<Finding, Confirmation>();
  for (const finding of findings) {
    if (finding.severity === "info") continue;
    const predicted = PREDICTS[finding.ruleId];
    if (!predicted) continue;
    for (const v of verdicts) {
      if (!predicted.includes(v.verdict)) continue;
      const located = v.layer !== undefined || v.blob !== undefined;
      const blobs = layerBlobs(model, finding.layer);
      const blobName = v.blob?.replace(/ \(diff\)$/, "");
      const here = !located || finding.layer === undefined || finding.ruleId === "input-not-scaled" || finding.ruleId === "lr-too-high" || v.layer === finding.layer || (blobName !== undefined && blobs.includes(blobName));
      if (!here) continue;
      const where = v.layer ? ` at layer '${v.layer}'${v.blob ? `, blob '${v.blob}'` : ""}${v.pass ? ` (${v.pass})` : ""}` : "";
      out.set(finding, {
        source: "log",
        verdict: v.verdict,
        detail: `${v.message}${where && !v.message.includes(v.layer ?? "\u0000") ? where : ""} (log line${v.evidenceLines.length > 1 ? "s" : ""} ${v.evidenceLines.slice(0, 4).join(", ")})`,
      });
      break;
    }
  }
  return out;
}
