/** What a running server reports as it goes; the engine turns these into trace events. */
export type ServerEvent =
  | { readonly type: 'listening'; readonly host: string; readonly port: number }
  | { readonly type: 'accepted'; readonly connection: number; readonly remotePort: number }
  | { readonly type: 'refused'; readonly remotePort: number; readonly reason: string }
  | { readonly type: 'closed'; readonly connection: number }
  | { readonly type: 'thread-started'; readonly threadId: number }
  | { readonly type: 'thread-exited'; readonly threadId: number; readonly code: number }
  | { readonly type: 'process-started'; readonly pid: number }
  | { readonly type: 'process-exited'; readonly pid: number; readonly code: number | null; readonly signal: string | null }
  | { readonly type: 'error'; readonly message: string };

export type ServerEventListener = (event: ServerEvent) => void;
