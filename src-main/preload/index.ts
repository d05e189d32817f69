import { contextBridge } from 'electron';

/**
 * What the renderer can reach as `window.conlab`: named functions and plain data only.
 *
 * The preload runs sandboxed (CommonJS, no Node modules besides `electron`); it never hands out
 * `ipcRenderer` itself, so the renderer cannot send on arbitrary channels.
 */
const conlabBridge = {
  version: (): string => __APP_VERSION__,
};

export type ConlabBridge = typeof conlabBridge;

contextBridge.exposeInMainWorld('conlab', conlabBridge);
