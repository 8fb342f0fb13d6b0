import { describe, expect, it } from "vitest";
import { dataLayer, imageDataLayer } from "../../../src/engine/layers/data.js";
import { inputLayer } from "../../../src/engine/layers/input.js";
import { makeBlob } from "../../../src/engine/blob.js";
import type { DatumLike, LayerContext, RecordSource } from "../../../src/engine/types.js";
import { replayableContext, runForward } from "../gradient-check.js";

/** Records 0, 1, 2, ... of 1 x 3 x 4 bytes: pixel (y, x) of record r = 10 * r + 4 * y + x, label r. */
function rampSource(): RecordSource {
  let r = 0;
  return {
    next(): DatumLike {
      const data = Uint8Array.from({ length: 12 }, (_, i) => 10 * r + i);
      return { channels: 1, height: 3, width: 4, data, label: r++ };
    },
  };
}

function context(phase: "TRAIN" | "TEST", randoms: number[], extra: Partial<LayerContext> = {}): LayerContext {
  let i = 0;
  return { phase, random: () => randoms[i++ % randoms.length]!, recordSource: () => rampSource(), ...extra };
}

const data = (tp: object = {}, batch = 2) => ({ name: "data", type: "Data", data_param: { batch_size: batch, source: "db" }, transform_param: tp });

describe("Data", () => {
  it("reads records in order with labels, first record included", () => {
    const { layer, tops } = runForward(dataLayer, data({ scale: 0.5 }), [], context("TRAIN", [0]), 2);
    expect(tops[0]!.shape).toEqual([2, 1, 3, 4]);
    expect(tops[1]!.shape).toEqual([2]);
    expect([...tops[1]!.data]).toEqual([0, 1]);
    expect(tops[0]!.data[5]).toBe(2.5);
    expect(tops[0]!.data[12 + 1]).toBe(5.5);
    layer.forward([], tops);
    expect([...tops[1]!.data]).toEqual([2, 3]);
  });

  it("subtracts mean_value then scales", () => {
    const { tops } = runForward(dataLayer, data({ mean_value: [4], scale: 2 }, 1), [], context("TEST", [0]), 1);
    expect(tops[0]!.data[0]).toBe(-8);
    expect(tops[0]!.data[11]).toBe(14);
  });

  it("reads float_data records and repeats a single mean_value over every channel", () => {
    const source: RecordSource = { next: () => ({ channels: 3, height: 1, width: 2, float_data: [0.5, 1, 2, 4, 8, 16], label: 7 }) };
    const { tops } = runForward(dataLayer, data({ mean_value: [1] }, 1), [], context("TRAIN", [0], { recordSource: () => source }), 2);
    expect(tops[0]!.shape).toEqual([1, 3, 1, 2]);
    expect([...tops[0]!.data]).toEqual([-0.5, 0, 1, 3, 7, 15]);
    expect(tops[1]!.data[0]).toBe(7);
  });

  it("subtracts per-channel mean_values", () => {
    const source: RecordSource = { next: () => ({ channels: 2, height: 1, width: 1, data: Uint8Array.of(10, 20), label: 0 }) };
    const { tops } = runForward(dataLayer, data({ mean_value: [1, 2] }, 1), [], context("TRAIN", [0], { recordSource: () => source }), 1);
    expect([...tops[0]!.data]).toEqual([9, 18]);
    expect(() => runForward(dataLayer, data({ mean_value: [1, 2, 3] }, 1), [], context("TRAIN", [0], { recordSource: () => source }), 1)).toThrow(/mean_value/);
  });

  it("subtracts a mean image at the uncropped position", () => {
    const mean = { shape: [1, 3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i) };
    const { tops } = runForward(dataLayer, data({ mean_file: "m.binaryproto", crop_size: 2 }, 1), [], context("TEST", [0], { meanImage: () => mean }), 1);
    expect([...tops[0]!.data]).toEqual([0, 0, 0, 0]);
  });

  it("crops the centre in TEST", () => {
    const { tops } = runForward(dataLayer, data({ crop_size: 2 }, 1), [], context("TEST", [0.99]), 1);
    // h_off = (3 - 2) / 2 = 0, w_off = (4 - 2) / 2 = 1
    expect(tops[0]!.shape).toEqual([1, 1, 2, 2]);
    expect([...tops[0]!.data]).toEqual([1, 2, 5, 6]);
  });

  it("mirrors at random in TEST too when asked (Caffe's transformer ignores the phase for mirror)", () => {
    const flipped = runForward(dataLayer, data({ crop_size: 2, mirror: true }, 1), [], context("TEST", [0.99]), 1);
    expect([...flipped.tops[0]!.data]).toEqual([2, 1, 6, 5]);
    const kept = runForward(dataLayer, data({ crop_size: 2, mirror: true }, 1), [], context("TEST", [0.2]), 1);
    expect([...kept.tops[0]!.data]).toEqual([1, 2, 5, 6]);
  });

  it("crops at random offsets and mirrors at random in TRAIN (draws: mirror, h_off, w_off)", () => {
    // mirror draw 0.7 -> yes; h_off = floor(0.9 * 2) = 1; w_off = floor(0.5 * 3) = 1
    const { tops } = runForward(dataLayer, data({ crop_size: 2, mirror: true }, 1), [], context("TRAIN", [0.7, 0.9, 0.5]), 1);
    expect([...tops[0]!.data]).toEqual([6, 5, 10, 9]);
  });

  it("makes synthetic batches from a declared record shape when there is no source", () => {
    const ctx: LayerContext = { ...replayableContext("TRAIN", 3), syntheticRecordShape: () => ({ channels: 2, height: 5, width: 5, labels: 10 }) };
    const { tops } = runForward(dataLayer, data({ crop_size: 4 }, 3), [], ctx, 2);
    expect(tops[0]!.shape).toEqual([3, 2, 4, 4]);
    for (const v of tops[0]!.data) expect(Number.isInteger(v) && v >= 0 && v < 256).toBe(true);
    for (const l of tops[1]!.data) expect(Number.isInteger(l) && l >= 0 && l < 10).toBe(true);
    expect(new Set(tops[0]!.data).size).toBeGreaterThan(10);
  });

  it("says why it cannot run without records or a declared shape", () => {
    expect(() => runForward(dataLayer, data(), [], replayableContext("TRAIN", 1), 2)).toThrow(/layer "data" \(Data\).*no records/);
  });

  it("ImageData takes batch_size from image_data_param and can synthesise from new_height/new_width", () => {
    const { tops } = runForward(imageDataLayer, { name: "img", type: "ImageData", image_data_param: { batch_size: 2, new_height: 4, new_width: 3 } }, [], replayableContext("TRAIN", 1), 2);
    expect(tops[0]!.shape).toEqual([2, 3, 4, 3]);
  });
});

describe("Input", () => {
  it("shapes its tops from input_param (int64 dims as strings)", () => {
    const layer = inputLayer.create({ name: "in", type: "Input", top: ["a", "b"], input_param: { shape: [{ dim: ["2", "3"] }, { dim: ["4"] }] } }, [], replayableContext("TEST", 1));
    const tops = [makeBlob([]), makeBlob([])];
    layer.reshape([], tops);
    expect(tops.map((t) => t.shape)).toEqual([[2, 3], [4]]);
  });

  it("uses one shape for every top", () => {
    const layer = inputLayer.create({ name: "in", type: "Input", top: ["a", "b"], input_param: { shape: { dim: ["1", "2"] } } }, [], replayableContext("TEST", 1));
    const tops = [makeBlob([]), makeBlob([])];
    layer.reshape([], tops);
    expect(tops.map((t) => t.shape)).toEqual([[1, 2], [1, 2]]);
  });
});
