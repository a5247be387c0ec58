/**
 * `diffattn verify [FILE|DIR ...] [--backend ref|wasm] [--json]`: checks golden files and model folders
 * (by default the bundled ones) and prints a table per file, or JSON; exits 1 unless every tensor of every file
 * passes.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DiffAttnError } from '../errors.js';
import type { ModelFolderFiles } from '../oracle/diffllama-case.js';
import { refBackend, verifyGolden, type BackendName, type FileReport, type VerifyBackend } from '../oracle/verify.js';
import { createWasmBackend } from '../oracle/wasm-backend.js';
import { bundledGoldenDir } from './paths.js';
import { progress } from './progress.js';

/** The backends `--backend` accepts. */
export const BACKENDS: Record<string, () => Promise<VerifyBackend>> = {
  ref: async () => refBackend,
  wasm: () => createWasmBackend(),
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
  const items = expand(paths.length > 0 ? paths : [bundledGoldenDir()]);
  const reports: FileReport[] = [];
  const bar = progress('verify', items.length);
  for (const { file, folder } of items) {
    reports.push(await verifyGolden(file, readFileSync(file), backend, folder ? readFolder(folder) : undefined));
    bar.update(reports.length, { file: basename(file) });
  }
  bar.stop();
  if (opts.json) process.stdout.write(JSON.stringify(reports.map(toJson), null, 2) + '\n');
  else process.stdout.write(reports.map(formatReport).join('\n') + '\n' + summary(reports) + '\n');
  return reports.length > 0 && reports.every((r) => r.pass) ? 0 : 1;
}

interface Item {
  file: string;
  /** Set for a model folder's golden.safetensors: the folder holding config.json and the weights. */
  folder?: string;
}

// A model folder (one holding golden.safetensors) is checked as a whole; any other directory
// stands for the .safetensors files and model folders below it.
function expand(paths: string[]): Item[] {
  return paths.flatMap((p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new DiffAttnError('missing', `verify: no such file or directory: ${p}`);
    }
    if (!st.isDirectory()) return [{ file: p }];
    if (existsSync(join(p, 'golden.safetensors'))) return [{ file: join(p, 'golden.safetensors'), folder: p }];
    const entries = readdirSync(p, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    const items = entries.flatMap((e) => (e.isDirectory() ? expand([join(p, e.name)]) : e.name.endsWith('.safetensors') ? [{ file: join(p, e.name) }] : []));
    if (items.length === 0) throw new DiffAttnError('missing', `verify: directory ${p} holds no golden files`);
    return items;
  });
}

function readFolder(dir: string): ModelFolderFiles {
  const need = (name: string): string => {
    const path = join(dir, name);
    if (!existsSync(path)) throw new DiffAttnError('missing', `verify: model folder ${dir} has no ${name}`);
    return path;
  };
  let configJson: unknown;
  try {
    configJson = JSON.parse(readFileSync(need('config.json'), 'utf8'));
  } catch (e) {
    if (e instanceof DiffAttnError) throw e;
    throw new DiffAttnError('format', `verify: ${join(dir, 'config.json')} is not valid JSON (${(e as Error).message})`);
  }
  return { configJson, weights: readFileSync(need('model.safetensors')) };
}

function toJson(r: FileReport): object {
  return {
    file: r.file, kind: r.kind, backend: r.backend, pass: r.pass, maxRelErr: r.maxRelErr,
    tensors: r.tensors.map(({ name, maxAbsErr, maxRelErr, pass }) => ({ name, maxAbsErr, maxRelErr, pass })),
    ...(r.error ? { error: r.error } : {}),
  };
}

const sci = (v: number): string => (Number.isFinite(v) ? v.toExponential(2) : String(v));

// Model folders are named by the folder, files by their name.
function shortName(file: string): string {
  return basename(file) === 'golden.safetensors' ? `${basename(dirname(file))}/golden.safetensors` : basename(file);
}

function formatReport(r: FileReport): string {
  const head = `${shortName(r.file)}  [${r.kind}, backend ${r.backend}]  ${r.pass ? 'PASS' : 'FAIL'}`;
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
