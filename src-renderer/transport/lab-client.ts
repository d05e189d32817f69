import { checkParams, describeProblems, type MethodName, type ParamsOf, type ResultOf } from '@contract/methods';
import { RemoteError, type LiveEvent } from '@contract/messages';
import { formatSpecIssues } from '@contract/run-wording';
import { textLang } from '../i18n';

/**
 * The renderer's one way to LabService: typed calls checked against the contract before they leave
 * (the other end checks them again), and the live events of runs. Two transports implement it:
 * the desktop app's preload bridge and browser mode's WebSocket.
 */
export interface LabClient {
  readonly runtime: 'desktop' | 'browser';
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  onLiveEvent(listener: (event: LiveEvent) => void): () => void;
  /** 'open' when calls can go out; browser mode shows a banner otherwise. */
  readonly connection: () => 'connecting' | 'open' | 'closed';
  onConnectionChange(listener: (state: 'connecting' | 'open' | 'closed') => void): () => void;
}

/** What a transport must do: send one request (already checked) and resolve with its result. */
export interface RawTransport {
  readonly runtime: 'desktop' | 'browser';
  request(method: MethodName, params: unknown): Promise<unknown>;
  onLiveEvent(listener: (event: LiveEvent) => void): () => void;
  connection(): 'connecting' | 'open' | 'closed';
  onConnectionChange(listener: (state: 'connecting' | 'open' | 'closed') => void): () => void;
}

export function createLabClient(transport: RawTransport): LabClient {
  return {
    runtime: transport.runtime,
    async call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
      const checked = checkParams(method, params);
      if (!checked.ok) {
        throw new RemoteError({ name: 'BadRequest', message: describeProblems(method, checked.problems), code: 'bad-request' });
      }
      return (await transport.request(method, params)) as ResultOf<M>;
    },
    onLiveEvent: (listener) => transport.onLiveEvent(listener),
    connection: () => transport.connection(),
    onConnectionChange: (listener) => transport.onConnectionChange(listener),
  };
}

let installed: LabClient | null = null;

/** main.ts installs the client once; tests install a fake before mounting. */
export function installLabClient(client: LabClient): void {
  installed = client;
}

export function useLabClient(): LabClient {
  if (!installed) throw new Error('no LabClient installed: main.ts installs one before the app mounts');
  return installed;
}

/** A message for a person from anything a call can throw; a refused spec (an error with issues) in the page's language. */
export function errorMessage(error: unknown): string {
  if (error instanceof RemoteError && error.issues.length > 0) {
    return formatSpecIssues(error.issues, 12, typeof document === 'undefined' ? 'en' : textLang(document.documentElement.lang));
  }
  return error instanceof Error ? error.message : String(error);
}
