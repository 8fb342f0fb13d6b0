/**
 * The probe, end to end through the CLI's pipeline, on the real-Caffe
 * reference cases: same net, solver, LMDB and initial weights as Caffe, the
 * solver's own batch and iteration count. It must reach the verdict the
 * reference records, the same first non-finite iteration, and the same
 * saturated samples (k of N). The 50-iteration LeNet-size cases and
 * CIFAR-quick are left to the engine conformance test, to keep the suite fast.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lintFilesDetailed } from "../../src/lint/lint-files.js";
import type { ProbeReport } from "../../src/probe/types.js";

const ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const REFERENCE = path.resolve(ROOT, "../shared/caffe-reference");
const present = fs.existsSync(path.join(REFERENCE, "cases.json"));
if (!present) console.warn("probe verdicts against real Caffe skipped: ../shared/caffe-reference is absent");

interface CaseEntry {
  case: string;
  max_iter: number;
  batch_size: number;
  expected_verdict: string;
}
const HEAVY = new Set(["lenet_ok", "bn_ok", "cifar_quick_mean"]);

describe.skipIf(!present)("probe verdicts on real Caffe's reference runs", () => {
  const cases: CaseEntry[] = present ? JSON.parse(fs.readFileSync(path.join(REFERENCE, "cases.json"), "utf8")) : [];
  for (const c of cases.filter((x) => !HEAVY.has(x.case))) {
    it(`${c.case}: ${c.expected_verdict}`, { timeout: 120_000 }, () => {
      const dir = path.join(REFERENCE, c.case);
      const reference = JSON.parse(fs.readFileSync(path.join(dir, "reference.json"), "utf8"));
      const { report } = lintFilesDetailed([path.join(dir, "solver.prototxt")], {
        cwd: dir,
        weights: path.join(dir, "init.caffemodel"),
        probe: "force",
        probeOptions: { iterations: c.max_iter, batch: c.batch_size, budgetSeconds: 600 },
      });
      const probe = report.probe as ProbeReport;
      expect(probe.verdict).toBe(reference.expected_verdict.verdict);
      if (reference.expected_verdict.first_nonfinite_loss_iter !== undefined) {
        expect(probe.losses.findIndex((l) => l === null)).toBe(reference.expected_verdict.first_nonfinite_loss_iter);
      }
      // Saturated iterations before any divergence agree in k and N.
      const firstBad = reference.expected_verdict.first_nonfinite_loss_iter ?? Infinity;
      const expected = (reference.expected_verdict.saturated_iterations ?? []).filter((s: { iter: number }) => s.iter < firstBad);
      for (const s of expected) {
        expect(probe.saturated.find((x) => x.iteration === s.iter)).toMatchObject({ k: s.k, n: s.N });
      }
    });
  }
});
