import type { MethodName } from '@contract/methods';
import { RemoteError, serverMessageSchema, TOKEN_PARAM, WS_PATH, type LiveAckMessage, type LiveEvent, type RequestMessage } from '@contract/messages';
import type { RawTransport } from './lab-client';

type ConnectionState = 'connecting' | 'open' | 'closed';

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/**
 * Browser mode: requests over one WebSocket to the server that served this page, with the session
 * token taken from the page URL. Responses are matched to requests by id (a pending map); a lost
 * connection fails every pending call at once and is retried a few times with a growing delay. Every
 * run-live message is acknowledged (live-ack) once the page's listeners have taken it.
 */
export class WebSocketTransport implements RawTransport {
  readonly runtime = 'browser' as const;
  private socket: WebSocket | null = null;
  private state: ConnectionState = 'connecting';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly queue: RequestMessage[] = [];
  private readonly liveListeners = new Set<(event: LiveEvent) => void>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private retries = 0;

  constructor(
    private readonly url: string,
    private readonly createSocket: (url: string) => WebSocket = (target) => new WebSocket(target),
  ) {
    this.connect();
  }

  /** The WebSocket URL for a page at `location`, or null when the page URL has no token. */
  static urlFor(location: Pick<Location, 'host' | 'protocol' | 'search'>): string | null {
    const token = new URLSearchParams(location.search).get(TOKEN_PARAM);
    if (!token) return null;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}${WS_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
  }

  request(method: MethodName, params: unknown): Promise<unknown> {
    const message: RequestMessage = { type: 'request', id: this.nextId++, method, params };
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      if (this.state === 'open' && this.socket) this.socket.send(JSON.stringify(message));
      else if (this.state === 'connecting') this.queue.push(message);
      else {
        this.pending.delete(message.id);
        reject(new RemoteError({ name: 'Disconnected', message: 'not connected to the lab server (reload the page, or restart conlab serve)', code: 'unavailable' }));
      }
    });
  }

  onLiveEvent(listener: (event: LiveEvent) => void): () => void {
    this.liveListeners.add(listener);
    return () => this.liveListeners.delete(listener);
  }

  connection(): ConnectionState {
    return this.state;
  }

  onConnectionChange(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Tries again now (the banner's Reconnect button). */
  reconnect(): void {
    if (this.state === 'open') return;
    this.retries = 0;
    this.connect();
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private connect(): void {
    this.setState('connecting');
    const socket = this.createSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.retries = 0;
      this.setState('open');
      for (const message of this.queue.splice(0)) socket.send(JSON.stringify(message));
    };
    socket.onmessage = (event: MessageEvent) => this.receive(event.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      const lost = new RemoteError({ name: 'Disconnected', message: 'the connection to the lab server was lost', code: 'unavailable' });
      for (const [id, waiter] of this.pending) {
        if (!this.queue.some((message) => message.id === id)) {
          this.pending.delete(id);
          waiter.reject(lost);
        }
      }
      if (this.retries < 5) {
        const delay = 500 * 2 ** this.retries++;
        this.setState('connecting');
        setTimeout(() => this.connect(), delay);
      } else {
        for (const message of this.queue.splice(0)) {
          this.pending.get(message.id)?.reject(lost);
          this.pending.delete(message.id);
        }
        this.setState('closed');
      }
    };
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = serverMessageSchema.safeParse(raw);
    if (!parsed.success) {
      console.warn('[browser mode] ignored a message that is not in the contract', parsed.error.issues[0]);
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'hello':
        return;
      case 'event': {
        const live = message.event;
        for (const listener of this.liveListeners) listener(live);
        // Taken in: the server may send this run's next messages (it keeps a page within a window of them).
        if (live.type === 'run-live' && this.socket && this.state === 'open') {
          this.socket.send(JSON.stringify({ type: 'live-ack', runId: live.runId, seq: live.seq } satisfies LiveAckMessage));
        }
        return;
      }
      case 'response': {
        const waiter = this.pending.get(message.id);
        if (!waiter) return;
        this.pending.delete(message.id);
        if (message.ok) waiter.resolve(message.result);
        else waiter.reject(new RemoteError(message.error));
        return;
      }
      default: {
        const unknownMessage: never = message;
        throw new Error(`unknown server message ${JSON.stringify(unknownMessage)}`);
      }
    }
  }
}
