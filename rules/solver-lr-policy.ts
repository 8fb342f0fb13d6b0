import { has, num, nums, str } from "../src/model/access.js";
import { defineRule } from "./types.js";
import type { RuleReport } from "./types.js";


type MessageId = "missingPolicy" | "unknownPolicy" | "missingParam" | "zeroRate" | "noBaseLr" | "negativeGamma";

/** Caffe's lr policies and what each needs (SGDSolver::GetLearningRate, src/caffe/solvers/sgd_solver.cpp). */
const POLICIES = ["fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid"];

export default defineRule<MessageId>({
  meta: {
    id: "solver-lr-policy",
    category: "problem",
    description: "Give the learning-rate policy every parameter its formula needs",
    defaultSeverity: "error",
    fixable: true,
    messages: {
      missingPolicy: "The solver has no lr_policy: Caffe stops at the first iteration with \"Unknown learning rate policy: \"",
      unknownPolicy: "lr_policy \"{{policy}}\" is not one of Caffe's policies ({{known}}): Caffe stops with \"Unknown learning rate policy\"",
      missingParam: "lr_policy \"{{policy}}\" needs {{param}} ({{formula}}); without it {{effect}}",
      zeroRate: "lr_policy \"{{policy}}\" with gamma 0 ({{formula}}) drops the learning rate to 0 {{when}}: training stops learning",
      noBaseLr: "The solver has no base_lr (default 0): the learning rate is 0 and nothing is learnt",
      negativeGamma: "lr_policy \"sigmoid\" with a negative gamma ({{gamma}}) makes the rate fall, not rise; Caffe ≥ 1.0 refuses it",
    },
    docs: {
      whatItDoes:
        "Checks the solver's `lr_policy` and the parameters its formula uses: `stepsize` for step and sigmoid, `gamma` for step/exp/inv/multistep/sigmoid, `power` for inv and poly, `max_iter` for poly, `stepvalue` for multistep, and a `base_lr`.",
      whyIsThisBad:
        "Caffe has no default policy and stops with \"Unknown learning rate policy\" when it is missing or misspelt. Parameters it divides by default to 0: step with no stepsize divides by zero (the process dies), poly with no max_iter gives an infinite or NaN rate, and a missing gamma turns step, exp and multistep into a rate of exactly 0 after the first step, so the loss freezes.",
      example: `net: "train_val.prototxt"
base_lr: 0.01
lr_policy: "step"
momentum: 0.9
max_iter: 10000
`,
      useInstead: `net: "train_val.prototxt"
base_lr: 0.01
lr_policy: "step"
gamma: 0.1
stepsize: 5000
momentum: 0.9
max_iter: 10000
`,
      exampleKind: "solver",
      options: "None.",
      fixSafety: "A missing lr_policy is fixed as `lr_policy: \"fixed\"`, which keeps base_lr constant; the other cases need a choice and have no automatic fix.",
      references: ["BVLC/caffe src/caffe/solvers/sgd_solver.cpp, SGDSolver::GetLearningRate", "BVLC/caffe src/caffe/proto/caffe.proto, SolverParameter (lr_policy has no default)"],
    },
  },
  check(context) {
    const solver = context.solver?.solver;
    if (!solver) return [];
    const file = context.solver!.file;
    const reports: RuleReport<MessageId>[] = [];
    const at = (messageId: MessageId, field: string | undefined, data: Record<string, string | number> = {}, fix?: RuleReport["fix"]) =>
      reports.push({ messageId, data, node: solver, field, phases: [], file, ...(fix ? { fix } : {}) });

    if (!has(solver, "base_lr")) at("noBaseLr", undefined);
    const policy = str(solver, "lr_policy");
    if (policy === undefined) {
      at("missingPolicy", "base_lr", {}, { description: "add 'lr_policy: \"fixed\"' (or the schedule you intended)", edits: insertTopLevel(file, context.sourceLines, 'lr_policy: "fixed"') });
      return reports;
    }
    if (!POLICIES.includes(policy)) {
      at("unknownPolicy", "lr_policy", { policy, known: POLICIES.join(", ") });
      return reports;
    }
    const gamma = num(solver, "gamma", 0);
    const need = (field: string, formula: string, effect: string) => {
      if (!has(solver, field)) at("missingParam", "lr_policy", { policy, param: field, formula, effect });
    };
    switch (policy) {
      case "step":
        need("stepsize", "base_lr * gamma ^ floor(iter / stepsize)", "Caffe divides by zero and the process dies");
        if (gamma === 0) at("zeroRate", has(solver, "gamma") ? "gamma" : "lr_policy", { policy, formula: "base_lr * gamma ^ floor(iter / stepsize)", when: "after the first stepsize iterations" });
        break;
      case "exp":
        if (gamma === 0) at("zeroRate", has(solver, "gamma") ? "gamma" : "lr_policy", { policy, formula: "base_lr * gamma ^ iter", when: "from iteration 1" });
        break;
      case "multistep":
        need("stepvalue", "base_lr * gamma ^ (number of stepvalues passed)", "the rate never changes (use \"fixed\" if that is meant)");
        if (gamma === 0 && nums(solver, "stepvalue").length > 0) at("zeroRate", has(solver, "gamma") ? "gamma" : "lr_policy", { policy, formula: "base_lr * gamma ^ (number of stepvalues passed)", when: "at the first stepvalue" });
        break;
      case "inv":
        need("gamma", "base_lr * (1 + gamma * iter) ^ (- power)", "the rate never decays");
        need("power", "base_lr * (1 + gamma * iter) ^ (- power)", "the rate never decays");
        break;
      case "poly":
        need("max_iter", "base_lr * (1 - iter / max_iter) ^ power", "iter / 0 makes the rate infinite or NaN");
        need("power", "base_lr * (1 - iter / max_iter) ^ power", "the rate never decays");
        break;
      case "sigmoid":
        need("stepsize", "base_lr / (1 + exp(-gamma * (iter - stepsize)))", "the rate is centred on iteration 0");
        if (gamma < 0) at("negativeGamma", "gamma", { gamma });
        break;
    }
    return reports;
  },
});

/** An edit appending a top-level line at the end of the solver file. */
function insertTopLevel(file: string, lines: string[] | undefined, text: string) {
  if (!lines) return [];
  const last = lines.length;
  const lastText = lines[last - 1] ?? "";
  return lastText === ""
    ? [{ file, line: last, column: 1, endLine: last, endColumn: 1, text: `${text}\n` }]
    : [{ file, line: last, column: lastText.length + 1, endLine: last, endColumn: lastText.length + 1, text: `\n${text}\n` }];
}

