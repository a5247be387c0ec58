/** Test helpers: the bundled golden files, and edited copies of them for negative tests. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors, type SafeTensor } from '../../src/io/safetensors.js';

export const GOLDEN_DIR = join(import.meta.dirname, '..', 'fixtures', 'golden');

/** The official-code golden files (top level of the fixture folder). */
export function goldenFiles(): string[] {
  return readdirSync(GOLDEN_DIR).filter((n) => n.endsWith('.safetensors')).sort().map((n) => join(GOLDEN_DIR, n));
}

/**
 * A copy of a golden file with `edit` applied to its tensors and metadata. Float64 data are copied
 * first, so edits never touch the fixture's bytes.
 */
export function editedGolden(path: string, edit: (tensors: Map<string, SafeTensor>, meta: Record<string, string>) => void): Uint8Array {
  const file = readSafetensors(readFileSync(path));
  const tensors = new Map([...file.tensors].map(([n, t]) => [n, { ...t, data: t.data.slice() } as SafeTensor]));
  const meta = { ...file.metadata };
  edit(tensors, meta);
  return writeSafetensors(tensors, meta);
}
