// The bench's two outputs: the table a person reads and the JSON a script reads.
import { describe, expect, test } from 'vitest';
import { makeFigure } from '../../src-main/bench/figure';
import { renderJson, renderTable } from '../../src-main/bench/report';
import { currentEnvironment } from '../../src-main/engine/runner/environment';

const measured = makeFigure({
  name: 'lifecycle.cancel',
  value: 12.4,
  unit: 'ms',
  samples: 11,
  baseline: { value: 7.5, label: 'killed by hand' },
  target: { of: 'value', op: '<=', limit: 500 },
});
const failedCheck = makeFigure({ name: 'trace-store.events', value: 900_000, unit: 'events/s', samples: 7, target: { of: 'value', op: '>=', limit: 500_000 }, failures: ['3 events lost'] });
const notMeasured = makeFigure({ name: 'network.closed.blocking-serial.c100', value: 0, unit: 'req/s', samples: 0, notes: ['NOT MEASURED: serves one connection at a time'] });

describe('bench report', () => {
  test('the JSON has exactly the documented fields, and a figure with no measurement has no value', () => {
    const { figures } = JSON.parse(renderJson([measured, failedCheck, notMeasured])) as { figures: Record<string, unknown>[] };
    expect(figures.map((figure) => Object.keys(figure).sort())).toEqual(Array(3).fill(['baseline', 'meets', 'name', 'ratio', 'target', 'unit', 'value']));
    expect(figures[0]).toEqual({ name: 'lifecycle.cancel', value: 12.4, unit: 'ms', baseline: 7.5, ratio: 12.4 / 7.5, target: 'value <= 500', meets: true });
    // Within its target, yet a failed correctness check makes it fail.
    expect(figures[1]).toMatchObject({ meets: false });
    expect(figures[2]).toMatchObject({ value: null, meets: null });
  });

  test('the table says "not measured" instead of a value, and lists failed checks under it', () => {
    const table = renderTable([measured, failedCheck, notMeasured], currentEnvironment(), ['full mode']);
    const row = (name: string): string => table.split('\n').find((line) => line.includes(`${name} `))!;
    expect(row('lifecycle.cancel')).toMatch(/12\.4 ms.*7\.5 ms.*1\.65.*value <= 500.*yes.*11/);
    expect(row('network.closed.blocking-serial.c100')).toContain('not measured');
    expect(row('network.closed.blocking-serial.c100')).not.toMatch(/\b0 req\/s/);
    expect(row('trace-store.events')).toContain('NO');
    expect(table).toContain('FAILED CHECK: 3 events lost');
  });
});
