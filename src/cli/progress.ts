/**
 * Progress for commands that run longer than a second, on stderr so stdout stays the command's
 * output (`--json` included). On a terminal it is a cli-progress bar redrawn in place; elsewhere
 * (CI logs, pipes) a plain line at most every few seconds, so a long run still shows it is alive.
 */
import cliProgress from 'cli-progress';

/** Named values shown after the bar (loss, tokens/s, …). */
export type ProgressFields = Record<string, string | number>;

export interface Progress {
  /** Marks `done` of `total` units finished. */
  update(done: number, fields?: ProgressFields): void;
  /** Ends the bar (leaving its last state on screen). */
  stop(): void;
}

export interface ProgressOptions {
  /** false: report nothing (quiet commands, tests). Default true. */
  enabled?: boolean;
  /** Where to write; default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when the stream is not a terminal; default 5. */
  plainEvery?: number;
}

const formatFields = (fields: ProgressFields): string =>
  Object.entries(fields).map(([k, v]) => `${k} ${v}`).join('  ');

/** A progress reporter for `total` units of work labelled `label` (e.g. 'train', 'verify'). */
export function progress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.enabled === false) return { update() {}, stop() {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream, format: `${label} [{bar}] {value}/{total}  {fields}  eta {eta_formatted}`, hideCursor: true, clearOnComplete: false,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, { fields: '' });
    return {
      update: (done, fields = {}) => bar.update(done, { fields: formatFields(fields) }),
      stop: () => bar.stop(),
    };
  }
  const every = 1000 * (opts.plainEvery ?? 5);
  const start = Date.now();
  let last = start;
  let state = { done: 0, fields: {} as ProgressFields };
  const line = (): void => {
    const elapsed = (Date.now() - start) / 1000;
    const eta = state.done > 0 ? (elapsed * (total - state.done)) / state.done : NaN;
    stream.write(`${label} ${state.done}/${total}  ${formatFields(state.fields)}  elapsed ${elapsed.toFixed(0)} s${Number.isFinite(eta) ? `, eta ${eta.toFixed(0)} s` : ''}\n`);
  };
  return {
    update(done, fields = {}) {
      state = { done, fields };
      const now = Date.now();
      if (now - last >= every) {
        last = now;
        line();
      }
    },
    stop() {
      if (Date.now() - start >= every) line();
    },
  };
}
