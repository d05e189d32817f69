import { beforeEach, describe, expect, test, vi } from 'vitest';
import { IPC_CHANNELS } from '../../src-main/contract/channels';
import type { LabService } from '../../src-main/service/lab-service';

/**
 * The IPC handler without the Electron binary: `electron` is replaced by a stand-in that records the
 * handler ipcMain.handle receives, so the checks can be driven with fake sender frames.
 */
const handlers = new Map<string, (event: unknown, message: unknown) => Promise<unknown>>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: (event: unknown, message: unknown) => Promise<unknown>) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}));

const { registerContractIpc } = await import('../../src-main/app/contract-ipc');

const fakeService = {
  listLessons: () => [{ id: 'race-counter', chapter: 'threads', title: { en: 'Race', zh: '竞争' }, chapterTitle: { en: 'Threads', zh: '线程' } }],
  getRun: vi.fn(),
} as unknown as LabService;

function eventFrom(url: string, mainFrame = true) {
  const frame = { url };
  const sender = { mainFrame: mainFrame ? frame : { url }, isDestroyed: () => false, send: vi.fn(), once: vi.fn() };
  return { senderFrame: frame, sender };
}

beforeEach(() => {
  handlers.clear();
  registerContractIpc(fakeService);
});

describe('the contract over IPC', () => {
  test('registers one invoke channel with the app prefix', () => {
    expect([...handlers.keys()]).toEqual([IPC_CHANNELS.request]);
    expect(IPC_CHANNELS.request.startsWith('conlab:')).toBe(true);
  });

  test('a valid request from the app window reaches LabService', async () => {
    const handle = handlers.get(IPC_CHANNELS.request)!;
    const response = await handle(eventFrom('conlab-app://renderer/index.html'), { type: 'request', id: 7, method: 'lessons.list', params: {} });
    expect(response).toMatchObject({ type: 'response', id: 7, ok: true, result: [{ id: 'race-counter' }] });
  });

  test('a request from another page or a subframe is refused before anything runs', async () => {
    const handle = handlers.get(IPC_CHANNELS.request)!;
    for (const event of [eventFrom('https://evil.example/'), eventFrom('conlab-app://renderer/index.html', false), { senderFrame: null, sender: { mainFrame: null } }]) {
      expect(await handle(event, { type: 'request', id: 1, method: 'history.get', params: { runId: 'abcd1234' } })).toMatchObject({ ok: false, error: { name: 'Forbidden' } });
    }
    expect(fakeService.getRun).not.toHaveBeenCalled();
  });

  test('bad envelopes and bad parameters are refused with the field named', async () => {
    const handle = handlers.get(IPC_CHANNELS.request)!;
    const event = eventFrom('conlab-app://renderer/index.html');
    expect(await handle(event, { method: 'lessons.list' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await handle(event, { type: 'request', id: 2, method: 'history.get', params: { runId: 'x' } })).toMatchObject({ id: 2, ok: false, error: { code: 'bad-request', message: expect.stringContaining('runId') } });
    expect(await handle(event, { type: 'request', id: 3, method: 'constructor', params: {} })).toMatchObject({ id: 3, ok: false, error: { message: 'unknown method "constructor"' } });
    expect(fakeService.getRun).not.toHaveBeenCalled();
  });
});
