import type { MethodName } from '@contract/methods';
import { liveEventSchema, RemoteError, serverMessageSchema, type LiveEvent } from '@contract/messages';
import type { RawTransport } from './lab-client';

/**
 * The desktop app: the preload bridge (`window.conlab`) forwards each call over IPC to the main
 * process, which checks the sender and validates the call again. Answers and live events are
 * validated here against the contract before anything uses them.
 */
export class DesktopTransport implements RawTransport {
  readonly runtime = 'desktop' as const;

  constructor(private readonly bridge: ConlabDesktopBridge) {}

  async request(method: MethodName, params: unknown): Promise<unknown> {
    const parsed = serverMessageSchema.safeParse(await this.bridge.request(method, params));
    if (!parsed.success || parsed.data.type !== 'response') {
      throw new RemoteError({ name: 'BadResponse', message: `the main process answered ${method} outside the contract`, code: 'internal' });
    }
    if (parsed.data.ok) return parsed.data.result;
    throw new RemoteError(parsed.data.error);
  }

  onLiveEvent(listener: (event: LiveEvent) => void): () => void {
    return this.bridge.onLiveEvent((raw) => {
      const parsed = liveEventSchema.safeParse(raw);
      if (parsed.success) listener(parsed.data);
      else console.warn('[desktop] ignored a live event that is not in the contract', parsed.error.issues[0]);
    });
  }

  connection(): 'open' {
    return 'open';
  }

  onConnectionChange(): () => void {
    return () => undefined;
  }
}
