/**
 * Property-test settings for every test file. fast-check draws from a fixed seed so a CI run is
 * reproducible; set FC_SEED to explore other seeds and FC_RUNS to run more cases. On a failure
 * fast-check prints the seed and the shrunk counterexample, and FC_SEED replays it.
 */
import fc from 'fast-check';

const seed = Number(process.env.FC_SEED ?? 20241008);
const numRuns = Number(process.env.FC_RUNS ?? 25);
fc.configureGlobal({ seed, numRuns, verbose: 1 });

// DIFFATTN_WASM=relaxed (`npm run test:relaxed`: workers under --experimental-wasm-relaxed-simd) runs
// the engine tests on the relaxed-SIMD build: every `Engine.load` opts in (debug loads stay on the
// debug build, which has no relaxed twin). A runtime without relaxed SIMD would make the loader fall
// back to the standard build silently, so it fails here instead. `Engine.load` is where the kernel
// tests get their engines; `loadWasm` is left alone, so the loader's own tests see its defaults
// (and model.test.ts / generate.test.ts, which call it directly, stay on the standard build).
if (process.env.DIFFATTN_WASM === 'relaxed') {
  const { relaxedSimdSupported } = await import('../src/engine/simd.js');
  if (!relaxedSimdSupported()) {
    throw new Error('DIFFATTN_WASM=relaxed: this runtime has no relaxed SIMD; use `npm run test:relaxed` (vitest --execArgv=--experimental-wasm-relaxed-simd)');
  }
  const { Engine } = await import('../src/engine/engine.js');
  const load = Engine.load.bind(Engine);
  Engine.load = (options = {}) => load({ relaxed: true, ...options });
}
