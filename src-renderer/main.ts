import { createApp } from 'vue';
import { z } from 'zod';
import { createPinia } from 'pinia';
import App from './App.vue';
import NoSession from './NoSession.vue';
import { createLabI18n, resolveLocale } from './i18n';
import { createLabRouter } from './router';
import { createLabClient, installLabClient } from './transport/lab-client';
import { DesktopTransport } from './transport/desktop-transport';
import { WebSocketTransport } from './transport/websocket-transport';
import './styles/base.css';

// zod probes `new Function` to speed up parsing; the page's CSP forbids eval, so say no up front.
z.config({ jitless: true });

const i18n = createLabI18n(resolveLocale('system'));
const transport = window.conlab ? new DesktopTransport(window.conlab) : (() => {
  const url = WebSocketTransport.urlFor(window.location);
  return url ? new WebSocketTransport(url) : null;
})();

if (transport) {
  installLabClient(createLabClient(transport));
  createApp(App, { reconnect: transport instanceof WebSocketTransport ? () => transport.reconnect() : null })
    .use(createPinia())
    .use(createLabRouter())
    .use(i18n)
    .mount('#app');
} else {
  // Browser mode without the session token: say what to do instead of failing every call.
  createApp(NoSession).use(i18n).mount('#app');
}
