import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { METHODS } from '../../src-main/contract/methods';
import { createContractHandlers, type ContractHandlers } from '../../src-main/serve/contract-handlers';
import { RunHub } from '../../src-main/serve/run-hub';
import { LabError, LabService } from '../../src-main/service/lab-service';

/**
 * compare.trace, the pair timeline's export, through the contract handler on a real store: the sample
 * race-counter run (imported) against itself gives one trace with two processes, aligned at a mark both
 * have; a mark it lacks is refused as bad input naming the mark; the schema takes exactly two runs.
 */

let dir: string;
let service: LabService;
let hub: RunHub;
let handlers: ContractHandlers;
let runId = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-compare-trace-'));
  service = LabService.open({ dbPath: join(dir, 'history.db') });
  hub = new RunHub(service);
  handlers = createContractHandlers(service, hub, 'browser');
  runId = (await service.importRunLog(readFileSync(join(import.meta.dirname, '..', '..', 'resources', 'samples', 'race-counter.conlab.json')))).runId;
});

afterAll(async () => {
  await hub?.stop(20_000);
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('compare.trace', () => {
  test('two runs as two processes, aligned at a mark; a missing mark is bad input', async () => {
    const file = await handlers['compare.trace']({ runIds: [runId, runId], align: { at: 'mark', name: 'locked' } }, { subscriber: { send: () => undefined } });
    expect(file.fileName).toMatch(/^conlab-pair-[0-9a-f]{8}-[0-9a-f]{8}\.trace\.json$/);
    const trace = JSON.parse(Buffer.from(file.dataBase64, 'base64').toString('utf8')) as { traceEvents: { ph: string; name: string; pid: number }[]; metadata: { alignedAt: string } };
    expect(trace.metadata.alignedAt).toBe('mark locked');
    expect(trace.traceEvents.filter((event) => event.ph === 'M' && event.name === 'process_name').map((event) => event.pid).sort()).toEqual([1, 2]);

    let refused: unknown = null;
    try {
      await handlers['compare.trace']({ runIds: [runId, runId], align: { at: 'mark', name: 'nowhere' } }, { subscriber: { send: () => undefined } });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(LabError);
    expect((refused as LabError).code).toBe('bad-input');
    expect((refused as LabError).message).toContain('has no mark "nowhere"');
  });

  test('the schema takes exactly two runs and an alignment', () => {
    const schema = METHODS['compare.trace'].params;
    expect(schema.safeParse({ runIds: [runId, runId], align: { at: 'start' } }).success).toBe(true);
    expect(schema.safeParse({ runIds: [runId, runId, runId], align: { at: 'start' } }).success).toBe(false);
    expect(schema.safeParse({ runIds: [runId, runId], align: { at: 'mark', name: '' } }).success).toBe(false);
    expect(schema.safeParse({ runIds: [runId, runId], align: { at: 'middle' } }).success).toBe(false);
  });
});
