/// <reference types="vite/client" />

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

/** Exposed by src-main/preload in the desktop app; absent in browser mode. */
interface ConlabDesktopBridge {
  version(): string;
  /** Resolves to a ResponseMessage (validated by DesktopTransport). */
  request(method: string, params: unknown): Promise<unknown>;
  onLiveEvent(listener: (event: unknown) => void): () => void;
}

interface Window {
  readonly conlab?: ConlabDesktopBridge;
}
