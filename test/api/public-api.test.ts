/** The package's public surface, imported by name as a user would (from the built dist/). */
import { describe, expect, it } from "vitest";

describe("import from \"bnlint\"", () => {
  it("lints files and formats the report", async () => {
    const api = await import("bnlint");
    const report = await api.lintFiles(["fixtures/examples/bn_global_stats/train_val.prototxt"]);
    expect(report.results[0]!.errorCount).toBe(2);
    const text = api.formatters.json(report, { color: false, cwd: process.cwd() });
    expect(JSON.parse(text).results[0].findings[0].ruleId).toBe("bn-global-stats-phase");
    expect(api.rules.map((r) => r.meta.id)).toContain("labels-not-contiguous");
  });

  it("lints in-memory text", async () => {
    const api = await import("bnlint");
    const outcome = api.lintText(`layer { name: "d" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 4 dim: 4 } } }\nlayer { name: "c" type: "Convolution" bottom: "dat" top: "c" convolution_param { num_output: 2 kernel_size: 3 } }\n`, "net.prototxt");
    expect(outcome.findings.map((f) => f.ruleId)).toEqual(["unknown-bottom"]);
  });
});
