/**
 * The `diffattn` command. With no arguments it runs the main job: verifying the float64 reference
 * against the bundled golden vectors of the official code.
 */
import { Command, Option } from 'commander';
import { DiffAttnError } from '../errors.js';
import type { BackendName } from '../oracle/verify.js';
import { registerAttention } from './attention.js';
import { registerBench } from './bench.js';
import { registerConvert } from './convert.js';
import { registerGenerate } from './generate.js';
import { registerInspect } from './inspect.js';
import { registerTrain } from './train.js';
import { BACKENDS, verifyCommand } from './verify.js';

const program = new Command()
  .name('diffattn')
  .description('The Differential Transformer in TypeScript: float64 reference, correctness oracle, WebAssembly engine.')
  .showHelpAfterError();

program
  .command('verify')
  .description('check an implementation against golden files of the official code (default: the bundled ones)')
  .argument('[paths...]', 'golden .safetensors files, or directories of them')
  .addOption(new Option('--backend <name>', 'implementation to check').choices(Object.keys(BACKENDS)).default('ref'))
  .option('--json', 'print JSON only: [{file, kind, backend, pass, maxRelErr, tensors}]', false)
  .addHelpText('after', `
Examples:
  $ diffattn verify                              # all bundled golden files
  $ diffattn verify my_case.safetensors --json   # your own file, machine-readable
  $ diffattn verify --backend wasm               # the float32 WebAssembly engine on the same files
Exit code 0 only when every tensor of every file passes (ref, float64: |impl − ref| ≤ 1e-12 + 1e-10·max|ref|;
wasm, float32: |impl − ref| ≤ 1e-6 + 5e-5·max|ref|).`)
  .action(async (paths: string[], opts: { backend: BackendName; json: boolean }) => {
    process.exitCode = await verifyCommand(paths, opts);
  });

registerInspect(program);
registerConvert(program);
registerGenerate(program);
registerBench(program);
registerAttention(program);
registerTrain(program);

program.action(async () => {
  console.log('diffattn: verifying the float64 reference against the bundled golden vectors (run `diffattn --help` for more)\n');
  process.exitCode = await verifyCommand([], { backend: 'ref', json: false });
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof DiffAttnError)) throw e;
  console.error(`diffattn: ${e.message}`);
  process.exitCode = 2;
}
