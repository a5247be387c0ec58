/**
 * `diffattn verify [FILE|DIR ...] [--backend ref] [--json]`: checks golden files (by default the
 * bundled ones) and prints a table per file, or JSON; exits 1 unless every tensor of every file
 * passes.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DiffAttnError } from '../errors.js';
import { refBackend, verifyGolden, type BackendName, type FileReport, type VerifyBackend } from '../oracle/verify.js';
import { bundledGoldenDir } from './paths.js';

/** The backends `--backend` accepts. */
export const BACKENDS: Record<string, () => Promise<VerifyBackend>> = {
  ref: async () => refBackend,
};

export interface VerifyOptions {
  backend: BackendName;
  json: boolean;
}

/** Runs the command; returns the process exit code. */
export async function verifyCommand(paths: string[], opts: VerifyOptions): Promise<number> {
  const make = BACKENDS[opts.backend];
  if (!make) throw new DiffAttnError('value', `--backend: expected one of ${Object.keys(BACKENDS).join(', ')}, got '${opts.backend}'`);
  const backend = await make();
  const files = expand(paths.length > 0 ? paths : [bundledGoldenDir()]);
  const reports: FileReport[] = [];
  for (const file of files) reports.push(await verifyGolden(file, readFileSync(file), backend));
  if (opts.json) process.stdout.write(JSON.stringify(reports.map(toJson), null, 2) + '\n');
  else process.stdout.write(reports.map(formatReport).join('\n') + '\n' + summary(reports) + '\n');
  return reports.length > 0 && reports.every((r) => r.pass) ? 0 : 1;
}

// A directory stands for the .safetensors files directly inside it.
function expand(paths: string[]): string[] {
  return paths.flatMap((p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new DiffAttnError('missing', `verify: no such file or directory: ${p}`);
    }
    if (!st.isDirectory()) return [p];
    const inside = readdirSync(p).filter((n) => n.endsWith('.safetensors')).sort().map((n) => join(p, n));
    if (inside.length === 0) throw new DiffAttnError('missing', `verify: directory ${p} holds no .safetensors files`);
    return inside;
  });
}

function toJson(r: FileReport): object {
  return {
    file: r.file, kind: r.kind, backend: r.backend, pass: r.pass, maxRelErr: r.maxRelErr,
    tensors: r.tensors.map(({ name, maxAbsErr, maxRelErr, pass }) => ({ name, maxAbsErr, maxRelErr, pass })),
    ...(r.error ? { error: r.error } : {}),
  };
}

const sci = (v: number): string => (Number.isFinite(v) ? v.toExponential(2) : String(v));

function formatReport(r: FileReport): string {
  const head = `${basename(r.file)}  [${r.kind}, backend ${r.backend}]  ${r.pass ? 'PASS' : 'FAIL'}`;
  if (r.error) return `${head}\n  error: ${r.error}\n`;
  const width = Math.max(6, ...r.tensors.map((t) => t.name.length));
  const rows = r.tensors.map((t) =>
    `  ${t.name.padEnd(width)}  ${sci(t.maxAbsErr).padStart(11)}  ${sci(t.maxRelErr).padStart(11)}  ${t.pass ? 'pass' : 'FAIL'}${t.note ? `  (${t.note})` : ''}`);
  return [head, `  ${'tensor'.padEnd(width)}  ${'max abs err'.padStart(11)}  ${'max rel err'.padStart(11)}  result`, ...rows, ''].join('\n');
}

function summary(reports: FileReport[]): string {
  const passed = reports.filter((r) => r.pass).length;
  const worst = Math.max(...reports.map((r) => (Number.isNaN(r.maxRelErr) ? -Infinity : r.maxRelErr)));
  return `verify: ${reports.length} files, ${passed} passed, ${reports.length - passed} failed; worst max rel err ${sci(worst)}`;
}
