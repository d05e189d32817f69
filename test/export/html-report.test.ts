// The HTML report's records and claims sections: the run's status names failed claims, every claim
// shows each trial's evidence, the records table holds every record, and a comparison shows which
// parameters differ and each record per run with its ratio to the first.
import { describe, expect, it } from 'vitest';
import { comparisonReport, runReport } from '../../src-main/export/html-report';
import { makeRun, makeTrial } from './run-fixture';

describe('HTML report', () => {
  it('a run: failed claims in the status, per-trial evidence, the records table and a generic key-number table', () => {
    const run = makeRun({
      trials: [makeTrial({ index: 0, records: { lost: [7], word: ['a'] } }), makeTrial({ index: 1, records: { lost: [9], word: ['b'] } })],
      claims: [
        {
          id: 'c',
          text: { en: 'no update is lost', zh: '没有更新丢失' },
          status: 'fails',
          detail: 'trial 0: lost 7 is not = 0',
          trials: [
            { trial: 0, status: 'fails', detail: 'lost 7 is not = 0', comparisons: [] },
            { trial: 1, status: 'fails', detail: 'lost 9 is not = 0', comparisons: [] },
          ],
        },
      ],
    });
    const html = runReport(run, []);
    expect(html).toContain('ok · 1 claim failed');
    expect(html).toContain('<li class="fails">✗ trial 1: lost 9 is not = 0</li>');
    const records = html.slice(html.indexOf('<table data-section="records">'));
    expect(records).toContain('<tr><td><code>lost</code></td><td>7</td><td>9</td></tr>');
    expect(records).toContain('<tr><td><code>word</code></td><td>a</td><td>b</td></tr>');
    // No lesson declaration: the numeric records, median over the counted trials.
    expect(html.slice(html.indexOf('<table data-section="key-numbers">'))).toContain('<tr><td>lost <span class="muted">lost</span></td><td>8</td></tr>');
  });

  it('a comparison: the differing parameter is marked, records per run with the ratio to the first', () => {
    const a = makeRun({ id: 'aaaaaaaa-1', params: { threads: 4, windowMs: 10 }, trials: [makeTrial({ records: { lost: [10] } })] });
    const b = makeRun({ id: 'bbbbbbbb-2', params: { threads: 8, windowMs: 10 }, trials: [makeTrial({ records: { lost: [15] } })] });
    const html = comparisonReport([a, b], { baselineId: a.id, runIds: [a.id, b.id], metrics: [], skipped: [] });
    const params = html.slice(html.indexOf('<table data-section="params">'));
    expect(params).toContain('<tr class="fails"><td><code>threads</code> <strong>differs</strong></td><td>4</td><td>8</td></tr>');
    expect(params).toContain('<tr><td><code>windowMs</code></td><td>10</td><td>10</td></tr>');
    expect(html.slice(html.indexOf('<table data-section="records">'))).toContain('<tr><td><code>lost</code></td><td>10</td><td>15<br><span class="muted">1.50×</span></td></tr>');
  });
});
