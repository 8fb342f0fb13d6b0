/**
 * TanH: y = tanh(x). Gradient: dx = dy (1 - y^2).
 */
import { neuronLayer } from "./neuron-common.js";

export const tanhLayer = neuronLayer("TanH", () => ({
  forward(x, y) { for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]!); },
  backward(_x, y, dy, dx) { for (let i = 0; i < y.length; i++) { const t = y[i]!; dx[i] = dy[i]! * (1 - t * t); } },
}));
