import { describe, expect, it } from 'vitest';
import { summarize } from '../../src-main/engine/metrics/stats';
import { csvField, eventsCsv, eventsCsvLines, metricsCsv, recordsCsv, trialsCsv } from '../../src-main/export/csv';
import type { EventBatch } from '../../src-main/model/trace-event';
import { makeBatch, makeRun, makeTrial } from './run-fixture';

/** A minimal RFC 4180 reader, to check that what we write reads back to the same fields. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      index++;
    } else field += char;
  }
  return rows;
}

describe('csvField (RFC 4180)', () => {
  it('quotes exactly the fields that need it and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('中文，全角逗号')).toBe('中文，全角逗号');
    expect(csvField('中文,半角逗号')).toBe('"中文,半角逗号"');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(false)).toBe('false');
    expect(csvField(0.25)).toBe('0.25');
  });
});

describe('trialsCsv', () => {
  it('writes one row per trial with sorted metric columns and empty cells for missing metrics', () => {
    const run = makeRun({
      id: 'run,"1"',
      trials: [
        makeTrial({ index: 0, warmup: true, wallMs: 30, metrics: { peakRssMb: 70 } }),
        makeTrial({ index: 1, status: 'failed', wallMs: 12.5, metrics: { peakRssMb: 61.5, cpuUserMs: 8, wallMs: 12.5 } }),
      ],
    });
    expect(trialsCsv(run)).toBe(
      'run_id,trial,warmup,status,wallMs,cpuUserMs,peakRssMb\r\n' +
        '"run,""1""",0,true,ok,30,,70\r\n' +
        '"run,""1""",1,false,failed,12.5,8,61.5\r\n',
    );
  });
});

describe('metricsCsv', () => {
  it('writes the MetricStats rows with the interval split in two columns', () => {
    const run = makeRun({
      stats: [summarize('wallMs', 'ms', [10, 11, 12, 13, 100]), summarize('计数, "count"', '', [3])],
    });
    const rows = readCsv(metricsCsv(run));
    expect(rows[0]).toEqual(['name', 'unit', 'n', 'median', 'mean', 'stddev', 'min', 'max', 'ci_low', 'ci_high', 'outliers']);
    expect(rows[1]!.slice(0, 5)).toEqual(['wallMs', 'ms', '5', '12', '29.2']);
    expect(rows[1]![10]).toBe('4');
    expect(rows[2]).toEqual(['计数, "count"', '', '1', '3', '3', '0', '3', '3', '3', '3', '']);
  });
});

describe('events CSV', () => {
  const batches = [
    makeBatch(0, 'worker-1', [
      [0, 1_500, 'acquire', 'B', { prim: 'A' }],
      [1, 2_000, 'log', 'I', { text: '你好, "世界"\n第二行' }],
    ]),
    makeBatch(1, 'main', [[7, 9_000_000_000, 'end', 'I']]),
  ];

  it('writes one row per event with data as compact JSON', () => {
    expect(eventsCsv(batches)).toBe(
      'trial,actor,seq,t_ns,op,ph,data\r\n' +
        '0,worker-1,0,1500,acquire,B,"{""prim"":""A""}"\r\n' +
        '0,worker-1,1,2000,log,I,"{""text"":""你好, \\""世界\\""\\n第二行""}"\r\n' +
        '1,main,7,9000000000,end,I,\r\n',
    );
    const rows = readCsv(eventsCsv(batches));
    expect(JSON.parse(rows[2]![6]!)).toEqual({ text: '你好, "世界"\n第二行' });
  });

  it('streams: a batch is decoded only when its lines are reached', () => {
    const broken: EventBatch = { ...batches[1]!, payload: 'not json' };
    const lines = eventsCsvLines([batches[0]!, broken]);
    expect(lines.next().value).toBe('trial,actor,seq,t_ns,op,ph,data\r\n');
    expect(lines.next().value).toMatch(/^0,worker-1,0,/);
    expect(lines.next().value).toMatch(/^0,worker-1,1,/);
    expect(() => lines.next()).toThrow(SyntaxError);
  });
});

describe('recordsCsv', () => {
  it('one row per recorded value and per final shared value, values read back as recorded', () => {
    const run = makeRun();
    const rows = readCsv(recordsCsv(run));
    expect(rows[0]).toEqual(['run_id', 'trial', 'warmup', 'kind', 'name', 'index', 'value']);
    const trial = String(run.trials[0]!.index);
    expect(rows.slice(1)).toEqual([
      [run.id, trial, 'false', 'record', '结果', '0', '1'],
      [run.id, trial, 'false', 'record', '结果', '1', '二'],
      [run.id, trial, 'false', 'record', '结果', '2', '{"three":3}'],
      [run.id, trial, 'false', 'final', 'counter', '', '100000'],
      [run.id, trial, 'false', 'final', '名字', '', '计数器'],
      [run.id, trial, 'false', 'final', 'flags', '', '[true,false,null]'],
    ]);
  });
});
