import { readdirSync, readFileSync } from 'node:fs';

/**
 * The open-file limit (RLIMIT_NOFILE) of this process. Every socket is a file descriptor, so C
 * connections need C descriptors in the process that holds them (and C more in a server in the same
 * process). Node has no setrlimit: the limit is whatever the shell that started the lab set with
 * `ulimit -n`, up to the hard limit. So the lab reads it (from /proc/self/limits on Linux) and
 * refuses, with the numbers, a load it cannot open, rather than failing half-way with EMFILE.
 */

export interface DescriptorLimit {
  /** The soft limit: what this process may open now. Null when unknown (no /proc). */
  readonly soft: number | null;
  /** The hard limit: how far `ulimit -n` can raise the soft one without privileges. */
  readonly hard: number | null;
  /** Descriptors open right now. */
  readonly open: number | null;
}

/** Descriptors kept free for everything else the process does (files, pipes, the store). */
export const DESCRIPTOR_MARGIN = 64;

function parseLimit(text: string): number | null {
  if (text === 'unlimited') return Number.POSITIVE_INFINITY;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** Parses the "Max open files" line of /proc/self/limits (exported for tests). */
export function parseProcLimits(text: string): { soft: number | null; hard: number | null } {
  const line = text.split('\n').find((row) => row.startsWith('Max open files'));
  if (!line) return { soft: null, hard: null };
  const [soft, hard] = line.slice('Max open files'.length).trim().split(/\s+/);
  return { soft: parseLimit(soft ?? ''), hard: parseLimit(hard ?? '') };
}

export function readDescriptorLimit(): DescriptorLimit {
  let soft: number | null = null;
  let hard: number | null = null;
  let open: number | null = null;
  try {
    ({ soft, hard } = parseProcLimits(readFileSync('/proc/self/limits', 'utf8')));
  } catch {
    // no /proc (not Linux): unknown, and the check below lets the load try
  }
  try {
    open = readdirSync('/proc/self/fd').length;
  } catch {
    open = null;
  }
  return { soft, hard, open };
}

export type DescriptorCheck = { readonly ok: true; readonly limit: DescriptorLimit } | { readonly ok: false; readonly limit: DescriptorLimit; readonly reason: string };

/** Whether `needed` more descriptors fit under the soft limit, keeping a margin; if not, why, with the numbers and the fix. */
export function checkDescriptorBudget(needed: number, what: string, limit: DescriptorLimit = readDescriptorLimit()): DescriptorCheck {
  if (limit.soft === null) return { ok: true, limit };
  const open = limit.open ?? 0;
  const available = limit.soft - open - DESCRIPTOR_MARGIN;
  if (needed <= available) return { ok: true, limit };
  const hardText = limit.hard === null ? 'unknown' : limit.hard === Number.POSITIVE_INFINITY ? 'unlimited' : String(limit.hard);
  const wanted = needed + open + DESCRIPTOR_MARGIN;
  const raise =
    limit.hard !== null && wanted > limit.hard
      ? `the hard limit (${hardText}) is below that too, so raising it needs an administrator (limits.conf or systemd LimitNOFILE)`
      : `run \`ulimit -n ${wanted}\` in the shell that starts the lab (the hard limit, ${hardText}, allows it)`;
  return {
    ok: false,
    limit,
    reason:
      `${what} need ${needed} file descriptors in this process, but its open-file limit (ulimit -n, RLIMIT_NOFILE) is ${limit.soft} ` +
      `and ${open} are already open (${DESCRIPTOR_MARGIN} kept spare). Node cannot raise this limit itself: ${raise}, ` +
      `or use at most ${Math.max(0, available)}.`,
  };
}
