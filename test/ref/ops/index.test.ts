import { expect, it } from 'vitest';
import * as ops from '../../../src/ref/ops/index.js';

it('every exported op has a test file here (update this list together with the tests)', () => {
  // Each name below is tested in the file named after it in test/ref/ops/.
  const tested = {
    add: 'binary', sub: 'binary', mul: 'binary',
    scale: 'unary', exp: 'unary', log: 'unary', sigmoid: 'unary', silu: 'unary',
    matmul: 'matmul', sum: 'reduce', mean: 'reduce', softmax: 'softmax', causalMask: 'softmax',
    rmsnorm: 'rmsnorm', rotary: 'rotary', reshape: 'reshape', permute: 'permute', transpose: 'permute',
    indexSelect: 'index-select', slice: 'index-select', concat: 'concat', embedding: 'embedding',
    crossEntropy: 'cross-entropy',
  };
  expect(Object.keys(ops).sort()).toEqual(Object.keys(tested).sort());
});
