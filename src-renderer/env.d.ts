/// <reference types="vite/client" />

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

/** Exposed by src-main/preload in the desktop app; absent in browser mode. */
interface ConlabDesktopBridge {
  version(): string;
}

interface Window {
  readonly conlab?: ConlabDesktopBridge;
}
