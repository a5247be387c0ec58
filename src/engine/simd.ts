/**
 * WebAssembly feature detection. The kernels need fixed-width SIMD (f32x4), so the loader checks
 * for it before fetching or compiling anything and fails with a message a user can act on.
 * Relaxed SIMD is optional: it only decides whether `loadWasm({ relaxed: true })` may pick the
 * relaxed build.
 */
import { DiffAttnError } from '../errors.js';

// The smallest module that uses a SIMD instruction, hand-assembled:
//   (module (func (result v128) (i32x4.splat (i32.const 0))))
// Engines without SIMD reject the v128 result type and the 0xfd-prefixed opcode at validation.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: one func type () → v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x0b, // code: i32.const 0, i32x4.splat, end
]);

/** True when this runtime has WebAssembly with the fixed-width SIMD proposal (128-bit). */
export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' &&
    WebAssembly.validate(SIMD_PROBE);
}

// The smallest module that uses the one relaxed-SIMD instruction the relaxed build adds,
// hand-assembled:
//   (module (func (param v128) (result v128)
//     (f32x4.relaxed_madd (local.get 0) (local.get 0) (local.get 0))))
// f32x4.relaxed_madd is 0xfd followed by 0x105 as an unsigned LEB128 (0x85 0x02), as asc emits it.
// Engines without relaxed SIMD (Node 20 / V8 11.3 unless run with --experimental-wasm-relaxed-simd)
// reject that opcode at validation.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, // type section: one func type (v128) → v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, // code: one 11-byte body, no locals
  0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0x85, 0x02, 0x0b, // 3 × local.get 0, f32x4.relaxed_madd, end
]);

/** True when this runtime also has the relaxed SIMD proposal (`f32x4.relaxed_madd` validates). */
export function relaxedSimdSupported(): boolean {
  return simdSupported() && WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/** Throws `DiffAttnError('unsupported')` unless WebAssembly SIMD is available. */
export function requireSimd(): void {
  if (typeof WebAssembly !== 'object') {
    throw new DiffAttnError('unsupported', 'diffattn engine: this runtime has no WebAssembly support');
  }
  if (!simdSupported()) {
    throw new DiffAttnError('unsupported',
      'diffattn engine: WebAssembly SIMD (128-bit fixed-width SIMD) is not supported by this runtime; ' +
      'it needs Node ≥ 16.4, Chrome/Edge ≥ 91, Firefox ≥ 89 or Safari ≥ 16.4');
  }
}
