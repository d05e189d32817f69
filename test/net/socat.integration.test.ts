import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { startServer } from '../../src-main/net/server';
import type { ServerModel } from '../../src-main/model/server-config';

/**
 * socat, a client the lab did not write, against the framed TCP servers: a line-delimited upper
 * server answers each line, and a length-prefixed one each frame, however socat's writes fall.
 */

const socat = ['/usr/bin/socat', '/usr/local/bin/socat'].find((path) => existsSync(path)) ?? null;

/** Pipes `input` through socat to the server and returns everything it answered before closing. */
function throughSocat(port: number, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // -t: after stdin ends, wait up to 3 s for the server's last answers before closing.
    const child = spawn(socat!, ['-t', '3', '-', `TCP:127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`socat exited with ${code}: ${stderr}`));
    });
    child.stdin.end(input);
  });
}

const MODELS: readonly ServerModel[] = ['event-loop', 'blocking-serial', 'thread-per-connection', 'process-per-connection', 'scanning'];

describe.skipIf(!socat)('socat against framed TCP servers', () => {
  for (const model of MODELS) {
    test(`${model}: delimiter framing answers each line; length-prefix each frame`, async () => {
      const lines = await startServer({ protocol: 'tcp', model, handler: { kind: 'upper' }, framing: { kind: 'delimiter' } });
      try {
        const answer = await throughSocat(lines.address.port, Buffer.from('hello\nworld, 你好\nlast one\n', 'utf8'));
        expect(answer.toString('utf8')).toBe('HELLO\nWORLD, 你好\nLAST ONE\n');
      } finally {
        await lines.stop();
      }
      const frames = await startServer({ protocol: 'tcp', model, handler: { kind: 'echo' }, framing: { kind: 'length-prefix' } });
      try {
        const frame = (text: string): Buffer => {
          const body = Buffer.from(text, 'utf8');
          const head = Buffer.alloc(4);
          head.writeUInt32BE(body.length);
          return Buffer.concat([head, body]);
        };
        const input = Buffer.concat([frame('one'), frame(''), frame('three\nwith a newline'), frame('x'.repeat(70_000))]);
        expect((await throughSocat(frames.address.port, input)).equals(input)).toBe(true);
      } finally {
        await frames.stop();
      }
    }, 30_000);
  }
});
