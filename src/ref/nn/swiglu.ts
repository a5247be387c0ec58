import { mul, silu } from '../ops/index.js';
import { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import type { Trace } from './trace.js';

/**
 * The paper's feed-forward block (§2.2): SwiGLU(X) = (swish(X W_G) ⊙ X W_1) W_2, swish = SiLU.
 * Parameter names follow the golden decoder layer: `w_g`, `w_1`, `w_2`.
 */
export class SwiGLU extends Module {
  readonly w_g: Linear;
  readonly w_1: Linear;
  readonly w_2: Linear;

  constructor(dModel: number, hidden: number, rng = new Rng(0)) {
    super();
    this.w_g = this.child('w_g', new Linear(dModel, hidden, rng));
    this.w_1 = this.child('w_1', new Linear(dModel, hidden, rng));
    this.w_2 = this.child('w_2', new Linear(hidden, dModel, rng));
  }

  // x: [B, T, C] → [B, T, C]
  forward(x: Tensor, trace?: Trace): Tensor {
    const gate = this.w_g.forward(x);
    const up = this.w_1.forward(x);
    const hidden = mul(silu(gate), up);
    trace?.set('gate_pre', gate).set('up', up).set('hidden_act', hidden);
    return this.w_2.forward(hidden);
  }
}
