/**
 * Real-world quality over ../shared/corpus (234 real nets and solvers): no
 * crash, every file the reference parser accepts is accepted, and no
 * error-level finding on the nets their authors published and trained.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lintFilesDetailed } from "../../src/lint/lint-files.js";

const SHARED = path.resolve(fileURLToPath(new URL("../..", import.meta.url)), "../shared");
const CORPUS = path.join(SHARED, "corpus");
const present = fs.existsSync(path.join(CORPUS, "manifest.json"));
if (!present) console.warn("corpus tests skipped: ../shared/corpus is absent");

interface Entry {
  file: string;
  kind: string;
  reference_parser: "accepts" | "rejects";
  published_net: boolean;
}

describe.skipIf(!present)("the shared corpus", () => {
  const manifest: Entry[] = present ? JSON.parse(fs.readFileSync(path.join(CORPUS, "manifest.json"), "utf8")) : [];
  const outcomes = new Map<string, ReturnType<typeof lintFilesDetailed>["report"]>();
  const lint = (e: Entry) => {
    let report = outcomes.get(e.file);
    if (!report) {
      const file = path.join(CORPUS, e.file);
      report = lintFilesDetailed([file], { cwd: path.dirname(file) }).report;
      outcomes.set(e.file, report);
    }
    return report;
  };
  const findings = (e: Entry) => lint(e).results.flatMap((r) => r.findings);

  it("lints every file without crashing", { timeout: 180_000 }, () => {
    expect(manifest.length).toBeGreaterThan(200);
    for (const e of manifest) expect(() => lint(e), e.file).not.toThrow();
  });

  it("accepts every file the reference parser accepts, and rejects every file it rejects", () => {
    const disagreements = manifest.filter((e) => {
      const parseErrors = findings(e).filter((f) => f.ruleId === "parse-error" && f.severity === "error" && f.file.endsWith(e.file.replace("files/", "")));
      return (e.reference_parser === "accepts") !== (parseErrors.length === 0);
    });
    expect(disagreements.map((e) => e.file)).toEqual([]);
  });

  it("reports no error-level rule finding on published nets", () => {
    const errors = manifest
      .filter((e) => e.published_net)
      .flatMap((e) => findings(e).filter((f) => f.severity === "error" && f.ruleId !== "parse-error" && f.ruleId !== "missing-file").map((f) => `${e.file}:${f.line} ${f.ruleId}`));
    expect(errors).toEqual([]);
  });

  it("finds the known BatchNorm mistakes among the unpublished nets", () => {
    // Not a count to chase: proof that the rules fire on real files, not only on fixtures.
    const all = manifest.flatMap((e) => findings(e));
    expect(all.some((f) => f.ruleId === "bn-global-stats-phase")).toBe(true);
    expect(all.some((f) => f.ruleId === "zero-init-weights")).toBe(true);
  });
});
