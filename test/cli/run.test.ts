/** The command line in process: exit codes, formats, errors without stack traces. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import type { CliIo } from "../../src/cli/io.js";

const ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const EXAMPLE = path.join(ROOT, "fixtures/examples/bn_global_stats");

async function cli(args: string[], cwd = ROOT): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), stdoutIsTTY: false, stderrIsTTY: false, cwd, env: {} };
  const code = await run(args, io);
  return { code, out, err };
}

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-cli-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const CLEAN_NET = `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 } }
`;

describe("bnlint CLI", () => {
  it("reports the bundled example's BatchNorm mistake with exit code 1", async () => {
    const r = await cli([path.join(EXAMPLE, "solver.prototxt"), "--no-probe"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/train_val\.prototxt\n/);
    expect(r.out).toMatch(/^\s+43:22\s+error\s+BatchNorm 'bn1' uses global statistics in TRAIN.*bn-global-stats-phase$/m);
    expect(r.out).not.toMatch(/\x1b\[/);
  });

  it("exits 0 on a clean net and prints nothing", async () => {
    const dir = tempDir({ "deploy.prototxt": CLEAN_NET });
    const r = await cli(["deploy.prototxt"], dir);
    expect(r).toEqual({ code: 0, out: "", err: "" });
  });

  it("exits 2 with file:line:col and no stack trace on a syntax error", async () => {
    const dir = tempDir({ "bad.prototxt": `layer {\n  name: "x"\n  type: "ReLU"\n` });
    const r = await cli(["bad.prototxt"], dir);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/bad\.prototxt\n\s+4:1\s+error\s+.*parse-error/);
    expect(r.out + r.err).not.toMatch(/\n\s+at /);
  });

  it("names the closest field for a misspelt one", async () => {
    const dir = tempDir({ "typo.prototxt": `layer { name: "bn" type: "BatchNorm" batch_norm_param { use_global_stat: true } }\n` });
    const r = await cli(["typo.prototxt", "--format", "json"], dir);
    expect(r.code).toBe(2);
    const finding = JSON.parse(r.out).results[0].findings.find((f: { ruleId: string }) => f.ruleId === "parse-error");
    expect(finding).toMatchObject({ ruleId: "parse-error", line: 1, column: 57 });
    expect(finding.message).toMatch(/use_global_stats/);
  });

  it("exits 2 for a missing file and for a usage error", async () => {
    expect((await cli(["does-not-exist.prototxt"])).code).toBe(2);
    const r = await cli(["--format", "xml", path.join(EXAMPLE, "solver.prototxt")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^bnlint: unknown format 'xml'/);
    const unknown = await cli(["--no-such-option"]);
    expect(unknown.code).toBe(2);
  });

  it("writes a JSON report that validates against the shipped schema", async () => {
    const dir = tempDir({});
    const out = path.join(dir, "report.json");
    const r = await cli([path.join(EXAMPLE, "solver.prototxt"), "-f", "json", "-o", out, "--no-probe"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    const report = JSON.parse(fs.readFileSync(out, "utf8"));
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "schema/report.schema.json"), "utf8"));
    const validate = new Ajv.default({ strict: false }).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    const finding = report.results.flatMap((x: { findings: unknown[] }) => x.findings).find((f: { ruleId: string }) => f.ruleId === "bn-global-stats-phase");
    expect(finding).toMatchObject({ severity: "error", line: 43, column: 22, layer: "bn1", phases: ["TRAIN"] });
    expect(finding.fix.description).toMatch(/remove 'use_global_stats: true'/);
  });

  it("honours --max-warnings", async () => {
    const dir = tempDir({
      "net.prototxt": `layer { name: "d" type: "ImageData" top: "data" top: "label" include { phase: TRAIN } transform_param { scale: 0.00390625 } image_data_param { source: "l.txt" batch_size: 32 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`,
    });
    expect((await cli(["net.prototxt"], dir)).code).toBe(0);
    const r = await cli(["net.prototxt", "--max-warnings", "0"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/more than --max-warnings 0/);
  });

  it("applies .bnlintrc.json found upward and inline disable comments", async () => {
    const dir = tempDir({
      ".bnlintrc.json": JSON.stringify({ rules: { "bn-global-stats-phase": "warning" } }),
      "a.prototxt": fs.readFileSync(path.join(EXAMPLE, "train_val.prototxt"), "utf8"),
    });
    const r = await cli(["a.prototxt", "-f", "json", "--no-data", "--no-probe"], dir);
    expect(r.code).toBe(0);
    const severities = JSON.parse(r.out).results[0].findings.map((f: { ruleId: string; severity: string }) => `${f.ruleId}:${f.severity}`);
    expect(severities).toEqual(["bn-global-stats-phase:warning", "bn-global-stats-phase:warning"]);
    const text = fs.readFileSync(path.join(EXAMPLE, "train_val.prototxt"), "utf8").replace(/(\n\s+batch_norm_param \{ use_global_stats: true \})/g, "\n  # bnlint-disable-next-line bn-global-stats-phase -- loaded from a snapshot$1");
    fs.writeFileSync(path.join(dir, "b.prototxt"), text);
    const disabled = await cli(["b.prototxt", "-f", "json", "--no-data", "--config", path.join(dir, ".bnlintrc.json")], dir);
    expect(JSON.parse(disabled.out).results[0].findings).toEqual([]);
  });

  it("rejects an invalid configuration naming the bad key", async () => {
    const dir = tempDir({ ".bnlintrc.json": JSON.stringify({ rules: { "bn-global-stats-phase": "fatal" } }), "n.prototxt": CLEAN_NET });
    const r = await cli(["n.prototxt"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/rules\.bn-global-stats-phase/);
  });

  it("lists rules and explains one in Ruff's heading order", async () => {
    const list = await cli(["--list-rules"]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^bn-global-stats-phase\s+error\s+fix\s+Use batch statistics/m);
    const explained = await cli(["explain", "bn-global-stats-phase"]);
    const headings = explained.out.split("\n").filter((l) => l.startsWith("## "));
    expect(headings).toEqual(["## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Options", "## Fix safety", "## References"]);
    const typo = await cli(["explain", "bn-global-stat-phase"]);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/did you mean bn-global-stats-phase/);
  });

  it("dumps a net as protobuf JSON with .proto names", async () => {
    const r = await cli(["dump", path.join(EXAMPLE, "train_val.prototxt")]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.name).toBe("LeNet-BN");
    expect(json.layer[3]).toMatchObject({ name: "bn1", type: "BatchNorm", batch_norm_param: { use_global_stats: true } });
    expect(json.layer[0].include).toEqual([{ phase: "TRAIN" }]);
  });

  it("emits GitHub annotations and SARIF", async () => {
    const gh = await cli([path.join(EXAMPLE, "solver.prototxt"), "-f", "github", "--no-probe"]);
    expect(gh.out).toMatch(/^::error file=.*train_val\.prototxt,line=43,/m);
    const sarif = JSON.parse((await cli([path.join(EXAMPLE, "solver.prototxt"), "-f", "sarif", "--no-probe"])).out);
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0].results[0].ruleId).toBe("bn-global-stats-phase");
  });
});

describe("bnlint --fix", () => {
  it("writes the fixes into the prototxt and reports what is left", async () => {
    const dir = tempDir({
      "train_val.prototxt": fs.readFileSync(path.join(EXAMPLE, "train_val.prototxt"), "utf8"),
      ".bnlintrc.json": JSON.stringify({ maxWarnings: 0 }),
    });
    const r = await cli(["train_val.prototxt", "--fix", "--no-probe", "--no-data", "-f", "json"], dir);
    expect(r.err).toMatch(/applied 2 fixes to train_val\.prototxt/);
    const fixed = fs.readFileSync(path.join(dir, "train_val.prototxt"), "utf8");
    expect(fixed).not.toMatch(/use_global_stats/);
    expect(JSON.parse(r.out).results[0].findings).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("takes maxWarnings from the configuration when the flag is absent", async () => {
    const dir = tempDir({
      ".bnlintrc.json": JSON.stringify({ maxWarnings: 0 }),
      "net.prototxt": `layer { name: "d" type: "ImageData" top: "data" top: "label" include { phase: TRAIN } transform_param { scale: 0.00390625 } image_data_param { source: "l.txt" batch_size: 32 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`,
    });
    const r = await cli(["net.prototxt", "--no-probe"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/more than maxWarnings 0/);
  });
});

describe("bnlint data", () => {
  it("writes a shuffled copy and refuses to overwrite", async () => {
    const dir = tempDir({});
    const dst = path.join(dir, "shuffled");
    const r = await cli(["data", "shuffle", path.join(ROOT, "fixtures/lmdb/sorted40"), dst, "--seed", "3"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote 40 records in shuffled order/);
    const again = await cli(["data", "shuffle", path.join(ROOT, "fixtures/lmdb/sorted40"), dst]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/refusing to write/);
    // The shuffled copy no longer trips data-not-shuffled.
    fs.writeFileSync(path.join(dir, "net.prototxt"), `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } transform_param { scale: 0.00390625 } data_param { source: "shuffled" backend: LMDB batch_size: 4 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`);
    const lint = await cli(["net.prototxt", "--no-probe", "-f", "json"], dir);
    expect(JSON.parse(lint.out).results[0].findings.map((f: { ruleId: string }) => f.ruleId)).not.toContain("data-not-shuffled");
  });

  it("relabels 1-based labels to 0-based", async () => {
    const dir = tempDir({});
    const dst = path.join(dir, "zero_based");
    const r = await cli(["data", "relabel", path.join(ROOT, "fixtures/lmdb/one_based40"), dst, "--map", "1..10=0..9"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/relabelled 1: 4/);
    const bad = await cli(["data", "relabel", path.join(ROOT, "fixtures/lmdb/one_based40"), path.join(dir, "x"), "--map", "1..10=0..8"]);
    expect(bad.code).toBe(2);
  });
});

describe("bnlint --proto", () => {
  it("lints a fork's net with the fork's caffe.proto, and hints at --proto without it", async () => {
    const ours = fs.readFileSync(path.join(ROOT, "src/schema/caffe.proto"), "utf8");
    // A fork adds a field to LayerParameter, as SSD adds its own parameters.
    const fork = ours.replace(/message LayerParameter \{/, "message LayerParameter {\n  optional float fork_margin = 9001;");
    expect(fork).not.toBe(ours);
    const dir = tempDir({ "fork.proto": fork, "net.prototxt": CLEAN_NET.replace('type: "Convolution"', 'type: "Convolution" fork_margin: 0.5') });
    const without = await cli(["net.prototxt", "-f", "json"], dir);
    expect(without.code).toBe(2);
    const finding = JSON.parse(without.out).results[0].findings.find((f: { ruleId: string }) => f.ruleId === "parse-error");
    expect(finding.message).toMatch(/fork_margin/);
    expect(finding.message).toMatch(/--proto/);
    const withFork = await cli(["net.prototxt", "--proto", "fork.proto"], dir);
    expect(withFork).toMatchObject({ code: 0, out: "" });
    const broken = await cli(["net.prototxt", "--proto", "missing.proto"], dir);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/missing\.proto.*no such file/);
  });
});

describe("inline directives", () => {
  it("reports a disable comment that switches nothing off", async () => {
    const dir = tempDir({ "n.prototxt": `# bnlint-disable-next-line bn-global-stats-phase -- stale\n${CLEAN_NET}` });
    const r = await cli(["n.prototxt", "-f", "json", "--no-data"], dir);
    const findings = JSON.parse(r.out).results[0].findings;
    expect(findings.map((f: { ruleId: string; line: number }) => `${f.ruleId}:${f.line}`)).toEqual(["unused-disable-directive:1"]);
    expect(r.code).toBe(0);
  });
});

describe("configured levels for the pipeline's own findings", () => {
  it("turns deprecated-format off and unused-disable-directive into an error", async () => {
    const dir = tempDir({
      ".bnlintrc.json": JSON.stringify({ rules: { "deprecated-format": "off", "unused-disable-directive": "error" } }),
      "v1.prototxt": `# bnlint-disable-next-line zero-init-weights\ninput: "data"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 8\ninput_dim: 8\nlayers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv" convolution_param { num_output: 2 kernel_size: 3 } }\n`,
    });
    const r = await cli(["v1.prototxt", "-f", "json"], dir);
    const ids = JSON.parse(r.out).results[0].findings.map((f: { ruleId: string; severity: string }) => `${f.ruleId}:${f.severity}`);
    expect(ids).toEqual(["unused-disable-directive:error"]);
    expect(r.code).toBe(1);
    const without = await cli(["v1.prototxt", "-f", "json", "--config", path.join(dir, "none.json")], dir);
    expect(without.code).toBe(2);
  });
});

describe("odd inputs", () => {
  it("says a binary file is not a prototxt, and handles an empty one", async () => {
    const dir = tempDir({ "empty.prototxt": "" });
    fs.writeFileSync(path.join(dir, "model.caffemodel"), Buffer.from([0x0a, 0x03, 0x6e, 0x65, 0x74, 0x00, 0x01, 0x02]));
    const bin = await cli(["model.caffemodel"], dir);
    expect(bin.code).toBe(2);
    expect(bin.out).toMatch(/binary file \(a \.caffemodel/);
    expect(await cli(["empty.prototxt"], dir)).toMatchObject({ code: 0, out: "" });
  });
});

describe("bnlint executable and the engine's environment variables", () => {
  const MAIN = path.join(ROOT, "dist/src/cli/main.js");
  const built = fs.existsSync(MAIN);
  if (!built) console.warn(`skipping: ${path.relative(ROOT, MAIN)} is not built (npm test builds it first)`);

  it.skipIf(!built)("rejects a bad BNLINT_THREADS or BNLINT_GEMM with a usage error, not a stack trace", () => {
    const r = spawnSync(process.execPath, [MAIN, path.join(EXAMPLE, "solver.prototxt"), "--no-probe"], {
      env: { ...process.env, BNLINT_THREADS: "3", BNLINT_GEMM: "fast" },
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bnlint: BNLINT_THREADS must be 1 or 2, not "3"');
    expect(r.stderr).toContain('bnlint: BNLINT_GEMM must be one of auto, ts, wasm, not "fast"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  it.skipIf(!built)("runs on one thread with BNLINT_THREADS=1", () => {
    const r = spawnSync(process.execPath, [MAIN, path.join(EXAMPLE, "solver.prototxt"), "--no-probe", "--format", "json"], {
      env: { ...process.env, BNLINT_THREADS: "1" },
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).summary.errorCount).toBeGreaterThan(0);
  });
});
