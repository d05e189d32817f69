import Table from 'cli-table3';
import type { RunEnvironment } from '../model/run-model';
import type { Figure } from './figure';

/**
 * How figures leave the bench: a table for a person (the machine above it, notes below it), or one
 * JSON object for a script. Both are written whole to stdout by the caller; progress goes to stderr.
 */

export function machineLine(environment: RunEnvironment): string {
  return `machine: ${environment.cpuModel}, ${environment.cpuCount} cores, ${Math.round(environment.totalMemoryMb / 1024)} GB; ${environment.os}; node ${environment.node}`;
}

function formatNumber(value: number | null): string {
  if (value === null) return '—';
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1_000) return Math.round(value).toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumSignificantDigits: 3 });
}

function formatMeets(meets: boolean | null): string {
  if (meets === null) return '';
  return meets ? 'yes' : 'NO';
}

export function renderTable(figures: readonly Figure[], environment: RunEnvironment, header: readonly string[]): string {
  const table = new Table({
    head: ['figure', 'value', 'baseline', 'ratio', 'target', 'meets', 'n'],
    colAligns: ['left', 'right', 'right', 'right', 'left', 'left', 'right'],
    style: { head: [], border: [] }, // no colours: the output is often saved or pasted
  });
  for (const figure of figures) {
    table.push([
      figure.name,
      figure.samples === 0 ? 'not measured' : `${formatNumber(figure.value)} ${figure.unit}`,
      figure.baseline === null ? '—' : `${formatNumber(figure.baseline)} ${figure.unit}`,
      figure.ratio === null ? '—' : figure.ratio.toFixed(2),
      figure.target ?? '',
      formatMeets(figure.meets),
      String(figure.samples),
    ]);
  }
  const notes: string[] = [];
  for (const figure of figures) {
    const lines = [...(figure.baselineLabel ? [`baseline: ${figure.baselineLabel}`] : []), ...figure.notes];
    if (lines.length === 0) continue;
    notes.push(`${figure.name}`);
    for (const line of lines) notes.push(`  - ${line}`);
  }
  return [machineLine(environment), ...header, table.toString(), 'Each value is a median over n measurements; its baseline was measured in the same run.', ...notes].join('\n');
}

/** The machine-readable form: exactly `{"figures": [...]}` with the fields scripts rely on. */
export function renderJson(figures: readonly Figure[]): string {
  return JSON.stringify({
    // A figure with no measurement has no value (null), rather than a 0 a script could take for one.
    figures: figures.map(({ name, value, unit, baseline, ratio, target, meets, samples }) => ({ name, value: samples === 0 ? null : value, unit, baseline, ratio, target, meets })),
  });
}
