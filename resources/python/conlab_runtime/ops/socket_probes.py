"""CPython-only probes of the operating system's descriptors and sockets, each a small experiment in
one step on real objects, everything it opens closed before the step ends: select's descriptor limit
(fd_select), level- vs edge-triggered epoll (epoll_drain), SO_REUSEADDR and TIME_WAIT (rebind_probe),
settimeout (recv_timeout) and the listen backlog (backlog_probe). Loopback only."""

import errno
import resource
import select
import socket
import time

from ..common import ActorFailure
from ..step_table import handler

# A wait this long without a wake-up is a stalled reader (epoll_drain), or a connection the backlog
# left pending (backlog_probe): loopback answers in microseconds.
QUIET_S = 0.2


def _room_for(descriptors):
    """Raises this process's soft descriptor limit up to its hard limit when the probe needs more."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < descriptors:
        wanted = descriptors if hard == resource.RLIM_INFINITY else min(descriptors, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    if soft != resource.RLIM_INFINITY and soft < descriptors:
        raise ActorFailure("the probe needs %d descriptors; this process may open %d (ulimit -n)" % (descriptors, soft))


def _close_all(sockets):
    for sock in sockets:
        try:
            sock.close()
        except OSError:
            pass


def _watch(api, watched):
    if api == "select":
        readable, _, _ = select.select(watched, [], [], 0)
        return len(readable)
    if api == "poll":
        poller = select.poll()
        for sock in watched:
            poller.register(sock, select.POLLIN)
        return len(poller.poll(0))
    if not hasattr(select, "epoll"):
        raise ActorFailure("epoll is Linux only; this platform has none")
    with select.epoll() as poller:
        for sock in watched:
            poller.register(sock.fileno(), select.EPOLLIN)
        return len(poller.poll(0))


@handler("fd_select")
async def _fd_select(it, step):
    trace = it.services.trace
    api, idle = step["api"], int(step["idle"])
    trace.emit("fd_select", "B", {"api": api, "idle": idle})
    _room_for(2 * idle + 64)
    opened = []
    try:
        for _ in range(idle):
            opened.extend(socket.socketpair())
        ready, peer = socket.socketpair()
        opened += [ready, peer]
        peer.send(b"!")
        # One end of each idle pair and the ready one are watched; the other ends only hold descriptors.
        watched = opened[0:2 * idle:2] + [ready]
        highest = max(sock.fileno() for sock in watched)
        started = time.perf_counter()
        try:
            result = {"ok": True, "ready": _watch(api, watched)}
        except ValueError as error:
            result = {"ok": False, "error": "ValueError: %s" % error, "errorType": "ValueError"}
        result.update({"api": api, "highestFd": highest, "ms": (time.perf_counter() - started) * 1000.0})
    finally:
        _close_all(opened)
    trace.emit("fd_select", "E", dict(result))
    it.locals[step["into"]] = result


@handler("epoll_drain")
async def _epoll_drain(it, step):
    trace = it.services.trace
    mode, total, chunk = step["mode"], int(step["bytes"]), int(step["chunk"])
    trace.emit("epoll_drain", "B", {"mode": mode, "bytes": total, "chunk": chunk})
    if not hasattr(select, "epoll"):
        raise ActorFailure("epoll is Linux only; this platform has none")
    reader, writer = socket.socketpair()
    try:
        reader.setblocking(False)
        writer.setblocking(False)
        with select.epoll() as poller:
            poller.register(reader.fileno(), select.EPOLLIN | (select.EPOLLET if mode == "edge" else 0))
            try:
                sent = writer.send(b"x" * total)
            except BlockingIOError:
                sent = 0
            if sent != total:
                raise ActorFailure("epoll_drain: the socket took %d of %d bytes at once; give fewer bytes" % (sent, total))
            wakeups, read, stalled = 0, 0, False
            while read < total:
                if not poller.poll(QUIET_S):
                    stalled = True
                    break
                wakeups += 1
                # One read per wake-up, of at most `chunk` bytes: a reader that does not drain the socket.
                read += len(reader.recv(chunk))
    finally:
        _close_all([reader, writer])
    result = {"mode": mode, "wakeups": wakeups, "readBytes": read, "leftBytes": total - read, "stalled": stalled}
    trace.emit("epoll_drain", "E", dict(result))
    it.locals[step["into"]] = result


def _time_wait_on(port):
    """Whether /proc/net/tcp lists a socket of this local port in TIME_WAIT (state 06); None without /proc."""
    try:
        with open("/proc/net/tcp") as table:
            lines = table.read().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) > 3 and fields[1].endswith(":%04X" % port) and fields[3] == "06":
            return True
    return False


@handler("rebind_probe")
async def _rebind_probe(it, step):
    trace = it.services.trace
    reuse = bool(step["reuse"])
    trace.emit("rebind_probe", "B", {"reuse": reuse})
    opened = []
    try:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        opened.append(server)
        # The same server program twice, as a restarted server: both with the option or both without
        # (Linux lets a bind share a port with a TIME_WAIT socket only when both set SO_REUSEADDR).
        if reuse:
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        server.listen(1)
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        opened.append(client)
        conn, _ = server.accept()
        opened.append(conn)
        # The server closes first: its side of the connection goes to TIME_WAIT once the client closes too.
        conn.close()
        client.recv(1)
        client.close()
        server.close()
        deadline = time.monotonic() + 2.0
        time_wait = _time_wait_on(port)
        while time_wait is False and time.monotonic() < deadline:
            time.sleep(0.005)
            time_wait = _time_wait_on(port)
        again = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        opened.append(again)
        if reuse:
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            again.bind(("127.0.0.1", port))
            result = {"ok": True}
        except OSError as error:
            code = errno.errorcode.get(error.errno, "OSError")
            result = {"ok": False, "error": "%s: %s" % (code, error.strerror), "errorType": code}
        result.update({"reuse": reuse, "port": port, "timeWait": time_wait})
    finally:
        _close_all(opened)
    trace.emit("rebind_probe", "E", dict(result))
    it.locals[step["into"]] = result


@handler("recv_timeout")
async def _recv_timeout(it, step):
    trace = it.services.trace
    timeout_ms = step["timeoutMs"]
    trace.emit("recv_timeout", "B", {"timeoutMs": timeout_ms})
    opened = []
    try:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        opened.append(server)
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        client = socket.create_connection(server.getsockname(), timeout=5)
        opened.append(client)
        opened.append(server.accept()[0])
        client.settimeout(timeout_ms / 1000.0)
        started = time.monotonic()
        try:
            client.recv(1)
            timed_out = False
        except socket.timeout:
            timed_out = True
        waited = (time.monotonic() - started) * 1000.0
    finally:
        _close_all(opened)
    result = {"timedOut": timed_out, "ms": waited}
    trace.emit("recv_timeout", "E", dict(result))
    it.locals[step["into"]] = result


@handler("backlog_probe")
async def _backlog_probe(it, step):
    trace = it.services.trace
    backlog, clients = int(step["backlog"]), int(step["clients"])
    trace.emit("backlog_probe", "B", {"backlog": backlog, "clients": clients})
    opened = []
    try:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        opened.append(server)
        server.bind(("127.0.0.1", 0))
        server.listen(backlog)
        address = server.getsockname()
        pending = []
        for _ in range(clients):
            client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            opened.append(client)
            client.setblocking(False)
            client.connect_ex(address)
            pending.append(client)
        # The server never accepts: a connection completes only while its accept queue has room.
        connected = 0
        deadline = time.monotonic() + QUIET_S
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            _, writable, _ = select.select([], pending, [], left)
            for client in writable:
                pending.remove(client)
                if client.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    connected += 1
    finally:
        _close_all(opened)
    result = {"connected": connected, "pending": clients - connected, "backlog": backlog, "clients": clients}
    trace.emit("backlog_probe", "E", dict(result))
    it.locals[step["into"]] = result
