/**
 * Tiny layer definitions for testing the net and solvers independently of the
 * real layers: Const (a learnable vector as output), Mul (elementwise times a
 * learnable vector), Split, SqLoss (0.5 * sum x^2) and Label (a fixed output
 * that cannot be back-propagated into).
 */
import type { Blob, LayerDefinition, LayerInstance } from "../../src/engine/types.js";
import { makeBlob, reshapeBlob } from "../../src/engine/blob.js";
import { fillBlob } from "../../src/engine/fillers.js";
import type { PlainMessage } from "../../src/schema/types.js";

const SIZE = 3;

function vectorParam(param: PlainMessage, random: () => number): Blob {
  const blob = makeBlob([SIZE]);
  const filler = (param.const_param as PlainMessage | undefined) ?? { type: "uniform", min: -1, max: 1 };
  fillBlob(blob, filler, random);
  return blob;
}

export const mockRegistry: Record<string, LayerDefinition> = {
  Const: {
    type: "Const", bottoms: { exact: 0 }, tops: { exact: 1 },
    create(param, _bottom, ctx): LayerInstance {
      const w = vectorParam(param, ctx.random);
      return {
        params: [w],
        reshape: (_b, top) => reshapeBlob(top[0]!, [SIZE]),
        forward: (_b, top) => top[0]!.data.set(w.data),
        backward: (top) => { for (let i = 0; i < SIZE; i++) w.diff[i]! += top[0]!.diff[i]!; },
      };
    },
  },
  Label: {
    type: "Label", bottoms: { exact: 0 }, tops: { exact: 1 },
    create(): LayerInstance {
      return {
        params: [],
        reshape: (_b, top) => reshapeBlob(top[0]!, [SIZE]),
        forward: (_b, top) => top[0]!.data.set([1, 2, 3]),
        backward: () => {},
      };
    },
  },
  Mul: {
    type: "Mul", bottoms: { min: 1, max: 2 }, tops: { exact: 1 },
    create(param, _bottom, ctx): LayerInstance {
      const w = vectorParam(param, ctx.random);
      const instance: LayerInstance = {
        params: [w],
        reshape: (_b, top) => reshapeBlob(top[0]!, [SIZE]),
        forward: (bottom, top) => {
          for (let i = 0; i < SIZE; i++) top[0]!.data[i] = bottom[0]!.data[i]! * instance.params[0]!.data[i]! + (bottom[1]?.data[i] ?? 0);
        },
        backward: (top, down, bottom) => {
          const p = instance.params[0]!;
          // Compute everything from the incoming diff before writing (in-place safe).
          const g = Float32Array.from(top[0]!.diff);
          for (let i = 0; i < SIZE; i++) p.diff[i]! += g[i]! * bottom[0]!.data[i]!;
          if (down[0]) for (let i = 0; i < SIZE; i++) bottom[0]!.diff[i] = g[i]! * p.data[i]!;
          if (bottom[1] && down[1]) bottom[1].diff.set(g);
        },
        allowForceBackward: (i) => i === 0,
      };
      return instance;
    },
  },
  Split: {
    type: "Split", bottoms: { exact: 1 }, tops: { min: 1 },
    create(): LayerInstance {
      return {
        params: [],
        reshape: (bottom, top) => top.forEach((t) => reshapeBlob(t, bottom[0]!.shape)),
        forward: (bottom, top) => top.forEach((t) => t.data.set(bottom[0]!.data)),
        backward: (top, down, bottom) => {
          if (!down[0]) return;
          const d = bottom[0]!.diff;
          d.fill(0);
          for (const t of top) for (let i = 0; i < d.length; i++) d[i]! += t.diff[i]!;
        },
      };
    },
  },
  SqLoss: {
    type: "SqLoss", bottoms: { exact: 1 }, tops: { exact: 1 },
    create(): LayerInstance {
      return {
        params: [],
        defaultLossWeight: 1,
        reshape: (_b, top) => reshapeBlob(top[0]!, [1]),
        forward: (bottom, top) => {
          let s = 0;
          for (const x of bottom[0]!.data) s += 0.5 * x * x;
          top[0]!.data[0] = s;
        },
        backward: (top, down, bottom) => {
          if (!down[0]) return;
          for (let i = 0; i < SIZE; i++) bottom[0]!.diff[i] = top[0]!.diff[0]! * bottom[0]!.data[i]!;
        },
      };
    },
  },
};
