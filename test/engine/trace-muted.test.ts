import { describe, expect, test } from 'vitest';
import { TraceBuffer } from '../../src-main/engine/trace/trace-buffer';
import type { EventBatch } from '../../src-main/model/trace-event';

const buffer = (): { trace: TraceBuffer; batches: EventBatch[] } => {
  const batches: EventBatch[] = [];
  const trace = new TraceBuffer({ actor: 'a', trial: 0, runStartNs: process.hrtime.bigint(), budget: 1_000, sink: (batch) => batches.push(batch) });
  return { trace, batches };
};

describe('TraceBuffer: what a summary repeat did not record', () => {
  test('counts the acquire and release events muted, taken once the outermost repeat has ended', () => {
    const { trace } = buffer();
    trace.mute();
    for (let i = 0; i < 3; i++) {
      trace.emit('acquire', 'B', { prim: 'L' });
      trace.emit('acquire', 'E', { prim: 'L', ok: true });
      trace.emit('add', 'I', { var: 'x', delta: 1, value: i });
      trace.emit('release', 'I', { prim: 'L' });
    }
    // An inner summary repeat: still muted, so the outer one reports.
    trace.mute();
    trace.emit('acquire', 'B', { prim: 'L' });
    trace.unmute();
    expect(trace.takeMuted()).toBeUndefined();
    trace.unmute();
    expect(trace.takeMuted()).toEqual({ acquire: 7, release: 3 });
    expect(trace.takeMuted()).toBeUndefined();
    expect(trace.muted).toBe(13);
    expect(trace.emitted).toBe(0);
  });

  test('a muted loop without lock steps states nothing', () => {
    const { trace } = buffer();
    trace.mute();
    trace.emit('read', 'I');
    trace.unmute();
    expect(trace.takeMuted()).toBeUndefined();
  });
});
