/**
 * Static shape inference for the common layer types, following each layer's
 * Reshape in BVLC/caffe (src/caffe/layers/*_layer.cpp). A type that is not
 * listed, or a bottom of unknown shape, gives unknown tops: inference never
 * guesses.
 */
import type { PlainMessage } from "../schema/types.js";
import { bool, num, nums, str, sub, subs } from "./access.js";
import type { Shape } from "./types.js";

type Infer = (layer: PlainMessage, bottoms: (Shape | undefined)[]) => (Shape | undefined)[] | undefined;

/** Caffe's canonical axis index: negative counts from the end. */
function canonicalAxis(axis: number, numAxes: number): number {
  return axis < 0 ? axis + numAxes : axis;
}

function product(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** kernel/stride/pad/dilation of a Convolution/Deconvolution as per-axis values (2-D). */
export function convGeometry(p: PlainMessage | undefined): {
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number];
  dilation: [number, number];
} {
  const pick = (repeated: number[], h: number | undefined, w: number | undefined, fallback: number): [number, number] => {
    if (h !== undefined || w !== undefined) return [h ?? fallback, w ?? fallback];
    if (repeated.length === 0) return [fallback, fallback];
    return [repeated[0]!, repeated[repeated.length > 1 ? 1 : 0]!];
  };
  return {
    kernel: pick(nums(p, "kernel_size"), num(p, "kernel_h"), num(p, "kernel_w"), 0),
    stride: pick(nums(p, "stride"), num(p, "stride_h"), num(p, "stride_w"), 1),
    pad: pick(nums(p, "pad"), num(p, "pad_h"), num(p, "pad_w"), 0),
    dilation: pick(nums(p, "dilation"), undefined, undefined, 1),
  };
}

/** Caffe's pooled size, with ceil rounding and the "last window starts inside the image" clip. */
export function pooledSize(size: number, kernel: number, pad: number, stride: number, floor: boolean): number {
  const span = size + 2 * pad - kernel;
  let pooled = (floor ? Math.floor(span / stride) : Math.ceil(span / stride)) + 1;
  if (pad > 0 && (pooled - 1) * stride >= size + pad) pooled -= 1;
  return pooled;
}

const sameAsBottom: Infer = (_l, b) => [b[0]];
const scalarLoss: Infer = () => [[]];

/** Convolution's output size per axis, or Deconvolution's (its transpose). */
function convolutionLike(transposed: boolean): Infer {
  return (layer, [bottom]) => {
    const p = sub(layer, "convolution_param");
    const numOutput = num(p, "num_output");
    if (!bottom || bottom.length !== 4 || numOutput === undefined) return undefined;
    const g = convGeometry(p);
    const out = [0, 1].map((i) => {
      const extent = g.dilation[i]! * (g.kernel[i]! - 1) + 1;
      const size = bottom[2 + i]!;
      return transposed ? g.stride[i]! * (size - 1) + extent - 2 * g.pad[i]! : Math.floor((size + 2 * g.pad[i]! - extent) / g.stride[i]!) + 1;
    });
    return [[bottom[0]!, numOutput, out[0]!, out[1]!]];
  };
}

const inferConvolution = convolutionLike(false);
const inferDeconvolution = convolutionLike(true);

const inferPooling: Infer = (layer, [bottom]) => {
  if (!bottom || bottom.length !== 4) return undefined;
  const p = sub(layer, "pooling_param");
  const tops = (h: number, w: number): Shape[] => {
    const shape = [bottom[0]!, bottom[1]!, h, w];
    // A MAX pooling layer may have a second top (the mask) of the same shape.
    return (layer["top"] as string[] | undefined)?.length === 2 ? [shape, shape] : [shape];
  };
  if (bool(p, "global_pooling", false)) return tops(1, 1);
  const g = {
    kernel: [num(p, "kernel_h") ?? num(p, "kernel_size", 0), num(p, "kernel_w") ?? num(p, "kernel_size", 0)],
    stride: [num(p, "stride_h") ?? num(p, "stride", 1), num(p, "stride_w") ?? num(p, "stride", 1)],
    pad: [num(p, "pad_h") ?? num(p, "pad", 0), num(p, "pad_w") ?? num(p, "pad", 0)],
  };
  const floor = str(p, "round_mode") === "FLOOR";
  const [h, w] = [0, 1].map((i) => pooledSize(bottom[2 + i]!, g.kernel[i]!, g.pad[i]!, g.stride[i]!, floor));
  return tops(h!, w!);
};

const inferInnerProduct: Infer = (layer, [bottom]) => {
  const p = sub(layer, "inner_product_param");
  const numOutput = num(p, "num_output");
  if (!bottom || numOutput === undefined) return undefined;
  const axis = canonicalAxis(num(p, "axis", 1), bottom.length);
  return [[...bottom.slice(0, axis), numOutput]];
};

const inferConcat: Infer = (layer, bottoms) => {
  if (bottoms.some((b) => !b) || bottoms.length === 0) return undefined;
  const p = sub(layer, "concat_param");
  const first = bottoms[0]!;
  const axis = canonicalAxis(num(p, "axis") ?? num(p, "concat_dim", 1), first.length);
  const out = [...first];
  out[axis] = bottoms.reduce((s, b) => s + (b![axis] ?? 0), 0);
  return [out];
};

const inferSlice: Infer = (layer, [bottom]) => {
  const tops = (layer["top"] as string[] | undefined) ?? [];
  if (!bottom) return undefined;
  const p = sub(layer, "slice_param");
  const axis = canonicalAxis(num(p, "axis") ?? num(p, "slice_dim", 1), bottom.length);
  const points = nums(p, "slice_point");
  const size = bottom[axis]!;
  const bounds = points.length > 0 ? [0, ...points, size] : tops.map((_, i) => (i * size) / tops.length).concat(size);
  return tops.map((_, i) => {
    const s = [...bottom];
    s[axis] = bounds[i + 1]! - bounds[i]!;
    return s;
  });
};

const inferFlatten: Infer = (layer, [bottom]) => {
  if (!bottom) return undefined;
  const p = sub(layer, "flatten_param");
  const start = canonicalAxis(num(p, "axis", 1), bottom.length);
  const end = canonicalAxis(num(p, "end_axis", -1), bottom.length);
  return [[...bottom.slice(0, start), product(bottom.slice(start, end + 1)), ...bottom.slice(end + 1)]];
};

const inferReshape: Infer = (layer, [bottom]) => {
  if (!bottom) return undefined;
  const p = sub(layer, "reshape_param");
  const dims = nums(sub(p, "shape"), "dim");
  const axis = canonicalAxis(num(p, "axis", 0), bottom.length + 1);
  const numAxes = num(p, "num_axes", -1);
  const end = numAxes === -1 ? bottom.length : axis + numAxes;
  const replaced = bottom.slice(axis, end);
  const out = dims.map((d, i) => (d === 0 ? replaced[i]! : d));
  const known = product(out.filter((d) => d !== -1));
  const inferred = out.indexOf(-1);
  if (inferred >= 0) out[inferred] = product(replaced) / known;
  return [[...bottom.slice(0, axis), ...out, ...bottom.slice(end)]];
};

const inferInput: Infer = (layer) => {
  const shapes = subs(sub(layer, "input_param"), "shape").map((s) => nums(s, "dim"));
  return shapes.length > 0 ? shapes : undefined;
};

const inferDummyData: Infer = (layer) => {
  const shapes = subs(sub(layer, "dummy_data_param"), "shape").map((s) => nums(s, "dim"));
  return shapes.length > 0 ? shapes : undefined;
};

const inferMemoryData: Infer = (layer) => {
  const p = sub(layer, "memory_data_param");
  const n = num(p, "batch_size");
  if (n === undefined) return undefined;
  return [[n, num(p, "channels", 0), num(p, "height", 0), num(p, "width", 0)], [n]];
};

const inferAccuracy: Infer = (layer) => ((layer["top"] as string[] | undefined)?.length === 2 ? [[], undefined] : [[]]);

const inferEltwise: Infer = (_l, bottoms) => [bottoms[0]];

const inferArgMax: Infer = () => undefined;

const inferSoftmaxLoss: Infer = (layer, bottoms) =>
  (layer["top"] as string[] | undefined)?.length === 2 ? [[], bottoms[0]] : [[]];

/** The shape inference table, by layer type. Elementwise layers keep their bottom's shape. */
const inferByType: Record<string, Infer> = {
  AbsVal: sameAsBottom,
  Accuracy: inferAccuracy,
  ArgMax: inferArgMax,
  BatchNorm: sameAsBottom,
  Bias: sameAsBottom,
  BNLL: sameAsBottom,
  Clip: sameAsBottom,
  ContrastiveLoss: scalarLoss,
  Concat: inferConcat,
  Convolution: inferConvolution,
  Deconvolution: inferDeconvolution,
  Dropout: sameAsBottom,
  DummyData: inferDummyData,
  Eltwise: inferEltwise,
  ELU: sameAsBottom,
  EuclideanLoss: scalarLoss,
  Exp: sameAsBottom,
  Flatten: inferFlatten,
  HingeLoss: scalarLoss,
  InfogainLoss: scalarLoss,
  InnerProduct: inferInnerProduct,
  Input: inferInput,
  Log: sameAsBottom,
  LRN: sameAsBottom,
  MemoryData: inferMemoryData,
  MultinomialLogisticLoss: scalarLoss,
  MVN: sameAsBottom,
  Pooling: inferPooling,
  Power: sameAsBottom,
  PReLU: sameAsBottom,
  ReLU: sameAsBottom,
  Reshape: inferReshape,
  Scale: sameAsBottom,
  Sigmoid: sameAsBottom,
  SigmoidCrossEntropyLoss: scalarLoss,
  Slice: inferSlice,
  Softmax: sameAsBottom,
  SoftmaxWithLoss: inferSoftmaxLoss,
  Split: (layer, [b]) => ((layer["top"] as string[] | undefined) ?? []).map(() => b),
  TanH: sameAsBottom,
  Threshold: sameAsBottom,
};

/** Tops' shapes for one layer; unknown entries where inference is not possible. */
export function inferTopShapes(layer: PlainMessage, type: string, bottoms: (Shape | undefined)[], topCount: number): (Shape | undefined)[] {
  const infer = inferByType[type];
  let tops: (Shape | undefined)[] | undefined;
  try {
    tops = infer?.(layer, bottoms);
  } catch {
    // A malformed parameter (e.g. a kernel of 0) makes inference meaningless; other rules report it.
    tops = undefined;
  }
  const valid = (s: Shape | undefined) => s !== undefined && s.every((d) => Number.isInteger(d) && d >= 0);
  return Array.from({ length: topCount }, (_, i) => (tops && valid(tops[i]) ? tops[i] : undefined));
}

/**
 * Learnable parameter values of one layer (weights and biases), following the
 * blob shapes each layer's LayerSetUp creates. BatchNorm statistics are not
 * learnable and do not count.
 */
export function countParams(layer: PlainMessage, type: string, bottoms: (Shape | undefined)[]): number | undefined {
  const bottom = bottoms[0];
  switch (type) {
    case "Convolution":
    case "Deconvolution": {
      const p = sub(layer, "convolution_param");
      const numOutput = num(p, "num_output");
      if (!bottom || bottom.length !== 4 || numOutput === undefined) return undefined;
      const group = num(p, "group", 1);
      const g = convGeometry(p);
      const channels = bottom[1]!;
      const weights = type === "Convolution"
        ? numOutput * (channels / group) * g.kernel[0] * g.kernel[1]
        : channels * (numOutput / group) * g.kernel[0] * g.kernel[1];
      return weights + (bool(p, "bias_term", true) ? numOutput : 0);
    }
    case "InnerProduct": {
      const p = sub(layer, "inner_product_param");
      const numOutput = num(p, "num_output");
      if (!bottom || numOutput === undefined) return undefined;
      const axis = canonicalAxis(num(p, "axis", 1), bottom.length);
      return numOutput * product(bottom.slice(axis)) + (bool(p, "bias_term", true) ? numOutput : 0);
    }
    case "Scale": {
      if (!bottom || bottom.length < 2 || bottoms.length > 1) return bottoms.length > 1 ? 0 : undefined;
      const c = bottom[1]!;
      return c + (bool(sub(layer, "scale_param"), "bias_term", false) ? c : 0);
    }
    case "Bias":
      return bottom && bottoms.length === 1 && bottom.length >= 2 ? bottom[1]! : bottoms.length > 1 ? 0 : undefined;
    case "PReLU":
      return bottom && bottom.length >= 2 ? (bool(sub(layer, "prelu_param"), "channel_shared", false) ? 1 : bottom[1]!) : undefined;
    case "Embed": {
      const p = sub(layer, "embed_param");
      const n = num(p, "num_output");
      const k = num(p, "input_dim");
      return n !== undefined && k !== undefined ? n * k + (bool(p, "bias_term", true) ? n : 0) : undefined;
    }
    default:
      return 0;
  }
}
