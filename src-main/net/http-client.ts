import http from 'node:http';
import { NetError, connectError } from './errors';
import { isLoopbackHost } from './loopback';

/** The answer to an HTTP GET, with the body decoded by the charset the server declared. */
export interface HttpGetResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly contentType: string | null;
  /** The declared charset (lower-cased), or null when the server did not say. */
  readonly charset: string | null;
  readonly body: Buffer;
  /** The body decoded with the declared charset (utf-8 when none was declared or Node cannot decode it). */
  readonly text: string;
}

const DECODABLE: readonly string[] = ['utf-8', 'utf8', 'latin1', 'iso-8859-1', 'ascii', 'utf-16le'];

/** GET over a fresh connection (no agent, no keep-alive) to a loopback URL. */
export function httpGet(url: string, options: { readonly timeoutMs?: number } = {}): Promise<HttpGetResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(new NetError('invalid-config', `http get: ${JSON.stringify(url)} is not a URL; expected http://127.0.0.1:PORT/path`));
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (parsed.protocol !== 'http:' || !isLoopbackHost(host)) {
    return Promise.reject(new NetError('address-not-loopback', `http get: ${url} is not allowed; the lab only fetches http:// URLs on 127.0.0.1 or [::1]`));
  }
  const timeoutMs = options.timeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port: Number(parsed.port || 80), path: `${parsed.pathname}${parsed.search}`, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        const contentType = response.headers['content-type'] ?? null;
        const charset = contentType ? (/charset=([^;\s]+)/i.exec(contentType)?.[1]?.toLowerCase().replace(/"/g, '') ?? null) : null;
        const encoding = (charset && DECODABLE.includes(charset) ? charset : 'utf-8') as BufferEncoding;
        resolve({ status: response.statusCode ?? 0, headers: response.headers, contentType, charset, body, text: body.toString(encoding) });
      });
    });
    request.setTimeout(timeoutMs, () => request.destroy(new NetError('timeout', `http get ${url}: no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => reject(error instanceof NetError ? error : connectError(error, host, Number(parsed.port || 80))));
  });
}
