/**
 * The relaxed-SIMD build (build/diffattn.relaxed.wasm, `f32x4.relaxed_madd` in the GEMM and
 * attention micro-kernels, assembly/madd.ts): its detection probe, the loader's opt-in and
 * fallback, and what relaxed_madd may compute. The kernels' accuracy on this build is checked by
 * the whole engine suite run on it: `npm run test:relaxed` (DIFFATTN_WASM=relaxed, test/setup.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { relaxedSimdSupported } from '../../src/engine/simd.js';
import { loadWasm } from '../../src/engine/wasm.js';

const relaxedBuild = fileURLToPath(new URL('../../build/diffattn.relaxed.wasm', import.meta.url));
const FLAG = '--experimental-wasm-relaxed-simd';

afterEach(() => {
  vi.restoreAllMocks();
});

// The bytes relaxedSimdSupported() validates last: its relaxed-SIMD probe (module-private).
function probeBytes(): Uint8Array {
  const validate = vi.spyOn(WebAssembly, 'validate');
  relaxedSimdSupported();
  const bytes = validate.mock.calls.at(-1)![0] as Uint8Array;
  validate.mockRestore();
  return bytes;
}

// In a fresh Node with the given flags: does the probe validate, and does the relaxed build?
function validateIn(flags: string[], probe: Uint8Array): { probe: boolean; build: boolean } {
  const script = `import { readFileSync } from 'node:fs';
    const probe = WebAssembly.validate(new Uint8Array(JSON.parse(process.argv[1])));
    console.log(JSON.stringify({ probe, build: WebAssembly.validate(readFileSync(process.argv[2])) }));`;
  const run = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script, JSON.stringify([...probe]), relaxedBuild],
    { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as { probe: boolean; build: boolean };
}

// V8 ships relaxed SIMD without a flag from 11.4 (Chrome 114); Node 20 has 11.3.
const [v8Major, v8Minor] = process.versions.v8.split('.').map(Number);
const relaxedByDefault = v8Major > 11 || (v8Major === 11 && v8Minor >= 4);

describe('relaxed SIMD detection', () => {
  it('the probe says exactly whether the relaxed build validates in this runtime', () => {
    expect(relaxedSimdSupported()).toBe(WebAssembly.validate(readFileSync(relaxedBuild)));
  });

  it(`is false in plain Node 20 and true under ${FLAG}, and so is the relaxed build's validation`, () => {
    const probe = probeBytes();
    expect(probe.length).toBe(35);
    expect(validateIn([FLAG], probe)).toEqual({ probe: true, build: true });
    expect(validateIn([], probe)).toEqual({ probe: relaxedByDefault, build: relaxedByDefault });
  });
});

describe('loadWasm({ relaxed })', () => {
  it('loads the standard build without the opt-in', async () => {
    const m = await loadWasm();
    expect(m.relaxed).toBe(false);
    expect(m.source).toMatch(/build\/diffattn\.wasm$/);
  });

  it('falls back to the standard build, without an error, when the runtime lacks relaxed SIMD', async () => {
    const probe = probeBytes();
    const validate = WebAssembly.validate.bind(WebAssembly);
    vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) => !sameBytes(bytes, probe) && validate(bytes));
    const engine = await Engine.load({ relaxed: true });
    expect(engine.wasm.relaxed).toBe(false);
    expect(engine.wasm.source).toMatch(/build\/diffattn\.wasm$/);
    expect(Array.from(engine.gemm('nn', Float32Array.of(2), Float32Array.of(3), new Float32Array(1), 1, 1, 1))).toEqual([6]);
  });

  it('ignores the opt-in for the debug build and for explicit bytes or URLs', async () => {
    expect(await loadWasm({ relaxed: true, debug: true })).toMatchObject({ relaxed: false, debug: true });
    const url = new URL('../../build/diffattn.wasm', import.meta.url);
    expect(await loadWasm({ relaxed: true, wasmUrl: url })).toMatchObject({ relaxed: false, source: url.href });
    expect(await loadWasm({ relaxed: true, wasmBytes: readFileSync(url) })).toMatchObject({ relaxed: false, source: 'bytes' });
  });

  it.runIf(relaxedSimdSupported())('loads the relaxed build when opted in and supported', async () => {
    const m = await loadWasm({ relaxed: true });
    expect(m.relaxed).toBe(true);
    expect(m.source).toMatch(/build\/diffattn\.relaxed\.wasm$/);
  });

  it.runIf(process.env.DIFFATTN_WASM === 'relaxed')('runs the engine suite on the relaxed build (DIFFATTN_WASM=relaxed)', async () => {
    const [release, debug] = [await Engine.load(), await Engine.load({ debug: true })];
    expect(release.wasm.relaxed).toBe(true);
    expect(debug.wasm.debug).toBe(true);
  });
});

describe('relaxed_madd in the GEMM kernel', () => {
  // C = A·B with K = 2, A = [−1, x], B = [1, x], x = 1 + 2⁻¹²: the kernel accumulates −1 first,
  // then x² = 1 + 2⁻¹¹ + 2⁻²⁴. Rounded on its own, x² is a tie that goes to 1 + 2⁻¹¹ (even), so
  // mul + add gives 2⁻¹¹; a fused step rounds −1 + x² = 2⁻¹¹ + 2⁻²⁴, which is exact.
  const x = 1 + 2 ** -12;
  const unfused = 2 ** -11;
  const fused = 2 ** -11 + 2 ** -24;
  const product = (engine: Engine): number =>
    engine.gemm('nn', Float32Array.of(-1, x), Float32Array.of(1, x), new Float32Array(1), 1, 1, 2)[0];

  it('is mul + add in the standard build', async () => {
    expect(product(await loadEngine(false))).toBe(unfused);
  });

  it.runIf(relaxedSimdSupported())('is fused or mul + add in the relaxed build, nothing else', async () => {
    const engine = await loadEngine(true);
    expect(engine.wasm.relaxed).toBe(true);
    expect([unfused, fused]).toContain(product(engine));
  });
});

// Straight from the loader, so DIFFATTN_WASM's default for Engine.load does not apply.
async function loadEngine(relaxed: boolean): Promise<Engine> {
  return new Engine(await loadWasm({ relaxed }));
}

function sameBytes(a: BufferSource, b: Uint8Array): boolean {
  const u = ArrayBuffer.isView(a) ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : new Uint8Array(a);
  return u.length === b.length && u.every((v, i) => v === b[i]);
}
