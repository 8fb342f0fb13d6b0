import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import {
  isV1Net,
  netFormat,
  positionsOf,
  spanOf,
  toProtoJson,
  upgradeNet,
  upgradeSolver,
  V1_LAYER_TYPES,
  type PlainMessage,
} from "../../src/schema/index.js";
import { bindText, caffeSchema, corpusSource, expectedJson, HAVE_CORPUS, readManifest, textAt } from "./helpers.js";

const netJson = (net: PlainMessage) => toProtoJson(net, "caffe.NetParameter", caffeSchema());

describe("netFormat", () => {
  it("tells V0, V1, V2 and mixed nets apart", () => {
    expect(netFormat(bindText('layer { name: "a" type: "ReLU" }').message)).toBe("V2");
    expect(netFormat(bindText('layers { name: "a" type: RELU }').message)).toBe("V1");
    expect(netFormat(bindText('layers { layer { name: "a" type: "relu" } }').message)).toBe("V0");
    expect(netFormat(bindText('layer { name: "a" type: "ReLU" } layers { name: "b" type: RELU }').message)).toBe("mixed");
    expect(netFormat(bindText('name: "empty"').message)).toBe("V2");
    expect(isV1Net(bindText('layers { name: "a" type: RELU }').message)).toBe(true);
    expect(isV1Net(bindText('layers { layer { name: "a" type: "relu" } }').message)).toBe(true);
    expect(isV1Net(bindText('layer { name: "a" type: "ReLU" }').message)).toBe(false);
  });
});

describe("upgradeNet on hand-written nets", () => {
  it("turns a V1 convolution with blobs_lr / weight_decay into param blocks, keeping the original positions", () => {
    const source = [
      'name: "n"',
      "layers {",
      '  name: "conv1"',
      "  type: CONVOLUTION",
      '  bottom: "data"',
      '  top: "conv1"',
      "  blobs_lr: 1",
      "  blobs_lr: 2",
      "  weight_decay: 1",
      "  weight_decay: 0",
      "  convolution_param { num_output: 8 kernel_size: 3 }",
      "}",
    ].join("\n");
    const { message, diagnostics } = bindText(source);
    expect(diagnostics).toEqual([]);
    const { net, notes } = upgradeNet(message);
    expect(netJson(net)).toEqual({
      name: "n",
      layer: [
        {
          name: "conv1",
          type: "Convolution",
          bottom: ["data"],
          top: ["conv1"],
          param: [
            { lr_mult: 1, decay_mult: 1 },
            { lr_mult: 2, decay_mult: 0 },
          ],
          convolution_param: { num_output: 8, kernel_size: [3] },
        },
      ],
    });
    expect(notes.map((n) => n.severity)).toEqual(["warning"]);
    expect(notes[0]!.line).toBe(2);
    const layer = (net.layer as PlainMessage[])[0]!;
    expect(spanOf(layer)?.start.line).toBe(2);
    expect(textAt(source, positionsOf(layer)!.fields.get("type")![0]!.value)).toBe("CONVOLUTION");
    const second = (layer.param as PlainMessage[])[1]!;
    expect(textAt(source, positionsOf(second)!.fields.get("lr_mult")![0]!.name)).toBe("blobs_lr");
    expect(spanOf(second, "lr_mult")?.start.line).toBe(8);
    expect(spanOf(second, "decay_mult")?.start.line).toBe(10);
    expect(spanOf(layer, "convolution_param")?.start.line).toBe(11);
    // The input message is left as it was.
    expect(netFormat(message)).toBe("V1");
  });

  it("moves data_param transformation fields to transform_param, as Caffe's data upgrade does", () => {
    const source = 'layers { name: "d" type: DATA top: "data" data_param { source: "db" batch_size: 4 scale: 0.5 mirror: true } }';
    const { net, notes } = upgradeNet(bindText(source).message);
    expect(netJson(net).layer).toEqual([
      { name: "d", type: "Data", top: ["data"], data_param: { source: "db", batch_size: 4 }, transform_param: { scale: 0.5, mirror: true } },
    ]);
    expect(notes.filter((n) => n.message.includes("transform_param"))).toHaveLength(2);
    const transform = (net.layer as PlainMessage[])[0]!.transform_param as PlainMessage;
    expect(textAt(source, positionsOf(transform)!.fields.get("scale")![0]!.name)).toBe("scale");
  });

  it("turns input + input_dim into a first Input layer named input", () => {
    const source = 'input: "data"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 8\ninput_dim: 8\nlayer { name: "r" type: "ReLU" bottom: "data" top: "data" }';
    const { net } = upgradeNet(bindText(source).message);
    expect(netJson(net)).toEqual({
      layer: [
        { name: "input", type: "Input", top: ["data"], input_param: { shape: [{ dim: ["1", "3", "8", "8"] }] } },
        { name: "r", type: "ReLU", bottom: ["data"], top: ["data"] },
      ],
    });
    const input = (net.layer as PlainMessage[])[0]!;
    expect(spanOf(input, "top")?.start.line).toBe(1);
    const shape = ((input.input_param as PlainMessage).shape as PlainMessage[])[0]!;
    expect(spanOf(shape, "dim", 3)?.start.line).toBe(5);
  });

  it("reports inputs with too few input_dim values as an error", () => {
    const { notes } = upgradeNet(bindText('input: "a"\ninput: "b"\ninput_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8').message);
    const errors = notes.filter((n) => n.severity === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.line).toBe(2);
  });

  it("refuses a net mixing layer and layers, as Caffe does", () => {
    const { notes } = upgradeNet(bindText('layer { name: "a" type: "ReLU" }\nlayers { name: "b" type: RELU }').message);
    expect(notes.some((n) => n.severity === "error" && n.line === 2)).toBe(true);
  });

  it("forces lr_mult and decay_mult to 0 on a BatchNorm with three param blocks, and says so when a value changes", () => {
    const source = 'layer { name: "bn" type: "BatchNorm" param { lr_mult: 1 } param { lr_mult: 0 } param { lr_mult: 0 } }';
    const { net, notes } = upgradeNet(bindText(source).message);
    expect(netJson(net).layer).toEqual([
      {
        name: "bn",
        type: "BatchNorm",
        param: [
          { lr_mult: 0, decay_mult: 0 },
          { lr_mult: 0, decay_mult: 0 },
          { lr_mult: 0, decay_mult: 0 },
        ],
      },
    ]);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.message).toContain("lr_mult");
  });

  it("upgrades a V0 net, folding a padding layer into the convolution that reads it", () => {
    const source = [
      'input: "data"',
      'layers { layer { name: "pad1" type: "padding" pad: 2 } bottom: "data" top: "pad1" }',
      'layers { layer { name: "conv1" type: "conv" num_output: 4 kernelsize: 5 blobs_lr: 1 blobs_lr: 2 } bottom: "pad1" top: "conv1" }',
      'layers { layer { name: "relu1" type: "relu" num_output: 3 } bottom: "conv1" top: "conv1" }',
    ].join("\n");
    const { net, notes } = upgradeNet(bindText(source).message);
    expect(netJson(net).layer).toEqual([
      {
        name: "conv1",
        type: "Convolution",
        bottom: ["data"],
        top: ["conv1"],
        param: [{ lr_mult: 1 }, { lr_mult: 2 }],
        convolution_param: { num_output: 4, pad: [2], kernel_size: [5] },
      },
      { name: "relu1", type: "ReLU", bottom: ["conv1"], top: ["conv1"] },
    ]);
    // num_output means nothing to a V0 relu: Caffe drops it with a message.
    expect(notes.some((n) => n.severity === "warning" && n.line === 4 && n.message.includes("num_output"))).toBe(true);
    const conv = (net.layer as PlainMessage[])[0]!;
    expect(spanOf(conv)?.start.line).toBe(3);
    expect(spanOf(conv.convolution_param as PlainMessage, "pad")?.start.line).toBe(2);
  });
});

describe("upgradeSolver", () => {
  it("turns solver_type into type and warns about inline V1 nets Caffe would not upgrade", () => {
    const source = 'solver_type: ADAM\nbase_lr: 0.1\nnet_param { layers { name: "r" type: RELU } }';
    const { solver, notes } = upgradeSolver(bindText(source, "caffe.SolverParameter").message);
    expect(solver.type).toBe("Adam");
    expect(solver.solver_type).toBeUndefined();
    expect(spanOf(solver, "type")?.start.line).toBe(1);
    expect(notes.map((n) => n.line)).toEqual([1, 3]);
  });

  it("refuses solver_type together with type", () => {
    const { notes } = upgradeSolver(bindText('type: "SGD"\nsolver_type: SGD', "caffe.SolverParameter").message);
    expect(notes.filter((n) => n.severity === "error")).toHaveLength(1);
  });
});

if (!HAVE_CORPUS) console.warn("schema upgrade corpus tests skipped: ../shared absent");

describe.skipIf(!HAVE_CORPUS)("upgradeNet on the shared corpus (skipped when ../shared absent)", () => {
  const manifest = readManifest().filter((e) => e.message === "caffe.NetParameter" && e.reference_parser === "accepts");

  it("has nets of every format", () => {
    expect(new Set(manifest.map((e) => e.format))).toEqual(new Set(["V0", "V1", "V2"]));
  });

  it.each(manifest.map((e) => [path.basename(e.file), e] as const))("detects the format of %s as the manifest states it", (_name, entry) => {
    expect(netFormat(bindText(corpusSource(entry)).message)).toBe(entry.format);
  });

  const old = manifest.filter((e) => e.format === "V1" || e.format === "V0");
  it.each(old.map((e) => [path.basename(e.file), e] as const))("upgrades %s to V2 with positions on the original text", (_name, entry) => {
    const source = corpusSource(entry);
    const { message } = bindText(source);
    const { net, notes } = upgradeNet(message);
    expect(notes.filter((n) => n.severity === "error")).toEqual([]);
    expect(netFormat(net)).toBe("V2");
    const layers = net.layer as PlainMessage[];
    const paddingLayers = (message.layers as PlainMessage[]).filter((l) => (l.layer as PlainMessage | undefined)?.type === "padding").length;
    const inputLayers = message.input_dim || message.input_shape ? 1 : 0;
    expect(layers.length).toBe((message.layers as PlainMessage[]).length - paddingLayers + inputLayers);
    const knownTypes = new Set([...Object.values(V1_LAYER_TYPES), "Input"]);
    for (const layer of layers) {
      expect(knownTypes.has(layer.type as string)).toBe(true);
      const pos = positionsOf(layer);
      expect(pos).toBeDefined();
      if (layer.type === "Input") continue;
      // Every upgraded field points at text of the original file under its old name.
      expect(textAt(source, pos!.fields.get("name")?.[0]?.name)).toBe("name");
      expect(textAt(source, pos!.fields.get("type")?.[0]?.name)).toBe("type");
      for (const spec of (layer.param as PlainMessage[] | undefined) ?? []) {
        const specPos = positionsOf(spec)!;
        if (spec.lr_mult !== undefined) expect(textAt(source, specPos.fields.get("lr_mult")![0]!.name)).toBe("blobs_lr");
        if (spec.decay_mult !== undefined) expect(textAt(source, specPos.fields.get("decay_mult")![0]!.name)).toBe("weight_decay");
      }
    }
    expect(() => netJson(net)).not.toThrow();
  });

  /**
   * BVLC upgraded its own V1 example nets to V2 with Caffe's upgrade tool, so an
   * upgraded old version must equal the reference JSON of the newer file, except
   * for later hand edits, listed here and normalised before comparing.
   */
  const HAND_EDITS: Record<string, string> = {
    "examples/hdf5_classification/train_val.prototxt": "weight filler changed after the upgrade",
    "models/bvlc_googlenet/train_val.prototxt": "weight filler std removed and a loss top renamed after the upgrade",
    "models/finetune_flickr_style/train_val.prototxt": "layers reordered after the upgrade",
  };
  const pairs = old
    .map((v1) => [v1, manifest.find((e) => e.format === "V2" && e.repo === v1.repo && e.path === v1.path)] as const)
    .filter((p) => p[1] !== undefined);

  it("reproduces BVLC's own V1 to V2 upgrades of its example nets", () => {
    expect(pairs.length).toBeGreaterThan(10);
    let exact = 0;
    for (const [v1, v2] of pairs) {
      const upgraded = netJson(upgradeNet(bindText(corpusSource(v1)).message).net) as { layer: Record<string, unknown>[] };
      const reference = expectedJson(v2!) as { layer: Record<string, unknown>[] };
      // Deploy nets: Caffe names the Input layer "input"; BVLC renamed it "data" by hand.
      for (const layer of upgraded.layer) if (layer.type === "Input" && reference.layer[0]?.name === "data") layer.name = "data";
      if (isDeepStrictEqual(upgraded, reference)) {
        exact++;
        continue;
      }
      expect(HAND_EDITS[v1.path], `${v1.file} differs from its V2 successor`).toBeDefined();
      const shape = (l: Record<string, unknown>) => JSON.stringify([l.name, l.type]);
      expect(upgraded.layer.map(shape).sort()).toEqual(reference.layer.map(shape).sort());
    }
    console.info(`schema upgrade: ${exact} of ${pairs.length} V1 nets upgrade to exactly BVLC's V2 version`);
    expect(exact).toBe(pairs.length - Object.keys(HAND_EDITS).length);
  });
});
