"""The load generator on CPython (the Node one: src-main/net/load/): C connections spread over K
threads, each thread an asyncio loop of its own; S-byte requests, R requests in all (spread evenly
over the connections) or for D ms; closed loop (a connection sends its next request once the last is
answered) or open loop (ratePerConnection requests per second on a fixed schedule, latency counted
from the scheduled time, so a stall is not hidden). Each connection first completes one request that
is not measured (a thread or process a server starts per connection is running before the clock
starts). Guarantee: sent = answered + errors."""

import asyncio
import random
import socket
import threading
import time

MAX_SAMPLES = 1_000_000
UDP_SEQUENCE_DIGITS = 10


class LoadError(Exception):
    pass


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.answered = 0
        self.errors = 0
        self.opened = 0
        self.connect_failures = 0
        self.failure_example = None
        self.bytes = 0
        self.samples = []
        self.seen = 0
        self.first_go = None
        self.last_end = None

    def latency(self, ms):
        # Reservoir sampling past MAX_SAMPLES: the percentiles stay unbiased, the memory bounded.
        self.seen += 1
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append(ms)
        else:
            slot = random.randrange(self.seen)
            if slot < MAX_SAMPLES:
                self.samples[slot] = ms


class Stream:
    """One connection's request/answer exchange, by protocol."""

    def __init__(self, config):
        self.config = config
        self.protocol = config["protocol"]
        size = config["messageBytes"]
        self.size = size
        self.body = (b"abcdefghijklmnopqrstuvwxyz0123456789" * (size // 36 + 1))[:size]
        self.reader = None
        self.writer = None
        self.sock = None
        self.seq = 0

    async def open(self, timeout):
        host, port = self.config["host"], self.config["port"]
        if self.protocol == "udp":
            self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.setblocking(False)
            self.sock.connect((host, port))
            return
        self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection(host, port, limit=max(65536, self.size * 2)), timeout)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def request(self):
        if self.protocol == "udp":
            self.seq += 1
            tag = str(self.seq % 10 ** UDP_SEQUENCE_DIGITS).zfill(UDP_SEQUENCE_DIGITS).encode("ascii")
            return tag + self.body[UDP_SEQUENCE_DIGITS:]
        if self.protocol == "http":
            path = self.config.get("httpPath", "/")
            if self.size == 0:
                return ("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, self.config["host"])).encode("latin-1")
            return ("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n" % (path, self.config["host"], self.size)).encode("latin-1") + self.body
        return self.body

    def send(self, data):
        if self.sock is not None:
            self.sock.send(data)
        else:
            self.writer.write(data)

    async def answer(self):
        """Waits for one whole answer; raises on a closed connection or a broken answer."""
        if self.sock is not None:
            loop = asyncio.get_running_loop()
            await loop.sock_recv(self.sock, 65536)
            return
        if self.protocol == "http":
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1] if head.count(b" ") >= 2 else b""
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip() or b"0")
            await self.reader.readexactly(length)
            if status != b"200":
                raise LoadError("status %s" % status.decode("latin-1", "replace"))
            return
        await self.reader.readexactly(self.size)

    def close(self):
        if self.sock is not None:
            self.sock.close()
        elif self.writer is not None:
            self.writer.close()


async def exchange(stream, timeout):
    stream.send(stream.request())
    await asyncio.wait_for(stream.answer(), timeout)


async def closed_loop(stream, tally, quota, deadline, timeout):
    while (quota is None or quota > 0) and (deadline is None or time.monotonic() < deadline):
        started = time.monotonic()
        tally.sent += 1
        try:
            await exchange(stream, timeout)
        except (asyncio.TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, LoadError, ValueError):
            tally.errors += 1
            return
        tally.answered += 1
        tally.bytes += stream.size
        tally.latency((time.monotonic() - started) * 1000.0)
        if quota is not None:
            quota -= 1


async def open_loop(stream, tally, quota, start, deadline, timeout, rate):
    """Sends on schedule from start (the thread's go) whether or not answers came; answers are read in
    order by a second coroutine."""
    interval = 1.0 / rate
    scheduled = []
    done_sending = asyncio.Event()
    broken = []

    async def read_answers():
        while scheduled or not done_sending.is_set():
            if not scheduled:
                await asyncio.sleep(interval / 4)
                continue
            try:
                await asyncio.wait_for(stream.answer(), max(0.001, scheduled[0] + timeout - time.monotonic()))
            except (asyncio.TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, LoadError, ValueError):
                tally.errors += len(scheduled)
                scheduled.clear()
                broken.append(True)
                return
            at = scheduled.pop(0)
            tally.answered += 1
            tally.bytes += stream.size
            tally.latency((time.monotonic() - at) * 1000.0)

    reader = asyncio.ensure_future(read_answers())
    k = 0
    while (quota is None or k < quota) and not broken:
        at = start + k * interval
        if deadline is not None and at >= deadline:
            break
        wait = at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        if broken:
            break
        scheduled.append(at)
        tally.sent += 1
        try:
            stream.send(stream.request())
        except OSError:
            break
        k += 1
    done_sending.set()
    await reader


def run_thread(config, shares, tally, barrier, failure):
    async def main():
        timeout = config["timeoutMs"] / 1000.0
        streams = []
        for _quota in shares:
            stream = Stream(config)
            try:
                await stream.open(config["connectTimeoutMs"] / 1000.0)
                await exchange(stream, timeout)  # the priming request
                streams.append((stream, _quota))
                with tally.lock:
                    tally.opened += 1
            except (asyncio.TimeoutError, OSError, asyncio.IncompleteReadError, LoadError, ValueError) as error:
                stream.close()
                with tally.lock:
                    tally.connect_failures += 1
                    tally.failure_example = tally.failure_example or "%s: %s" % (type(error).__name__, error)
        try:
            barrier.wait(60)
        except threading.BrokenBarrierError:
            failure.append("a load thread did not get its connections open in time")
            return
        go = time.monotonic()
        deadline = go + config["durationMs"] / 1000.0 if config.get("durationMs") is not None else None
        rate = config.get("ratePerConnection")
        own = Tally()
        runs = [
            (open_loop(s, own, q, go, deadline, timeout, rate) if rate is not None else closed_loop(s, own, q, deadline, timeout))
            for s, q in streams
        ]
        await asyncio.gather(*runs)
        end = time.monotonic()
        for stream, _ in streams:
            stream.close()
        with tally.lock:
            tally.sent += own.sent
            tally.answered += own.answered
            tally.errors += own.errors
            tally.bytes += own.bytes
            for sample in own.samples:
                tally.latency(sample)
            tally.first_go = go if tally.first_go is None else min(tally.first_go, go)
            tally.last_end = end if tally.last_end is None else max(tally.last_end, end)

    try:
        asyncio.run(main())
    except Exception as error:  # noqa: BLE001 - a thread's failure is the run's
        failure.append("%s: %s" % (type(error).__name__, error))
        barrier.abort()


def percentile(sorted_samples, q):
    if not sorted_samples:
        return None
    index = min(len(sorted_samples) - 1, max(0, int(round(q * (len(sorted_samples) - 1)))))
    return sorted_samples[index]


def run_load(config):
    connections = config["connections"]
    threads = max(1, min(config.get("threads") or 2, connections))
    requests = config.get("requests")
    # Connection i gets requests // C, the first requests % C one more.
    quotas = [None] * connections if requests is None else [requests // connections + (1 if i < requests % connections else 0) for i in range(connections)]
    shares = [quotas[i::threads] for i in range(threads)]
    tally = Tally()
    barrier = threading.Barrier(threads)
    failure = []
    workers = [threading.Thread(target=run_thread, args=(config, share, tally, barrier, failure), name="conlab-load-%d" % i, daemon=True) for i, share in enumerate(shares)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    duration = (tally.last_end - tally.first_go) if tally.first_go is not None else 0.0
    samples = sorted(tally.samples)
    error = failure[0] if failure else (None if tally.opened > 0 else "no connection opened%s" % (": " + tally.failure_example if tally.failure_example else ""))
    return {
        "exit": "failed" if error else "completed",
        "error": error,
        "connections": tally.opened,
        "connectFailures": tally.connect_failures,
        "sent": tally.sent,
        "answered": tally.answered,
        "errors": tally.errors,
        "requestsPerS": tally.answered / duration if duration > 0 else 0,
        "bytesPerS": tally.bytes / duration if duration > 0 else 0,
        "p50Ms": percentile(samples, 0.5),
        "p90Ms": percentile(samples, 0.9),
        "p99Ms": percentile(samples, 0.99),
        "maxMs": samples[-1] if samples else None,
        "durationS": duration,
    }
