/**
 * The log reader and its verdicts on real `caffe train` logs from ../shared/caffe-reference, checked
 * against the numbers real Caffe computed (reference.json) and the labelled verdicts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { diagnoseLog, lossFacts, saturatedCount, SATURATION_K_TOL } from "../../src/log/diagnose.js";
import { parseLogFile } from "../../src/log/parse.js";
import type { ParsedLog } from "../../src/log/types.js";
import { g6 } from "./synth-log.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SHARED = path.resolve(REPO, "../shared");
const REF = path.join(SHARED, "caffe-reference");
const HAVE_SHARED = fs.existsSync(REF);
if (!HAVE_SHARED) console.warn("../shared absent: skipping the real Caffe log tests");

/**
 * debug_info prints mean |x| as a float32 asum/count with 6 significant digits; reference.json has the
 * float64 mean of the same float32 values. They agree to the float32 summation error (~1e-6 relative
 * for these sizes) plus half a unit in the 6th printed digit (5e-6 relative).
 */
const DEBUG_MEAN_REL_TOL = 2e-5;

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function fromRef(v: number | string): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return v as number;
}

/** What `caffe train` prints for a float: C++ ostream default precision, i.e. %.6g, read back as a number. */
function printed6(v: number | string): number {
  const x = fromRef(v);
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : x;
}

function sameNumber(a: number | null | undefined, b: number): boolean {
  if (a === null || a === undefined) return false;
  if (Number.isNaN(b)) return Number.isNaN(a);
  return a === b;
}

const cases: { case: string; batch_size: number }[] = HAVE_SHARED ? JSON.parse(fs.readFileSync(path.join(REF, "cases.json"), "utf8")) : [];

describe.skipIf(!HAVE_SHARED)("real Caffe logs (../shared/caffe-reference; skipped when ../shared absent)", () => {
  for (const c of cases) {
    describe(c.case, () => {
      const ref: Json = JSON.parse(fs.readFileSync(path.join(REF, c.case, "reference.json"), "utf8"));
      let parsed: ParsedLog;
      it("parses every displayed loss and lr as %.6g of Caffe's values", async () => {
        parsed = await parseLogFile(path.join(REF, c.case, "caffe_cli_train.log"));
        const s = parsed.series;
        const maxIter: number = ref.max_iter;
        expect(s.iterations).toEqual([...Array(maxIter + 1).keys()]);
        for (const r of ref.iterations as Json[]) {
          const i = s.iterations.indexOf(r.iter);
          expect(sameNumber(s.loss[i], printed6(r.loss_display)), `loss at iteration ${r.iter}: ${s.loss[i]} vs ${r.loss_display}`).toBe(true);
          expect(sameNumber(s.lr[i], printed6(r.lr)), `lr at iteration ${r.iter}`).toBe(true);
        }
        const final = s.loss[s.iterations.indexOf(maxIter)];
        expect(sameNumber(final, printed6(ref.final_forward.loss_display))).toBe(true);
        expect(s.lr[s.iterations.indexOf(maxIter)]).toBeNull();
      });

      it("the example-log generator prints numbers exactly as Caffe does", () => {
        const text = fs.readFileSync(path.join(REF, c.case, "caffe_cli_train.log"), "utf8");
        const printed = new Map<number, string>();
        for (const m of text.matchAll(/\] Iteration (\d+) \([^)]*\), loss = (\S+)/g)) printed.set(Number(m[1]), m[2]!);
        for (const r of ref.iterations as Json[]) {
          expect(g6(fromRef(r.loss_display), "-nan"), `iteration ${r.iter}`).toBe(printed.get(r.iter));
        }
      });

      it("prints every train output as %.6g of its reference value", () => {
        let checked = 0;
        for (const r of ref.iterations as Json[]) {
          const i = parsed.series.iterations.indexOf(r.iter);
          for (const [name, o] of Object.entries(r.outputs as Record<string, Json>)) {
            const value = typeof o === "object" && o !== null ? o.value : o;
            if (Array.isArray(value)) continue;
            expect(sameNumber(parsed.series.trainOutputs[name]?.[i], printed6(value)), `${name} at ${r.iter}`).toBe(true);
            checked++;
          }
        }
        expect(checked).toBeGreaterThanOrEqual(ref.iterations.length);
      });

      it(`gives the labelled verdict (${ref.expected_verdict.verdict})`, () => {
        const verdicts = diagnoseLog(parsed);
        const expected = ref.expected_verdict;
        expect(verdicts[0]!.verdict).toBe(expected.verdict);
        if (expected.verdict === "non-finite") {
          expect(verdicts[0]!.iteration).toBe(expected.first_nonfinite_loss_iter);
          expect(verdicts[0]!.evidenceLines.length).toBeGreaterThan(0);
        }
        if (expected.verdict === "ok") expect(verdicts).toHaveLength(1);
      });

      it("finds the labelled saturated iterations with the batch size from the header", () => {
        const facts = lossFacts(parsed);
        expect(facts.batchSize).toBe(c.batch_size);
        const sat = new Map<number, Json>((ref.expected_verdict.saturated_iterations ?? []).map((x: Json) => [x.iter, x]));
        for (let i = 0; i < ref.iterations.length; i++) {
          const r = ref.iterations[i];
          const loss = parsed.series.loss[parsed.series.iterations.indexOf(r.iter)]!;
          const k = Number.isFinite(loss) ? saturatedCount(loss, facts.batchSize!, SATURATION_K_TOL) : null;
          const want = sat.get(r.iter);
          if (facts.softmaxTops.length === 1 && !facts.softmaxTops[0]!.ignoreLabel) {
            expect(k, `iteration ${r.iter}`).toBe(want ? want.k : null);
          }
        }
      });
    });
  }

  describe("bn_global_stats_train with debug_info", () => {
    const ref: Json = HAVE_SHARED ? JSON.parse(fs.readFileSync(path.join(REF, "bn_global_stats_train", "reference.json"), "utf8")) : {};
    let parsed: ParsedLog;
    it("reads the same losses as the log without debug_info", async () => {
      parsed = await parseLogFile(path.join(REF, "bn_global_stats_train", "caffe_cli_train_debug_info.log"));
      expect(parsed.hasDebugInfo).toBe(true);
      for (const r of ref.iterations as Json[]) {
        const i = parsed.series.iterations.indexOf(r.iter);
        expect(sameNumber(parsed.series.loss[i], printed6(r.loss_display))).toBe(true);
      }
    });

    it("attributes debug_info values to the right iteration (checked against reference means)", () => {
      let checked = 0;
      for (const [iterText, d] of Object.entries(ref.detail as Record<string, Json>)) {
        const iteration = Number(iterText);
        const block = parsed.debugBlocks.find((b) => b.iteration === iteration);
        if (iteration > ref.expected_verdict.first_nonfinite_loss_iter) continue;
        expect(block, `debug block of iteration ${iteration} kept`).toBeDefined();
        for (const [layer, params] of Object.entries(d.params_before_update as Record<string, Json[]>)) {
          if (layer.startsWith("bn")) continue; // BN statistics: the forward already updated them
          params.forEach((p, j) => {
            for (const [field, pass] of [["data", "forward"], ["diff", "backward"]] as const) {
              const want = fromRef(p[field].mean_abs);
              const got = block!.entries.find((e) => e.layer === layer && e.kind === "param" && e.blob === String(j) && e.field === field && e.pass === pass);
              expect(got, `${layer} param ${j} ${field} at ${iteration}`).toBeDefined();
              if (!Number.isFinite(want)) expect(Number.isFinite(got!.value)).toBe(false);
              else expect(Math.abs(got!.value - want)).toBeLessThanOrEqual(DEBUG_MEAN_REL_TOL * Math.abs(want) + 1e-30);
              checked++;
            }
          });
        }
      }
      expect(checked).toBeGreaterThan(20);
    });

    it("finds the first non-finite iteration and, in it, the blob the reference names", () => {
      const v = diagnoseLog(parsed);
      const expected = ref.expected_verdict;
      expect(v[0]!.verdict).toBe("non-finite");
      expect(v[0]!.iteration).toBe(expected.first_nonfinite_loss_iter);
      expect(v[0]!.blob).toBe(expected.first_blob_nonfinite_data);
      expect(v[0]!.pass).toBe("forward");
      // The mean |x| overflowed to inf before any NaN: inf came first.
      expect(v[0]!.details?.infBeforeNan).toBe(true);
      expect(parsed.firstInfDebug!.iteration).toBeLessThan(expected.first_nonfinite_loss_iter);
    });

    it("sees the gradients explode before the NaN", () => {
      const v = diagnoseLog(parsed).map((x) => x.verdict);
      expect(v).toContain("exploding");
      expect(v).toContain("saturated-softmax");
    });
  });
});
