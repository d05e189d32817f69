import type { LiveEvent } from '../../src-main/contract/messages';
import { RemoteError } from '../../src-main/contract/messages';
import type { MethodName, ParamsOf, ResultOf } from '../../src-main/contract/methods';
import { createLabClient, installLabClient, type LabClient, type RawTransport } from '../../src-renderer/transport/lab-client';

type Handlers = { [M in MethodName]?: (params: ParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>> };

/**
 * A LabClient for component and store tests: answers from handlers, records every call, and lets a
 * test push live events. It goes through createLabClient, so parameters are checked as in the app.
 */
export class FakeLab {
  readonly calls: { method: MethodName; params: unknown }[] = [];
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  readonly client: LabClient;

  constructor(private handlers: Handlers = {}) {
    const transport: RawTransport = {
      runtime: 'browser',
      request: async (method, params) => {
        this.calls.push({ method, params });
        const handler = this.handlers[method] as ((params: unknown) => unknown) | undefined;
        if (!handler) throw new RemoteError({ name: 'LabError', message: `no fake for ${method}`, code: 'unavailable' });
        return handler(params);
      },
      onLiveEvent: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      connection: () => 'open',
      onConnectionChange: () => () => undefined,
    };
    this.client = createLabClient(transport);
  }

  on<M extends MethodName>(method: M, handler: (params: ParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>>): this {
    (this.handlers as Record<string, unknown>)[method] = handler;
    return this;
  }

  emit(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  callsTo(method: MethodName): unknown[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.params);
  }

  install(): this {
    installLabClient(this.client);
    return this;
  }
}

export const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
