import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNEL_PREFIX, IPC_CHANNELS, isMethodName } from '../contract/channels';

/**
 * What the renderer can reach as `window.conlab`: three functions and plain data, nothing more.
 *
 * The preload runs sandboxed (CommonJS, no Node modules besides `electron`); it never hands out
 * `ipcRenderer`, only sends on the app's own channels, and refuses any method the contract does
 * not name. Parameters are validated with the contract's schemas in the renderer and again in the
 * main process.
 */

function channel(name: string): string {
  if (!name.startsWith(CHANNEL_PREFIX)) throw new Error(`refused channel ${name}`);
  return name;
}

let nextId = 1;

const conlabBridge = {
  version: (): string => __APP_VERSION__,
  request: (method: string, params: unknown): Promise<unknown> => {
    if (!isMethodName(method)) return Promise.reject(new Error(`unknown method ${JSON.stringify(method)}`));
    return ipcRenderer.invoke(channel(IPC_CHANNELS.request), { type: 'request', id: nextId++, method, params });
  },
  onLiveEvent: (listener: (event: unknown) => void): (() => void) => {
    const forward = (_event: IpcRendererEvent, message: unknown): void => {
      if (message !== null && typeof message === 'object' && (message as { type?: unknown }).type === 'event') listener((message as { event: unknown }).event);
    };
    ipcRenderer.on(channel(IPC_CHANNELS.event), forward);
    return () => void ipcRenderer.removeListener(IPC_CHANNELS.event, forward);
  },
};

export type ConlabBridge = typeof conlabBridge;

contextBridge.exposeInMainWorld('conlab', conlabBridge);
