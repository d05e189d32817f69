"""An actor's network clients on CPython: TCP connections to the trial's servers, one UDP socket, HTTP
GETs. A thread or process actor uses blocking sockets (with timeouts); a task or main actor uses the
same sockets non-blocking through its asyncio loop (loop.sock_connect, sock_recv, sock_sendall), so a
waiting client never holds the loop. Loopback only: every address comes from the trial's servers.

Each operation reports what happened on the wire as the Node engine's client does: net.connect,
net.write (accepted: false when the kernel did not take a write at once), net.drain (the wait until it
did), net.ack, net.close."""

import asyncio
import socket
import struct
import time

from .common import ActorFailure
from .netservers.host import address

DEFAULT_TIMEOUT_MS = 5000
CHUNK_BYTES = 64 * 1024
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
ACK = b"\x06"


def endpoint(addr):
    host, port = addr[0], addr[1]
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def _ms(value, default):
    return default if value is None else float(value)


class Connection:
    def __init__(self, ident, sock, loop, framing, trace):
        self.id = ident
        self.sock = sock
        self.loop = loop
        self.framing = framing or {"kind": "none"}
        self.trace = trace
        self.buffer = bytearray()
        self.eof = False
        self.closed = False
        self.remote = "?"

    def event(self, op, **data):
        self.trace.emit("net." + op, "I", dict({"conn": self.id, "op": op}, **data))

    # --- reading ------------------------------------------------------------------------------

    async def fill(self, deadline, what):
        """Reads once more into the buffer; fails when nothing came before the deadline."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise ActorFailure("%s: nothing within the timeout from %s" % (what, self.remote))
        try:
            if self.loop is None:
                self.sock.settimeout(left)
                data = self.sock.recv(CHUNK_BYTES)
            else:
                data = await asyncio.wait_for(self.loop.sock_recv(self.sock, CHUNK_BYTES), left)
        except (socket.timeout, asyncio.TimeoutError):
            raise ActorFailure("%s: nothing within %d ms from %s" % (what, round(left * 1000), self.remote))
        except OSError as error:
            raise ActorFailure("%s: %s (from %s)" % (what, error.strerror or error, self.remote))
        if data:
            self.buffer += data
        else:
            self.eof = True

    def take(self, n):
        out = bytes(self.buffer[:n])
        del self.buffer[:n]
        return out

    async def recv(self, max_bytes, timeout_ms):
        deadline = time.monotonic() + _ms(timeout_ms, DEFAULT_TIMEOUT_MS) / 1000.0
        while not self.buffer and not self.eof:
            await self.fill(deadline, "recv(%d)" % max_bytes)
        return self.take(min(max_bytes, len(self.buffer)))

    async def recv_exactly(self, n, timeout_ms):
        deadline = time.monotonic() + _ms(timeout_ms, DEFAULT_TIMEOUT_MS) / 1000.0
        while len(self.buffer) < n:
            if self.eof:
                raise ActorFailure("recvExactly(%d): %s closed the connection with %d bytes unread, %d were expected" % (n, self.remote, len(self.buffer), n))
            await self.fill(deadline, "recvExactly(%d)" % n)
        return self.take(n)

    async def recv_until(self, delimiter, timeout_ms):
        needle = delimiter.encode("utf-8")
        deadline = time.monotonic() + _ms(timeout_ms, DEFAULT_TIMEOUT_MS) / 1000.0
        while True:
            at = self.buffer.find(needle)
            if at >= 0:
                message = self.take(at)
                self.take(len(needle))
                return message
            if len(self.buffer) > MAX_MESSAGE_BYTES:
                raise ActorFailure("no delimiter within %d bytes from %s" % (MAX_MESSAGE_BYTES, self.remote))
            if self.eof:
                raise ActorFailure("recvUntil: %s closed the connection with %d bytes unread, the delimiter %s never came" % (self.remote, len(self.buffer), repr(delimiter)))
            await self.fill(deadline, "recvUntil")

    async def recv_message(self, timeout_ms):
        kind = self.framing["kind"]
        if kind == "none":
            return await self.recv(CHUNK_BYTES, timeout_ms)
        if kind == "delimiter":
            return await self.recv_until(self.framing.get("delimiter") or "\n", timeout_ms)
        (size,) = struct.unpack(">I", await self.recv_exactly(4, timeout_ms))
        if size > MAX_MESSAGE_BYTES:
            raise ActorFailure("a length prefix announced %d bytes, more than the lab's limit of %d" % (size, MAX_MESSAGE_BYTES))
        if kind == "length-prefix":
            return await self.recv_exactly(size, timeout_ms)
        await self.write_all(ACK)
        self.event("ack", direction="sent")
        body = await self.recv_exactly(size, timeout_ms)
        await self.write_all(ACK)
        self.event("ack", direction="sent")
        return body

    # --- writing ------------------------------------------------------------------------------

    def try_send(self, data):
        """One write the kernel takes at once or in part: how many bytes it took."""
        try:
            if self.loop is None:
                self.sock.settimeout(0.0)
            return self.sock.send(data)
        except (BlockingIOError, InterruptedError):
            return 0
        except OSError as error:
            raise ActorFailure("send to %s: %s" % (self.remote, error.strerror or error))

    async def wait_rest(self, rest, timeout_s=30.0):
        """Sends what the kernel did not take at once, waiting until it does (Node's 'drain')."""
        started = time.monotonic()
        try:
            if self.loop is None:
                self.sock.settimeout(timeout_s)
                self.sock.sendall(rest)
            else:
                await asyncio.wait_for(self.loop.sock_sendall(self.sock, rest), timeout_s)
        except (socket.timeout, asyncio.TimeoutError):
            raise ActorFailure("send to %s: the kernel took nothing for %d s" % (self.remote, timeout_s))
        except OSError as error:
            raise ActorFailure("send to %s: %s" % (self.remote, error.strerror or error))
        return (time.monotonic() - started) * 1000.0

    async def write_all(self, data):
        taken = self.try_send(data)
        if taken < len(data):
            await self.wait_rest(memoryview(data)[taken:])

    async def send(self, data):
        taken = self.try_send(data)
        accepted = taken == len(data)
        self.event("write", bytes=len(data), accepted=accepted, buffered=len(data) - taken)
        if not accepted:
            waited = await self.wait_rest(memoryview(data)[taken:])
            self.event("drain", waitedMs=waited)
        return {"bytes": len(data), "accepted": accepted}

    async def send_all(self, data, chunk_bytes=CHUNK_BYTES):
        writes = refused = 0
        drain_ms = 0.0
        offset = 0
        while True:
            chunk = data[offset:offset + chunk_bytes]
            taken = self.try_send(chunk)
            writes += 1
            accepted = taken == len(chunk)
            self.event("write", bytes=len(chunk), accepted=accepted, buffered=len(chunk) - taken)
            if not accepted:
                refused += 1
                waited = await self.wait_rest(memoryview(chunk)[taken:])
                drain_ms += waited
                self.event("drain", waitedMs=waited)
            offset += len(chunk)
            if offset >= len(data):
                break
        return {"bytes": len(data), "writes": writes, "refusedWrites": refused, "drainWaitMs": drain_ms}

    async def send_message(self, data):
        kind = self.framing["kind"]
        if kind == "none":
            return await self.send_all(data)
        if kind == "delimiter":
            delimiter = (self.framing.get("delimiter") or "\n").encode("utf-8")
            if delimiter in data:
                raise ActorFailure("the message contains its own delimiter %s; choose another delimiter or length-prefix framing" % repr(delimiter.decode("utf-8")))
            return await self.send_all(data + delimiter)
        if len(data) > MAX_MESSAGE_BYTES:
            raise ActorFailure("a message of %d bytes exceeds the lab's limit of %d bytes" % (len(data), MAX_MESSAGE_BYTES))
        header = struct.pack(">I", len(data))
        if kind == "length-prefix":
            return await self.send_all(header + data)
        await self.send(header)
        await self.expect_ack()
        result = await self.send_all(data)
        await self.expect_ack()
        return result

    async def expect_ack(self):
        byte = await self.recv_exactly(1, None)
        if byte != ACK:
            raise ActorFailure("expected an ACK (0x06) from %s, got 0x%02x" % (self.remote, byte[0]))
        self.event("ack", direction="received")

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass
        self.event("close", reason="local")


class NetClients:
    """One actor's sockets: connections by id ("conn-1", …) and one UDP socket."""

    def __init__(self, services):
        self.services = services
        self.connections = {}
        self.next_id = 1
        self.udp = None

    @property
    def loop(self):
        return None if self.services.own_thread else asyncio.get_running_loop()

    def connection(self, ident):
        conn = self.connections.get(ident) if isinstance(ident, str) else None
        if conn is None:
            raise ActorFailure("%s is not an open connection (use the name a connect step put in its \"into\")" % repr(ident))
        return conn

    async def connect(self, server, framing, timeout_ms):
        where = address(server)
        if where["protocol"] == "udp":
            raise ActorFailure("server %s speaks udp: use sendto and recvfrom, not connect" % server)
        family = socket.AF_INET6 if ":" in where["host"] else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        timeout = _ms(timeout_ms, DEFAULT_TIMEOUT_MS) / 1000.0
        target = (where["host"], where["port"])
        loop = self.loop
        started = time.monotonic()
        try:
            if loop is None:
                sock.settimeout(timeout)
                sock.connect(target)
            else:
                sock.setblocking(False)
                await asyncio.wait_for(loop.sock_connect(sock, target), timeout)
        except (socket.timeout, asyncio.TimeoutError):
            sock.close()
            raise ActorFailure("no connection to %s within %d ms" % (endpoint(target), round(timeout * 1000)))
        except OSError as error:
            sock.close()
            raise ActorFailure("connect to %s: %s" % (endpoint(target), error.strerror or error))
        ident = "conn-%d" % self.next_id
        self.next_id += 1
        conn = Connection(ident, sock, loop, framing, self.services.trace)
        conn.remote = endpoint(target)
        conn.event("connect", local=endpoint(sock.getsockname()), remote=conn.remote, ms=(time.monotonic() - started) * 1000.0)
        self.connections[ident] = conn
        return ident

    def close(self, ident):
        conn = self.connection(ident)
        del self.connections[ident]
        conn.close()

    def udp_socket(self, host):
        if self.udp is None:
            self.udp = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind((host, 0))
        return self.udp

    async def sendto(self, server, data):
        where = address(server)
        if where["protocol"] != "udp":
            raise ActorFailure("server %s speaks %s: sendto needs a udp server" % (server, where["protocol"]))
        sock = self.udp_socket(where["host"])
        try:
            return sock.sendto(data, (where["host"], where["port"]))
        except OSError as error:
            raise ActorFailure("sendto %s: %s" % (server, error.strerror or error))

    async def recvfrom(self, timeout_ms):
        if self.udp is None:
            raise ActorFailure("recvfrom before any sendto: this actor has no UDP socket yet")
        sock = self.udp
        timeout = _ms(timeout_ms, DEFAULT_TIMEOUT_MS) / 1000.0

        def receive():
            sock.settimeout(timeout)
            try:
                return sock.recvfrom(65536)
            except socket.timeout:
                return None

        got = await self.services.offload(receive)
        if got is None:
            raise ActorFailure("recvfrom: no datagram within %d ms" % round(timeout * 1000))
        data, source = got
        return data, {"host": source[0], "port": source[1]}

    def close_all(self):
        for conn in list(self.connections.values()):
            conn.close()
        self.connections.clear()
        if self.udp is not None:
            self.udp.close()
            self.udp = None


def clients_of(services):
    clients = getattr(services, "net_clients", None)
    if clients is None:
        clients = NetClients(services)
        services.net_clients = clients
    return clients
