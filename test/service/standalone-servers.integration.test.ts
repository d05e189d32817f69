import { describe, expect, test } from 'vitest';
import { Connection } from '../../src-main/net/connection';
import { StandaloneServers } from '../../src-main/service/standalone-servers';
import { canBind } from '../net/helpers';

/** The service's standalone servers (the network page's): each in its own process, listed with figures, stopped with the port free. */

describe('standalone servers', () => {
  test('a TCP and an HTTP server at once: listed with their figures, each stopped on its own, the port free after', async () => {
    const servers = new StandaloneServers();
    try {
      const tcp = await servers.start({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'upper' }, framing: { kind: 'delimiter' } });
      const http = await servers.start({ protocol: 'http', model: 'worker-pool', handler: { kind: 'hello' } });
      expect(tcp.address).toBe(`tcp://127.0.0.1:${tcp.port}`);
      expect(http.address).toBe(`http://127.0.0.1:${http.port}/`);
      const connection = await Connection.connect({ port: tcp.port, framing: { kind: 'delimiter' } });
      await connection.sendMessage('abc');
      expect((await connection.recvMessage()).toString()).toBe('ABC');
      await connection.close();
      const listed = await servers.list();
      expect(listed.map((server) => [server.id, server.running])).toEqual([
        [tcp.id, true],
        [http.id, true],
      ]);
      expect(listed[0]!.figures).toMatchObject({ connectionsAccepted: 1, requests: 1 });
      const stopped = await servers.stop(tcp.id);
      expect(stopped).toMatchObject({ id: tcp.id, running: false, figures: { requests: 1 } });
      expect(await canBind(tcp.port)).toBe(true);
      expect((await servers.list()).map((server) => server.id)).toEqual([http.id]);
      expect(await servers.stop(tcp.id)).toBeNull();
    } finally {
      await servers.stopAll();
    }
    expect(await servers.list()).toEqual([]);
  });

  test('a description that cannot run is refused with the field named; nothing is left running', async () => {
    const servers = new StandaloneServers();
    await expect(servers.start({ protocol: 'udp', model: 'thread-per-connection', handler: { kind: 'echo' } })).rejects.toThrow(/server\.model/);
    expect(await servers.list()).toEqual([]);
  });
});
