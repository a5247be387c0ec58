/**
 * Property-test settings for every test file. fast-check draws from a fixed seed so a CI run is
 * reproducible; set FC_SEED to explore other seeds and FC_RUNS to run more cases. On a failure
 * fast-check prints the seed and the shrunk counterexample, and FC_SEED replays it.
 */
import fc from 'fast-check';

const seed = Number(process.env.FC_SEED ?? 20241008);
const numRuns = Number(process.env.FC_RUNS ?? 25);
fc.configureGlobal({ seed, numRuns, verbose: 1 });
