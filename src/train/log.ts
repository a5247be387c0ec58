/**
 * The JSONL training log: one `StepRecord` per line, appended as each step finishes, so a run that
 * is stopped keeps every step it finished and a plotting script can read the file while it grows.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DiffAttnError } from '../errors.js';
import type { StepRecord } from './types.js';

/** The log's name inside each arm's folder. */
export const JSONL_LOG_FILE = 'train.jsonl';

export class JsonlLog {
  /**
   * Opens `path` for a run: a new run (`resumeAt` undefined) starts an empty file; a run resumed
   * from the checkpoint of step `resumeAt` keeps the records up to that step and drops any later
   * ones (steps finished after the checkpoint, which the resumed run repeats).
   */
  constructor(readonly path: string, resumeAt?: number) {
    const kept = resumeAt !== undefined && existsSync(path) ? readLog(path).filter((r) => r.step <= resumeAt) : [];
    writeFileSync(path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  append(rec: StepRecord): void {
    appendFileSync(this.path, `${JSON.stringify(rec)}\n`);
  }
}

const REQUIRED = ['step', 'loss', 'lr', 'gradNorm', 'tokensPerSec'] as const;

/** The records of a JSONL log; a malformed line is an error naming the file and line number. */
export function readLog(path: string): StepRecord[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  return lines.map((line, i) => {
    const where = `${path}:${i + 1}`;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      throw new DiffAttnError('format', `${where}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof rec !== 'object' || rec === null) throw new DiffAttnError('format', `${where}: expected a JSON object`);
    for (const k of REQUIRED) {
      if (typeof (rec as Record<string, unknown>)[k] !== 'number') throw new DiffAttnError('format', `${where}: '${k}' must be a number`);
    }
    return rec as StepRecord;
  });
}
