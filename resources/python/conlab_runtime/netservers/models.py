"""The concurrency models of a server, on CPython's own mechanisms (the Node side: src-main/net/models/):

  blocking-serial        one accept loop; each connection is served to its end before the next accept
  thread-per-connection  a threading.Thread per connection (beyond maxThreads live ones: refused)
  process-per-connection os.fork() per connection (beyond maxProcesses live ones: refused)
  event-loop             asyncio (epoll through selectors) on one thread
  worker-pool            asyncio moves the bytes; each request is answered on a ThreadPoolExecutor of
                         `workers` threads (a blocking wait holds a pool thread, an awaited one does not)
  scanning               one thread that visits every socket on every turn with a non-blocking recv,
                         and never sleeps: it burns a core even when every client is silent
  cluster                `workers` processes forked at start, sharing the listening socket

UDP: event-loop (asyncio datagram endpoint), blocking-serial, worker-pool and cluster.
Every model runs in the server's own process (see __main__.py), apart from the trial's actors.
"""

import asyncio
import os
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .counters import ChildReporter, read_reports
from .sessions import SessionError, create_session, datagram_handler
from ..watchdog import watch_parent

RECV_BYTES = 65536


def run_blocking(gen):
    """Drives a session's receive on a thread of its own: a wait blocks the thread."""
    try:
        while True:
            ms = gen.send(None)
            time.sleep(ms / 1000.0)
    except StopIteration as done:
        return done.value or 0


async def run_async(gen):
    """Drives a session's receive on the event loop: a non-blocking wait is awaited."""
    try:
        while True:
            ms = gen.send(None)
            await asyncio.sleep(ms / 1000.0)
    except StopIteration as done:
        return done.value or 0


class BlockingSink:
    def __init__(self, sock, counters):
        self.sock = sock
        self.counters = counters
        self.ended = False

    def write(self, data):
        if data and not self.ended:
            self.sock.sendall(data)
            self.counters.traffic(bytes_out=len(data))

    def end(self):
        self.ended = True

    def refused(self):
        self.counters.file_refused()


def serve_blocking(conn, config, counters):
    """One connection on the calling thread, to its end."""
    sink = BlockingSink(conn, counters)
    try:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = create_session(config)
        session.open(sink)
        while not sink.ended:
            deadline = getattr(session, "deadline", None)
            if deadline is not None:
                # An HTTP head awaited: the wait is bounded, and an overdue head gets 408 and a close.
                conn.settimeout(max(0.001, deadline - time.monotonic()))
            try:
                data = conn.recv(RECV_BYTES)
            except socket.timeout:
                conn.settimeout(None)
                session.expire(sink)
                break
            if deadline is not None:
                conn.settimeout(None)
            if not data:
                break
            counters.traffic(bytes_in=len(data))
            answered = run_blocking(session.receive(data, sink))
            counters.traffic(requests=answered)
    except (OSError, SessionError):
        pass
    finally:
        close_quietly(conn)


def close_quietly(sock):
    try:
        sock.close()
    except OSError:
        pass


class Model:
    """A running model: start() returns once it serves; stop() ends what it started (bounded)."""

    def __init__(self, config, listener, counters):
        self.config = config
        self.listener = listener
        self.counters = counters
        self.stopping = False
        self.children = set()
        self.children_lock = threading.Lock()

    def thread(self, target, name):
        threading.Thread(target=target, name=name, daemon=True).start()

    def accept_loop(self, on_connection):
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                if self.stopping:
                    return
                time.sleep(0.01)  # out of descriptors: the client waits in the backlog
                continue
            on_connection(conn)

    # --- child processes ---------------------------------------------------------------------

    def report_pipe(self):
        self.reports_r, self.reports_w = os.pipe()
        self.thread(lambda: read_reports(self.reports_r, self.counters, self.child_ended), "conlab-server-reports")

    def child_ended(self, event):
        pid = int(event[2])
        with self.children_lock:
            self.children.discard(pid)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

    def fork_child(self, serve):
        """A child process that serves, reports through the pipe and ends with os._exit (nothing of the
        server process runs in it: no exit handlers, no other threads)."""
        server_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(self.reports_r)
                reporter = ChildReporter(self.reports_w)

                def on_term(_signum, _frame):
                    reporter.ended()
                    os._exit(0)

                signal.signal(signal.SIGTERM, on_term)
                watch_parent(server_pid)
                serve(reporter)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                reporter.ended()
            except BaseException:  # noqa: BLE001 - a child never returns into the server's code
                code = 1
            os._exit(code)
        with self.children_lock:
            self.children.add(pid)
        return pid

    def _children_gone_within(self, seconds):
        """Waits up to `seconds` for every child to have been reaped; whether they all were."""
        deadline = time.monotonic() + seconds
        while True:
            with self.children_lock:
                if not self.children:
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def stop_children(self, grace_s=0.3, own_end_s=0.0):
        """Up to own_end_s for children to end by themselves (a per-connection child whose client has
        closed is finishing its count), then SIGTERM (each reports its CPU time), then SIGKILL for any
        still there after the grace."""
        if self._children_gone_within(own_end_s):
            return
        with self.children_lock:
            pids = list(self.children)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        self._children_gone_within(grace_s)
        with self.children_lock:
            pids = list(self.children)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass

    def stop(self):
        self.stopping = True
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if self.children or hasattr(self, "reports_r"):
            self.stop_children()


class BlockingSerial(Model):
    def start(self):
        def on_connection(conn):
            self.counters.accepted()
            serve_blocking(conn, self.config, self.counters)
            self.counters.closed()

        self.thread(lambda: self.accept_loop(on_connection), "conlab-server")


class ThreadPerConnection(Model):
    def start(self):
        cap = self.config.get("maxThreads", 128)
        self.live = 0
        lock = threading.Lock()

        def serve(conn):
            try:
                serve_blocking(conn, self.config, self.counters)
            finally:
                self.counters.closed()
                self.counters.thread_ended()
                with lock:
                    self.live -= 1

        def on_connection(conn):
            with lock:
                full = self.live >= cap
                if not full:
                    self.live += 1
            if full:
                self.counters.refused()
                close_quietly(conn)
                return
            self.counters.accepted()
            self.counters.thread_started()
            threading.Thread(target=serve, args=(conn,), name="conlab-session", daemon=True).start()

        self.thread(lambda: self.accept_loop(on_connection), "conlab-server")


class ProcessPerConnection(Model):
    def stop(self):
        self.stopping = True
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.stop_children(own_end_s=0.5)

    def start(self):
        cap = self.config.get("maxProcesses", 32)
        self.report_pipe()

        def on_connection(conn):
            with self.children_lock:
                full = len(self.children) >= cap
            if full:
                self.counters.refused()
                close_quietly(conn)
                return
            self.counters.accepted()
            self.counters.process_started()

            def serve(reporter):
                self.listener.close()
                serve_blocking(conn, self.config, reporter)
                reporter.closed()

            self.fork_child(serve)
            close_quietly(conn)

        self.thread(lambda: self.accept_loop(on_connection), "conlab-server")


class EventLoop(Model):
    """asyncio on a thread of the server process: one thread, the kernel's readiness API (epoll)."""

    pool = None

    def start(self):
        ready = threading.Event()
        self.thread(lambda: asyncio.run(self.main(ready)), "conlab-server")
        ready.wait(10)

    async def main(self, ready):
        self.loop = asyncio.get_running_loop()
        self.done = asyncio.Event()
        await serve_event_loop(self.config, self.listener, self.counters, self.pool)
        ready.set()
        await self.done.wait()

    def stop(self):
        self.stopping = True
        loop = getattr(self, "loop", None)
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self.done.set)
            except RuntimeError:
                pass


async def serve_event_loop(config, listener, counters, pool=None):
    """Starts serving a listener on the running loop (the event-loop model, a cluster member). With a
    pool (the worker-pool model) the loop only moves bytes: each request is answered on a pool thread."""
    if config["protocol"] == "udp":
        loop = asyncio.get_running_loop()
        handle = datagram_handler(config["handler"])
        await loop.create_datagram_endpoint(lambda: DatagramServer(handle, counters), sock=listener)
        return

    loop = asyncio.get_running_loop()

    def on_pool_thread(gen, sink):
        """One stretch of an answer, up to its next non-blocking wait (which the loop awaits, holding
        no pool thread) or its end."""
        counters.pool_thread(threading.get_ident())
        sink.hold = True
        try:
            return ("wait", gen.send(None))
        except StopIteration as done:
            return ("done", done.value or 0)
        finally:
            sink.hold = False

    async def run_pooled(gen, sink):
        while True:
            kind, value = await loop.run_in_executor(pool, on_pool_thread, gen, sink)
            sink.flush()
            if kind == "done":
                return value
            await asyncio.sleep(value / 1000.0)

    def expire(session, sink, writer):
        session.expire(sink)
        writer.transport.close()

    async def on_connection(reader, writer):
        counters.accepted()
        sink = StreamSink(writer, counters)
        timer = None
        try:
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            session = create_session(config)
            session.open(sink)
            await writer.drain()
            while not sink.ended:
                deadline = getattr(session, "deadline", None)
                if deadline is not None:
                    # An HTTP head awaited: at its deadline the session answers 408, and closing the
                    # transport (after what is written) ends the read below. A timer, not wait_for:
                    # no task per read. The loop's clock is time.monotonic, as the deadline's.
                    timer = loop.call_at(deadline, expire, session, sink, writer)
                data = await reader.read(RECV_BYTES)
                if timer is not None:
                    timer.cancel()
                    timer = None
                if not data:
                    break
                counters.traffic(bytes_in=len(data))
                if pool is None:
                    answered = await run_async(session.receive(data, sink))
                else:
                    answered = await run_pooled(session.receive(data, sink), sink)
                counters.traffic(requests=answered)
                await writer.drain()
        except (OSError, SessionError, asyncio.IncompleteReadError):
            pass
        finally:
            if timer is not None:
                timer.cancel()
            counters.closed()
            writer.close()

    listener.setblocking(False)
    await asyncio.start_server(on_connection, sock=listener, backlog=config.get("backlog", 511), limit=RECV_BYTES * 2)


class StreamSink:
    """Writes to an asyncio stream. While a pool thread answers (hold), writes wait in a list: the
    stream belongs to the loop's thread, which writes them once the answer is done (flush)."""

    def __init__(self, writer, counters):
        self.writer = writer
        self.counters = counters
        self.ended = False
        self.hold = False
        self.held = []

    def write(self, data):
        if data and not self.ended:
            if self.hold:
                self.held.append(data)
            else:
                self.writer.write(data)
            self.counters.traffic(bytes_out=len(data))

    def flush(self):
        held, self.held = self.held, []
        for data in held:
            self.writer.write(data)

    def end(self):
        self.ended = True

    def refused(self):
        self.counters.file_refused()


class DatagramServer(asyncio.DatagramProtocol):
    def __init__(self, handle, counters):
        self.handle = handle
        self.counters = counters
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.counters.traffic(bytes_in=len(data))
        gen = self.handle(data)
        try:
            ms = gen.send(None)
        except StopIteration as done:
            self.answer(done.value, addr)
            return

        async def later(first_ms):
            await asyncio.sleep(first_ms / 1000.0)
            self.answer(await run_async(gen), addr)

        asyncio.ensure_future(later(ms))

    def answer(self, data, addr):
        self.transport.sendto(data, addr)
        self.counters.traffic(bytes_out=len(data), requests=1)


class WorkerPool(EventLoop):
    """One asyncio thread moves the bytes of every connection; each request is answered on one of the
    `workers` threads of a ThreadPoolExecutor (a blocking wait holds that pool thread, not the loop;
    a non-blocking one is awaited on the loop between two stretches on the pool)."""

    def start(self):
        self.pool = ThreadPoolExecutor(max_workers=self.config.get("workers", 2), thread_name_prefix="conlab-worker")
        super().start()


class Scanning(Model):
    """The select/poll lesson: one thread loops forever and, on every turn, tries a non-blocking
    accept and a non-blocking recv on every socket it holds, idle or not. A turn costs one system call
    per socket, as select() makes the kernel look at each descriptor; the loop never sleeps."""

    def start(self):
        self.listener.setblocking(False)
        self.thread(self.loop, "conlab-server")

    def loop(self):
        conns = []  # [socket, session, sink, pending generator or None, wake time]
        while not self.stopping:
            while True:
                try:
                    conn, _ = self.listener.accept()
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    if self.stopping:
                        return
                    break
                conn.setblocking(False)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.counters.accepted()
                sink = ScanSink(conn, self.counters)
                session = create_session(self.config)
                entry = [conn, session, sink, None, 0.0]
                try:
                    session.open(sink)
                except OSError:
                    sink.ended = True
                conns.append(entry)
            now = time.monotonic()
            kept = []
            for entry in conns:
                conn, session, sink, pending, wake = entry
                alive = True
                try:
                    if pending is not None:
                        if now >= wake:
                            self.resume(entry, now)
                    elif getattr(session, "deadline", None) is not None and now >= session.deadline:
                        session.expire(sink)
                    else:
                        data = conn.recv(RECV_BYTES)
                        if not data:
                            alive = False
                        else:
                            self.counters.traffic(bytes_in=len(data))
                            entry[3] = session.receive(data, sink)
                            self.resume(entry, now)
                except (BlockingIOError, InterruptedError):
                    pass
                except (OSError, SessionError):
                    alive = False
                if sink.ended and entry[3] is None:
                    alive = False
                if alive:
                    kept.append(entry)
                else:
                    close_quietly(conn)
                    self.counters.closed()
            conns = kept

    def resume(self, entry, now):
        try:
            ms = entry[3].send(None)
            entry[4] = now + ms / 1000.0
        except StopIteration as done:
            entry[3] = None
            self.counters.traffic(requests=done.value or 0)


class ScanSink(BlockingSink):
    def write(self, data):
        if data and not self.ended:
            self.sock.setblocking(True)
            try:
                self.sock.sendall(data)
            finally:
                self.sock.setblocking(False)
            self.counters.traffic(bytes_out=len(data))


class Cluster(Model):
    """`workers` processes forked before the server starts any thread, each serving the shared
    listening socket with its own event loop; the kernel hands each connection (or datagram) to one."""

    def start(self):
        self.report_pipe_no_thread()
        workers = self.config.get("workers", 2)
        # As on Node: the server's own process plus its members (processesUsed = 1 + workers).
        for _ in range(workers):
            self.counters.process_started()
            self.fork_child(self.serve)
        self.thread(lambda: read_reports(self.reports_r, self.counters, self.child_ended), "conlab-server-reports")

    def report_pipe_no_thread(self):
        self.reports_r, self.reports_w = os.pipe()

    def serve(self, reporter):
        async def main():
            await serve_event_loop(self.config, self.listener, reporter)
            await asyncio.Event().wait()

        asyncio.run(main())


class DatagramBlocking(Model):
    """UDP blocking-serial (one thread) and worker-pool (recvfrom on one thread, answers on a pool)."""

    def start(self):
        handle = datagram_handler(self.config["handler"])
        pool = None
        if self.config["model"] == "worker-pool":
            pool = ThreadPoolExecutor(max_workers=self.config.get("workers", 2), thread_name_prefix="conlab-worker")

        def answer(data, addr):
            if pool is not None:
                self.counters.pool_thread(threading.get_ident())
            reply = run_blocking(handle(data))
            try:
                self.listener.sendto(reply, addr)
            except OSError:
                return
            self.counters.traffic(bytes_out=len(reply), requests=1)

        def loop():
            while not self.stopping:
                try:
                    data, addr = self.listener.recvfrom(RECV_BYTES)
                except OSError:
                    if self.stopping:
                        return
                    continue
                self.counters.traffic(bytes_in=len(data))
                if pool is None:
                    answer(data, addr)
                else:
                    pool.submit(answer, data, addr)

        self.thread(loop, "conlab-server")


class DatagramCluster(Cluster):
    def serve(self, reporter):
        handle = datagram_handler(self.config["handler"])
        while True:
            data, addr = self.listener.recvfrom(RECV_BYTES)
            reporter.traffic(bytes_in=len(data))
            reply = run_blocking(handle(data))
            self.listener.sendto(reply, addr)
            reporter.traffic(bytes_out=len(reply), requests=1)


TCP_MODELS = {
    "blocking-serial": BlockingSerial,
    "thread-per-connection": ThreadPerConnection,
    "process-per-connection": ProcessPerConnection,
    "event-loop": EventLoop,
    "worker-pool": WorkerPool,
    "scanning": Scanning,
    "cluster": Cluster,
}

UDP_MODELS = {
    "event-loop": EventLoop,
    "blocking-serial": DatagramBlocking,
    "worker-pool": DatagramBlocking,
    "cluster": DatagramCluster,
}


def model_for(config, listener, counters):
    table = UDP_MODELS if config["protocol"] == "udp" else TCP_MODELS
    cls = table.get(config["model"])
    if cls is None:
        raise ValueError("model %s is not supported for %s on cpython" % (config["model"], config["protocol"]))
    return cls(config, listener, counters)
