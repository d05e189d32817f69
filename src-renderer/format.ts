/** Numbers and times as people read them, in the UI's locale. */

/**
 * Number formats by locale and fraction digits, made once: `toLocaleString` with options builds a new
 * Intl.NumberFormat on every call, which views redrawn many times a second (the timeline's axis and
 * summary, the live counters) paid for every number. The same output.
 */
const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, maximumFractionDigits: number): Intl.NumberFormat {
  const key = `${locale}\u0000${maximumFractionDigits}`;
  let format = numberFormats.get(key);
  if (!format) {
    if (numberFormats.size >= 64) numberFormats.clear();
    format = new Intl.NumberFormat(locale, { maximumFractionDigits });
    numberFormats.set(key, format);
  }
  return format;
}

export function formatNumber(value: number | null | undefined, locale: string, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const maximumFractionDigits = abs >= 1000 ? 0 : abs >= 100 ? 1 : digits;
  return numberFormat(locale, maximumFractionDigits).format(value);
}

export function formatMs(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value >= 10_000) return `${numberFormat(locale, 1).format(value / 1000)} s`;
  return `${formatNumber(value, locale, value < 10 ? 2 : 1)} ms`;
}

export function formatDate(iso: string | null | undefined, locale: string): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(locale, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Trace times are nanoseconds; the timeline and log show milliseconds. */
export function nsToMs(ns: number): number {
  return ns / 1e6;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** i18n keys cannot hold dots or dashes reliably: `json.gz` → `jsonGz`, `timed-out` → `timedOut`. */
export function messageKey(value: string): string {
  return value.replace(/[.-](\w)/g, (_, letter: string) => letter.toUpperCase());
}

/** The pair id of a run tagged `pair:<id>` (a lesson run on Node and on CPython), or null. */
export function pairIdOf(tags: readonly string[]): string | null {
  const tag = tags.find((entry) => entry.startsWith('pair:') && entry.length > 5);
  return tag ? tag.slice(5) : null;
}

/** Where a run ran, from its recorded environment: `Node v22.1.0`, `CPython 3.13.0`, `CPython 3.13.0t (no GIL)`. */
export function runtimeLabel(run: { readonly environment: { readonly node: string; readonly runtime?: { readonly version: string; readonly gil: boolean } | undefined } }): string {
  const runtime = run.environment.runtime;
  if (!runtime) return `Node ${run.environment.node}`;
  return `CPython ${runtime.version}${runtime.gil === false ? ' (no GIL)' : ''}`;
}
