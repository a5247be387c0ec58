import type { Tensor } from '../tensor.js';

/**
 * Where a module records named intermediates (q after rotary, the two maps, …) when its caller
 * wants them, e.g. to compare against a golden file. A `Map<string, Tensor>` is a Trace.
 * Recording costs nothing when no trace is passed.
 */
export interface Trace {
  set(name: string, value: Tensor): Trace;
}

/** A view of `trace` that records every name with `prefix` in front (`attn.` inside a layer). */
export function prefixTrace(trace: Trace | undefined, prefix: string): Trace | undefined {
  if (!trace) return undefined;
  const sub: Trace = {
    set: (name, value) => {
      trace.set(prefix + name, value);
      return sub;
    },
  };
  return sub;
}
