/**
 * `verify`: check an implementation against a golden file, tensor by tensor. Every tensor in the
 * file is accounted for: parameters and inputs are fed in; rope tables and head maps are checked
 * against values rebuilt from the metadata; outputs, gradients and intermediates against what the
 * backend computed; and the official float32 results (`f32.*`) against it at float32 tolerance. A
 * tensor nobody can check fails the file; nothing passes by being skipped.
 */
import { DiffAttnError } from '../errors.js';
import { GoldenFile, type F64Tensor } from '../io/golden.js';
import { TOLERANCES, compareTensor, type TensorReport, type Tolerance } from './compare.js';
import type { ModelFolderFiles } from './diffllama-case.js';
import { parseGoldenCase, type GoldenCase, type Results } from './golden-case.js';
import { runRef } from './ref-backend.js';

export type BackendName = 'ref' | 'wasm';

/** An implementation under test: runs a case and returns its tensors under canonical names. */
export interface VerifyBackend {
  name: BackendName;
  precision: keyof typeof TOLERANCES;
  run(c: GoldenCase): Results | Promise<Results>;
}

export const refBackend: VerifyBackend = { name: 'ref', precision: 'float64', run: runRef };

export interface FileReport {
  file: string;
  kind: string;
  backend: BackendName;
  pass: boolean;
  /** The largest scale-free error over the tensors the backend computed (f32.* rows excluded). */
  maxRelErr: number;
  tensors: TensorReport[];
  /** Set when the file could not be checked at all (malformed, unsupported option). */
  error?: string;
}

/**
 * Verifies one golden file (its bytes; `source` names it in messages and the report). Model-level
 * files need their folder's `config.json` and `model.safetensors` in `folder`.
 */
export async function verifyGolden(source: string, bytes: Uint8Array, backend: VerifyBackend, folder?: ModelFolderFiles): Promise<FileReport> {
  let kind = 'unknown';
  try {
    const file = new GoldenFile(source, bytes);
    kind = file.metadata.kind ?? kind;
    const c = parseGoldenCase(file, folder);
    const results = c.toFile(await backend.run(c));
    const tensors = checkAll(file, c, results, TOLERANCES[backend.precision]);
    const pass = tensors.length > 0 && tensors.every((t) => t.pass);
    // The headline error is the backend's own agreement with the golden values; the f32.* rows
    // measure the official float32 run and would only repeat its ~1e-7 error scale.
    const own = tensors.filter((t) => !t.name.startsWith('f32.') && !c.derived.has(t.name));
    return { file: source, kind, backend: backend.name, pass, maxRelErr: Math.max(...own.map((t) => t.maxRelErr)), tensors };
  } catch (e) {
    if (!(e instanceof DiffAttnError)) throw e;
    return { file: source, kind, backend: backend.name, pass: false, maxRelErr: NaN, tensors: [], error: e.message };
  }
}

function checkAll(file: GoldenFile, c: GoldenCase, results: Results, tol: Tolerance): TensorReport[] {
  const reports: TensorReport[] = [];
  for (const name of [...file.tensors.keys()].sort()) {
    if (c.inputs.has(name)) continue;
    const stored = file.f64(name);
    const derived = c.derived.get(name);
    if (derived) {
      reports.push({ ...compareTensor(name, derived, stored, TOLERANCES.float64), note: 'rebuilt from the metadata' });
    } else if (name.startsWith('f32.')) {
      const report = compareComputed(name, results.get(name.slice(4)), stored, TOLERANCES.float32);
      reports.push({ ...report, note: report.note ?? 'vs the official float32 run, at float32 tolerance' });
    } else {
      reports.push(compareComputed(name, results.get(name), stored, tol));
    }
  }
  return reports;
}

function compareComputed(name: string, impl: F64Tensor | undefined, ref: F64Tensor, tol: Tolerance): TensorReport {
  if (!impl) return { name, maxAbsErr: NaN, maxRelErr: NaN, pass: false, note: 'not computed: the file holds a tensor this case does not define' };
  return compareTensor(name, impl, ref, tol);
}
