"""File upload and the sticky-packet demonstration on CPython (the Node ones: src-main/net/file-transfer.ts
and sticky-demo.ts).

Upload: a ``name|size\\n`` header, then the bytes in chunks, then the receiver's ``ok <size> <sha256>``.
Each chunk is one non-blocking write; one the kernel does not take whole is a refused write, and the
sender then waits until the kernel has taken the rest (the 'drain' a trace shows).

Sticky packets: TCP keeps no message boundaries. A header and the data sent right after it in one
write arrive as one read, and a naive receiver that takes one recv(1024) for the header misreads the
size; acknowledging the header before the data, or a length before every message, fixes it."""

import hashlib
import os
import random
import re
import socket
import stat
import struct
import threading
import time

from .common import ActorFailure

MB = 1024 * 1024
NAIVE_HEADER_READ = 1024
ACK = b"\x06"
_uploads = [0]
_uploads_lock = threading.Lock()


def generate_file(path, megabytes, seed=1):
    """Writes `megabytes` of deterministic pseudo-random bytes (O_NOFOLLOW: a planted link is refused)."""
    total = int(round(megabytes * MB))
    source = random.Random(seed)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ActorFailure("%s is not a regular file" % path)
        written = 0
        while written < total:
            chunk = source.randbytes(min(MB, total - written))
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
            written += len(chunk)
    finally:
        os.close(fd)
    return total


async def send_file(clients, server, megabytes, chunk_bytes, trace):
    with _uploads_lock:
        _uploads[0] += 1
        n = _uploads[0]
    # In the trial's folder (the current directory), named after the process, thread and a count.
    name = "upload-%d-%d-%d.bin" % (os.getpid(), threading.get_native_id(), n)
    try:
        size = generate_file(name, megabytes)
    except OSError as error:
        raise ActorFailure("send_file: could not write %s in the run folder: %s" % (name, error.strerror or error))
    chunk_bytes = chunk_bytes or 64 * 1024
    started = time.monotonic()
    ident = await clients.connect(server, None, None)
    conn = clients.connections[ident]
    digest = hashlib.sha256()
    writes = refused = 0
    drain_ms = 0.0
    last_percent = -1
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        await conn.write_all(("%s|%d\n" % (name, size)).encode("utf-8"))
        sent = 0
        while sent < size:
            piece = os.pread(fd, min(chunk_bytes, size - sent), sent)
            if not piece:
                raise ActorFailure("send_file: %s shrank while it was being sent" % name)
            digest.update(piece)
            taken = conn.try_send(piece)
            writes += 1
            accepted = taken == len(piece)
            trace.emit("net.write", "I", {"op": "write", "bytes": len(piece), "accepted": accepted, "buffered": len(piece) - taken})
            if not accepted:
                refused += 1
                waited = await conn.wait_rest(memoryview(piece)[taken:])
                drain_ms += waited
                trace.emit("net.drain", "I", {"op": "drain", "waitedMs": waited})
            sent += len(piece)
            percent = (sent * 10 // max(1, size)) * 10
            if percent != last_percent:
                last_percent = percent
                trace.emit("net.progress", "I", {"percent": percent, "sent": sent, "total": size})
        verdict = (await conn.recv_until("\n", 10000)).decode("utf-8", "replace")
    finally:
        os.close(fd)
        clients.close(ident)
    match = re.fullmatch(r"ok (\d+) ([0-9a-f]{64})", verdict)
    if not match:
        raise ActorFailure("send_file: the receiver answered %s" % repr(verdict[:200]))
    sha256 = digest.hexdigest()
    remote_bytes = int(match.group(1))
    return {
        "name": name,
        "bytes": size,
        "sha256": sha256,
        "remoteSha256": match.group(2),
        "remoteBytes": remote_bytes,
        "verified": remote_bytes == size and match.group(2) == sha256,
        "writes": writes,
        "refusedWrites": refused,
        "drainWaitMs": drain_ms,
        "durationMs": (time.monotonic() - started) * 1000.0,
    }


def _recv_exactly(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ActorFailure("sticky_demo: the sender closed with %d of %d bytes received" % (len(data), n))
        data += chunk
    return bytes(data)


def _parse_header(text):
    match = re.fullmatch(r"([^|]+)\|(\d+)", text)
    return (match.group(1), int(match.group(2))) if match else None


def sticky_demo(mode, name="report.txt", content="hello, sticky packets"):
    """Runs on blocking sockets (a task's call runs on a helper thread): a listener of its own on
    127.0.0.1 port 0, one sender, one receiver, everything closed at the end."""
    body = content.encode("utf-8")
    header = "%s|%d" % (name, len(body))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sender = receiver = None
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(5)
        sender = socket.create_connection(listener.getsockname(), timeout=5)
        sender.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        receiver, _ = listener.accept()
        receiver.settimeout(5)
        result = {"mode": mode, "headerSeen": "", "name": None, "size": None, "data": None, "correct": False, "problem": None}
        if mode == "naive":
            # Header and data in one write: they leave in one segment and arrive as one read.
            sender.sendall(header.encode("utf-8") + body)
            seen = receiver.recv(NAIVE_HEADER_READ)
            text = seen.decode("utf-8", "replace")
            result["headerSeen"] = text
            parsed = _parse_header(text)
            if parsed is None:
                extra = len(seen) - len(header.encode("utf-8"))
                result["problem"] = "recv(%d) returned %d bytes: the %d-byte header and %d bytes of data stuck together, so the size field reads %s" % (
                    NAIVE_HEADER_READ, len(seen), len(header.encode("utf-8")), extra, _json_text(text[text.find("|") + 1:]))
                return result
            data = _recv_exactly(receiver, parsed[1]).decode("utf-8", "replace")
            result.update(name=parsed[0], size=parsed[1], data=data, correct=parsed[0] == name and data == content)
            return result
        if mode == "acknowledge":
            sender.sendall(header.encode("utf-8"))
            text = receiver.recv(NAIVE_HEADER_READ).decode("utf-8", "replace")
            result["headerSeen"] = text
            parsed = _parse_header(text)
            if parsed is None:
                result["problem"] = "the header did not parse"
                return result
            receiver.sendall(ACK)
            if _recv_exactly(sender, 1) != ACK:
                raise ActorFailure("sticky_demo: expected an ACK (0x06)")
            sender.sendall(body)
            data = _recv_exactly(receiver, parsed[1]).decode("utf-8", "replace")
            result.update(name=parsed[0], size=parsed[1], data=data, correct=parsed[0] == name and data == content)
            return result
        if mode == "length-prefix":
            encoded = header.encode("utf-8")
            # Back to back, in one write: the lengths say where each message ends.
            sender.sendall(struct.pack(">I", len(encoded)) + encoded + struct.pack(">I", len(body)) + body)
            first = _recv_exactly(receiver, struct.unpack(">I", _recv_exactly(receiver, 4))[0]).decode("utf-8", "replace")
            result["headerSeen"] = first
            parsed = _parse_header(first)
            if parsed is None:
                result["problem"] = "the header did not parse"
                return result
            data = _recv_exactly(receiver, struct.unpack(">I", _recv_exactly(receiver, 4))[0]).decode("utf-8", "replace")
            correct = parsed[0] == name and parsed[1] == len(body) and data == content
            result.update(name=parsed[0], size=parsed[1], data=data, correct=correct, problem=None if correct else "the data did not match")
            return result
        raise ActorFailure("sticky_demo: unknown mode %s" % mode)
    except OSError as error:
        raise ActorFailure("sticky_demo %s: %s" % (mode, error.strerror or error))
    finally:
        for sock in (sender, receiver, listener):
            if sock is not None:
                sock.close()


def _json_text(text):
    import json
    return json.dumps(text, ensure_ascii=False)
