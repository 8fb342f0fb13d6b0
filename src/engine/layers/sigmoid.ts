/**
 * Sigmoid: y = 1 / (1 + exp(-x)) (computed as 0.5 tanh(0.5 x) + 0.5, as Caffe).
 * Gradient: dx = dy y (1 - y).
 */
import { neuronLayer } from "./neuron-common.js";

export const sigmoidLayer = neuronLayer("Sigmoid", () => ({
  forward(x, y) { for (let i = 0; i < x.length; i++) y[i] = 0.5 * Math.tanh(0.5 * x[i]!) + 0.5; },
  backward(_x, y, dy, dx) { for (let i = 0; i < y.length; i++) { const s = y[i]!; dx[i] = dy[i]! * s * (1 - s); } },
}));
