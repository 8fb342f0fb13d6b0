/**
 * Every reporter on the shared fixtures: file snapshots (reviewed by hand,
 * under __snapshots__) plus precise checks of the properties that matter.
 */

import { describe, expect, it } from "vitest";
import type { Finding, LintReport } from "../../src/findings.js";
import { CONFIRMED_MARKER, finalizeReport, formatters, formatterNames, github, json, sarif, stylish } from "../../src/report/index.js";
import { stripAnsi } from "../../src/report/ansi.js";
import { CWD, CONFIRMED, FIXABLE, INFO, NET, PARSE_ERROR, RULES, WARNING, emptyReport, mainReport, sectionsReport } from "./fixtures.js";

const PLAIN = { color: false, cwd: CWD };
const COLOR = { color: true, cwd: CWD };
const ESC = "\u001b[";

function reportOf(findings: Finding[]): LintReport {
  return finalizeReport({
    tool: { name: "bnlint", version: "0.1.0" },
    results: [{ file: NET, findings, errorCount: 0, warningCount: 0, infoCount: 0 }],
    rules: RULES,
  });
}

describe("snapshots of every reporter on every fixture", () => {
  const fixtures = { main: mainReport, empty: emptyReport, sections: sectionsReport };
  for (const name of formatterNames) {
    for (const [fixture, make] of Object.entries(fixtures)) {
      it(`${name} / ${fixture}`, async () => {
        const ext = name === "json" || name === "sarif" ? "json" : "txt";
        await expect(formatters[name](make(), PLAIN)).toMatchFileSnapshot(`__snapshots__/${name}-${fixture}.${ext}`);
      });
    }
  }
  it("stylish / main, coloured", async () => {
    await expect(stylish(mainReport(), COLOR)).toMatchFileSnapshot("__snapshots__/stylish-main-color.txt");
  });
});

describe("the formatter table", () => {
  it("holds the four reporters under their names", () => {
    expect(formatterNames).toEqual(["stylish", "json", "sarif", "github"]);
    expect(formatters.stylish).toBe(stylish);
    expect(formatters.github).toBe(github);
  });

  it("no reporter writes colour escapes when colour is off", () => {
    for (const name of formatterNames) {
      for (const report of [mainReport(), sectionsReport()]) expect(formatters[name](report, PLAIN)).not.toContain(ESC);
    }
  });
});

describe("stylish", () => {
  const plain = stylish(mainReport(), PLAIN);
  const lines = plain.split("\n");

  it("prints nothing for a clean run", () => {
    expect(stylish(emptyReport(), PLAIN)).toBe("");
    expect(stylish(emptyReport(), COLOR)).toBe("");
  });

  it("groups by file, shown relative to cwd, in path order", () => {
    expect(lines.indexOf("models/solver.prototxt")).toBe(0);
    expect(lines).toContain("models/train_val.prototxt");
    expect(lines.indexOf("models/solver.prototxt")).toBeLessThan(lines.indexOf("models/train_val.prototxt"));
  });

  it("aligns position, severity, message and rule id in columns within a file", () => {
    const start = lines.indexOf("models/train_val.prototxt");
    const rows = [INFO, FIXABLE, CONFIRMED].map((f) => lines.find((l, i) => i > start && l.includes(f.message))!);
    expect(rows.every((r) => r !== undefined)).toBe(true);
    expect(rows[0].startsWith("  7:3    info ")).toBe(true);
    expect(rows[1].startsWith("  12:5   error")).toBe(true);
    expect(rows[2].startsWith("  120:3  error")).toBe(true);
    for (const key of ["message", "ruleId"] as const) {
      const columns = rows.map((r, i) => r.indexOf([INFO, FIXABLE, CONFIRMED][i][key]));
      expect(new Set(columns).size).toBe(1);
    }
  });

  it("marks a confirmed finding and shows its evidence under the message", () => {
    const row = lines.find((l) => l.includes(CONFIRMED.message))!;
    expect(row).toMatch(new RegExp(`base-lr-too-high +${CONFIRMED_MARKER}$`));
    expect(row.indexOf(CONFIRMED_MARKER)).toBeGreaterThan(row.indexOf("base-lr-too-high"));
    const evidence = lines[lines.indexOf(row) + 1];
    expect(evidence.trim()).toBe("↳ probe: exploding — loss grew from 2.3 to 4.1e5 in 20 iterations");
    expect(evidence.indexOf("↳")).toBe(row.indexOf(CONFIRMED.message));
  });

  it("shows evidence from both probe and log, probe first", () => {
    const both: Finding = {
      ...CONFIRMED,
      confirmedByLog: { source: "log", verdict: "exploding", detail: "loss 2.3 -> 9e4 by iteration 300 (line 212)" },
    };
    const out = stylish(reportOf([both]), PLAIN).split("\n");
    const row = out.findIndex((l) => l.includes(both.message));
    expect(out[row].endsWith(CONFIRMED_MARKER)).toBe(true);
    expect(out[row + 1].trim()).toBe("↳ probe: exploding — loss grew from 2.3 to 4.1e5 in 20 iterations");
    expect(out[row + 2].trim()).toBe("↳ log: exploding — loss 2.3 -> 9e4 by iteration 300 (line 212)");
    expect(github(reportOf([both]), PLAIN)).toContain(
      "%0AConfirmed by the training probe (exploding): loss grew from 2.3 to 4.1e5 in 20 iterations%0AConfirmed by the training log (exploding): loss 2.3 -> 9e4 by iteration 300 (line 212)\n",
    );
  });

  it("gives the fix description as help", () => {
    expect(lines.some((l) => l.trim() === "help: set use_global_stats: false in layer bn1")).toBe(true);
  });

  it("shows a parse error under its id", () => {
    expect(lines.some((l) => l.startsWith("  3:9  error") && l.endsWith("parse-error"))).toBe(true);
  });

  it("ends with the summary and the fixable hint", () => {
    expect(lines.slice(-4)).toEqual([
      "✖ 5 problems (3 errors, 1 warning, 1 info)",
      "  1 error, 0 warnings and 0 infos potentially fixable with the `--fix` option.",
      "  1 problem confirmed by the training probe or log.",
      "",
    ]);
  });

  it("says 1 problem, not 1 problems, and has no fixable hint without edits", () => {
    const out = stylish(reportOf([INFO]), PLAIN);
    expect(out).toContain("✖ 1 problem (0 errors, 0 warnings, 1 info)\n");
    expect(out).not.toContain("fixable");
  });

  it("with colour, styles severities and summary and otherwise prints the same text", () => {
    const coloured = stylish(mainReport(), COLOR);
    expect(coloured).toContain(`${ESC}31merror`);
    expect(coloured).toContain(`${ESC}33mwarning`);
    expect(coloured).toContain(`${ESC}34minfo`);
    expect(coloured).toContain(`${ESC}4mmodels/solver.prototxt${ESC}24m`);
    expect(stripAnsi(coloured)).toBe(plain);
  });

  it("renders the dataset, probe and log sections", () => {
    const out = stylish(sectionsReport(), PLAIN).split("\n");
    expect(out[0]).toBe("Datasets");
    // In the order the load stage listed them; columns only some datasets fill stay blank in the others.
    expect(out[1]).toBe("  data/train_lmdb  lmdb  TRAIN  50000 items  3×32×32                       labels 0–9, 10 distinct");
    expect(out[2]).toBe("  data/test_lmdb   lmdb  TEST   10000 items  3×32×32                       labels 0–9, 4 distinct");
    expect(out[3]).toBe("  data/val_lmdb    lmdb  TEST   500 items    1×28×28  bytes  pixels 0–255  labels 0–1, 2 distinct   unshuffled");
    // losses 2.3, 2.1, 5.8, 40 over [2.1, 40]: levels 0.04, 0, 0.68, 7 of 7 -> ▁▁▂█, then × for NaN.
    expect(out).toContain("Probe: non-finite  ▁▁▂█×  2.3 → NaN (5 iterations)");
    expect(out).toContain("  first non-finite value: iteration 4, layer bn1, blob bn1, backward pass");
    // 2.3, 2.0, 1.6, 1.2, 1.0 over [1, 2.3]: levels 7, 5.4, 3.2, 1.1, 0.
    expect(out).toContain('  with fix "set use_global_stats: false in layer bn1": ok  █▆▄▂▁  2.3 → 1 (5 iterations)');
    expect(out).toContain("Log logs/train.log");
    // A gap where no loss was printed (null), × for "nan".
    expect(out).toContain("  loss ▁▁ ▁▁█×  2.3 → NaN (7 values)");
    const exploding = out.indexOf("  exploding at iteration 340: loss rose 1000-fold in 40 iterations");
    expect(exploding).toBeGreaterThan(0);
    expect(out[exploding + 1]).toBe("    see lines 212, 250");
    expect(out[exploding + 2]).toBe("  non-finite at iteration 380: loss became nan");
    expect(out[exploding + 3]).toBe("    see line 261");
    expect(out.some((l) => l.startsWith("✖"))).toBe(false);
  });

  it("summarises a label list longer than a function may take arguments", () => {
    const labels = Array.from({ length: 300_000 }, (_, i) => i % 7);
    const r = { ...emptyReport(), datasets: [{ source: "/project/data/big", labels }] };
    expect(stylish(r, PLAIN)).toBe("Datasets\n  data/big  labels 0–6, 7 distinct\n");
  });

  it("does not throw on sections of an unexpected shape", () => {
    const odd = { ...emptyReport(), datasets: [42, { nope: 1 }], probe: "fast", log: [1, 2] };
    expect(stylish(odd, PLAIN)).toBe("");
    const partial = { ...emptyReport(), probe: { verdict: "ok", losses: "many" } };
    expect(stylish(partial, PLAIN)).toBe("Probe: ok\n");
  });
});

describe("github", () => {
  const lines = github(mainReport(), PLAIN).trimEnd().split("\n");

  it("writes one workflow command per finding, in report order", () => {
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      "::error file=models/solver.prototxt,line=3,col=9,title=parse-error::Expected ':' or '{' after field name \"base_lr\"",
    );
    expect(lines[1]).toBe(
      '::warning file=models/solver.prototxt,line=5,col=1,endLine=5,endColumn=18,title=step-without-stepsize::lr_policy is "step" but stepsize is not set%0AFix: add stepsize: 10000 to the solver',
    );
  });

  it("uses ::notice for info findings", () => {
    expect(lines[2]).toBe(
      "::notice file=models/train_val.prototxt,line=7,col=3,title=redundant-scale-bias::conv1 has bias_term while scale1 adds a bias",
    );
  });

  it("drops columns of a multi-line span and adds the evidence", () => {
    expect(lines[4]).toBe(
      "::error file=models/train_val.prototxt,line=120,endLine=124,title=base-lr-too-high::base_lr 0.5 is too high for a net without normalisation%0AConfirmed by the training probe (exploding): loss grew from 2.3 to 4.1e5 in 20 iterations",
    );
  });

  it("escapes %, CR and LF in the message, and also : and , in properties", () => {
    const f: Finding = { ...INFO, file: "/project/odd,dir/a:b.prototxt", ruleId: "x", message: "100% sure\r\nnext: a, b" };
    expect(github(reportOf([f]), PLAIN)).toBe(
      "::notice file=odd%2Cdir/a%3Ab.prototxt,line=7,col=3,title=x::100%25 sure%0D%0Anext: a, b\n",
    );
  });

  it("prints nothing for a clean run", () => {
    expect(github(emptyReport(), PLAIN)).toBe("");
  });
});

describe("json", () => {
  const parsed = JSON.parse(json(mainReport(), PLAIN));

  it("writes every finding with the documented keys in a fixed order", () => {
    const fixable = parsed.results[1].findings[1];
    expect(Object.keys(fixable)).toEqual([
      "ruleId", "severity", "message", "file", "line", "column", "endLine", "endColumn", "layer", "phases", "fix",
    ]);
    expect(fixable.fix).toEqual(FIXABLE.fix);
    const parseError = parsed.results[0].findings[0];
    expect(parseError).toEqual({ ...PARSE_ERROR, layer: null, fix: null });
    expect(parsed.results[1].findings[2].confirmedByProbe).toEqual(CONFIRMED.confirmedByProbe);
  });

  it("carries the summary counts", () => {
    expect(parsed.summary).toMatchObject({ errorCount: 3, warningCount: 1, infoCount: 1, fixableErrorCount: 1, confirmedCount: 1, fileCount: 2 });
  });

  it("indents by two spaces and ends with a newline", () => {
    const text = json(emptyReport(), PLAIN);
    expect(text.split("\n")[1]).toBe('  "formatVersion": 1,');
    expect(text.endsWith("}\n")).toBe(true);
  });

  it("gives the same bytes whatever the key order of free-form sections", () => {
    const a = { ...emptyReport(), probe: { verdict: "ok", losses: [1, null], extra: { b: 1, a: 2 } } };
    const b = { ...emptyReport(), probe: { extra: { a: 2, b: 1 }, losses: [1, null], verdict: "ok" } };
    expect(json(a, PLAIN)).toBe(json(b, PLAIN));
    expect(json(a, PLAIN).indexOf('"extra"')).toBeLessThan(json(a, PLAIN).indexOf('"losses"'));
  });

  it("writes non-finite numbers as the log section does: \"nan\", \"inf\", \"-inf\"", () => {
    const r = { ...emptyReport(), probe: { verdict: "non-finite", losses: [1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null] } };
    expect(JSON.parse(json(r, PLAIN)).probe.losses).toEqual([1, "nan", "inf", "-inf", null]);
  });
});

describe("sarif", () => {
  const log = JSON.parse(sarif(mainReport(), PLAIN));
  const run = log.runs[0];
  const results = run.results as any[];

  it("has the SARIF 2.1.0 envelope", () => {
    expect(log.$schema).toBe("https://json.schemastore.org/sarif-2.1.0.json");
    expect(log.version).toBe("2.1.0");
    expect(run.tool.driver).toMatchObject({ name: "bnlint", version: "0.1.0" });
    expect(run.originalUriBaseIds["%SRCROOT%"].uri).toBe("file:///project/");
  });

  it("lists each rule once, including parse-error, and points results at them", () => {
    const ids = run.tool.driver.rules.map((r: any) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain("parse-error");
    for (const r of results) expect(ids[r.ruleIndex]).toBe(r.ruleId);
    const bn = run.tool.driver.rules[ids.indexOf("bn-global-stats-phase")];
    expect(bn.shortDescription.text).toBe(RULES[0].description);
    expect(bn.defaultConfiguration.level).toBe("error");
    expect(run.tool.driver.rules[ids.indexOf("redundant-scale-bias")].defaultConfiguration.level).toBe("note");
  });

  it("maps severities to levels and locations to relative URIs", () => {
    expect(results.map((r) => [r.ruleId, r.level])).toEqual([
      ["parse-error", "error"],
      ["step-without-stepsize", "warning"],
      ["redundant-scale-bias", "note"],
      ["bn-global-stats-phase", "error"],
      ["base-lr-too-high", "error"],
    ]);
    expect(results[3].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "models/train_val.prototxt", uriBaseId: "%SRCROOT%" },
      region: { startLine: 12, startColumn: 5, endLine: 12, endColumn: 27 },
    });
    expect(results[0].locations[0].physicalLocation.region).toEqual({ startLine: 3, startColumn: 9 });
  });

  it("turns edits into a fix, and only edits", () => {
    expect(results[3].fixes).toEqual([
      {
        description: { text: "set use_global_stats: false in layer bn1" },
        artifactChanges: [
          {
            artifactLocation: { uri: "models/train_val.prototxt", uriBaseId: "%SRCROOT%" },
            replacements: [
              { deletedRegion: { startLine: 12, startColumn: 23, endLine: 12, endColumn: 27 }, insertedContent: { text: "false" } },
            ],
          },
        ],
      },
    ]);
    expect(results[1].fixes).toBeUndefined();
  });

  it("puts the probe's evidence in the message", () => {
    expect(results[4].message.text).toBe(
      "base_lr 0.5 is too high for a net without normalisation\nConfirmed by the training probe (exploding): loss grew from 2.3 to 4.1e5 in 20 iterations",
    );
  });

  it("uses an absolute file URI outside cwd", () => {
    const out = JSON.parse(sarif(reportOf([{ ...INFO, file: "/elsewhere/my net.prototxt" }]), PLAIN));
    expect(out.runs[0].results[0].locations[0].physicalLocation.artifactLocation).toEqual({ uri: "file:///elsewhere/my%20net.prototxt" });
  });

  it("gives every result a start line, even a file-level finding", () => {
    const fileLevel: Finding = { ...INFO, line: 0, column: 0 };
    const region = JSON.parse(sarif(reportOf([fileLevel]), PLAIN)).runs[0].results[0].locations[0].physicalLocation.region;
    expect(region).toEqual({ startLine: 1 });
  });

  it("has an empty results array for a clean run", () => {
    expect(JSON.parse(sarif(emptyReport(), PLAIN)).runs[0].results).toEqual([]);
  });
});
