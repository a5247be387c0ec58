/**
 * The shared boundary of the kernel wrappers (src/engine/kernels/boundary.ts) and the kernels'
 * own second line of defence: a module without a kernel is refused with a rebuild hint, and the
 * debug build traps with a message naming the operand when a raw export is called with a
 * pointer outside memory (the wrappers never let that happen).
 */
import { describe, expect, it } from 'vitest';
import { type KernelExports, checkRegions, kernel, region } from '../../../src/engine/kernels/boundary.js';
import type { WasmModule } from '../../../src/engine/wasm.js';
import { expectEngineError } from '../errors.js';
import { useEngines } from './support.js';

const engines = useEngines();

describe('kernel lookup', () => {
  it('refuses a module built before the kernel existed, saying how to rebuild', () => {
    const stale = { ...engines.release.wasm, source: 'old.wasm', exports: { ...engines.release.wasm.exports } } as WasmModule;
    delete (stale.exports as unknown as Partial<KernelExports>).xent_fwd_bwd;
    expectEngineError(() => kernel(stale, 'xent_fwd_bwd'), 'unsupported', /old\.wasm\) has no kernel 'xent_fwd_bwd'; rebuild it with `npm run build:wasm`/);
    expect(typeof kernel(engines.release.wasm, 'xent_fwd_bwd')).toBe('function');
  });
});

describe('checkRegions', () => {
  it('lets read-only operands overlap, and an allowed pair be the very same buffer only', () => {
    const { wasm } = engines.release;
    const p = Math.ceil(wasm.exports.heap_base() / 64) * 64;
    checkRegions('op', wasm, [region('a', p, 8), region('b', p + 4, 8)]);
    checkRegions('op', wasm, [region('a', p, 8), region('out', p, 8, true)], [['a', 'out']]);
    checkRegions('op', wasm, [region('a', p, 0), region('out', p, 8, true)]);
    expectEngineError(() => checkRegions('op', wasm, [region('a', p, 8), region('out', p, 4, true)], [['a', 'out']]), 'value',
      /op: a bytes \[\d+, \d+\) overlap out bytes .* they may be the same buffer, but must not partly overlap/);
  });

  it('checks a region\'s own alignment and describes it by `what` when given', () => {
    const { wasm } = engines.release;
    const p = Math.ceil(wasm.exports.heap_base() / 64) * 64;
    const end = wasm.memory.buffer.byteLength;
    checkRegions('op', wasm, [{ name: 's', ptr: p + 16, bytes: 32, written: true, align: 16 }]);
    expectEngineError(() => checkRegions('op', wasm, [{ name: 's', ptr: p + 8, bytes: 32, written: true, align: 16 }]), 'value',
      new RegExp(`op: pointer s must be a multiple of 16 at or above the heap base \\d+, got ${p + 8}`));
    // The span [end − 16, end + 16) is 32 bytes from end − 16.
    expectEngineError(() => checkRegions('op', wasm, [{ name: 'c', what: () => 'C [2, 4]', ptr: end - 16, bytes: 32, written: true }]), 'value',
      new RegExp(`op: C \\[2, 4\\] at pointer c = ${end - 16} spans bytes \\[${end - 16}, ${end + 16}\\), beyond linear memory \\(${end} bytes\\)`));
  });
});

describe('debug build: kernel asserts', () => {
  it('trap with a message naming the operand when a raw kernel reads or writes outside memory', () => {
    const x = engines.debug.wasm.exports as unknown as KernelExports;
    const p = Math.ceil(engines.debug.wasm.exports.heap_base() / 64) * 64;
    const end = engines.debug.wasm.memory.buffer.byteLength;
    expect(() => x.rmsnorm_fwd(p, 0, end - 4, p, 2, 2, 1e-5)).toThrow(/rmsnorm: y\/dy outside memory/);
    expect(() => x.rotary_fwd(p, end - 4, p, 1, 1, 1, 4, 2, 1, 0, 1)).toThrow(/rotary: cos outside memory/);
    expect(() => x.swiglu_bwd(p, p, p, p, end - 4, 2)).toThrow(/swiglu_bwd: dup outside memory/);
    new Int32Array(engines.debug.wasm.memory.buffer, p, 1)[0] = 0; // the id the next call reads
    expect(() => x.embedding_bwd(p, p + 64, end, 1, 4)).toThrow(/embedding_bwd: id outside dW/);
    expect(() => x.accumulate(end - 4, p, 2)).toThrow(/elementwise: operand outside memory/);
    expect(() => x.xent_fwd_bwd(p, p, p, end - 4, 1, 2, 1, -100)).toThrow(/xent: dlogits outside memory/);
    expect(() => x.adamw_step(p, p, p, end - 4, 2, 1e-3, 0.9, 0.999, 1e-8, 0, 0.1, 0.001)).toThrow(/adamw: v outside memory/);
    expect(() => x.sumsq(end - 4, 2)).toThrow(/sumsq: x outside memory/);
  });
});
