import { mount, type ComponentMountingOptions } from '@vue/test-utils';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import type { Component } from 'vue';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { createLabI18n, type Locale } from '../../src-renderer/i18n';
import { routes } from '../../src-renderer/router';

/** Mounts a component with a fresh Pinia, the app's i18n and a memory-history router. */
export async function mountWithApp<C extends Component>(
  component: C,
  options: ComponentMountingOptions<C> & { route?: string; locale?: Locale } = {},
): Promise<{ wrapper: ReturnType<typeof mount<C>>; router: Router; pinia: Pinia }> {
  const pinia = createPinia();
  setActivePinia(pinia);
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(options.route ?? '/');
  await router.isReady();
  const { route: _route, locale, ...rest } = options;
  const wrapper = mount(component, {
    ...rest,
    global: { plugins: [pinia, router, createLabI18n(locale ?? 'en')], ...(rest.global ?? {}) },
  } as ComponentMountingOptions<C>);
  return { wrapper: wrapper as ReturnType<typeof mount<C>>, router, pinia };
}
