"""One connection's conversation without its socket, as on the Node side (src-main/net/session.py's
twin, src-main/net/session.ts): bytes in, bytes out through a sink. Every model drives the same
sessions; only who owns the socket and where the session runs changes.

``receive(chunk, sink)`` is a generator: it yields a number of milliseconds when a handler waits
without blocking (the delay handler's default; the driver sleeps the way its model does: a blocking
model blocks its thread, the event loop awaits), and returns how many requests it answered. A
``blocking`` delay calls ``time.sleep`` where it stands, holding whatever thread runs it.
"""

import hashlib
import os
import re
import struct
import time

from .ivr import IvrDialogue

ACK = b"\x06"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_FILE_HEADER = 4096
MAX_FILE_NAME_BYTES = 255
MAX_HTTP_HEAD = 16 * 1024
MAX_HTTP_BODY = 1024 * 1024
DEFAULT_HELLO_TEXT = "Hello from Concurrency Lab! 你好，并发实验室！\n"
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large", 431: "Request Header Fields Too Large"}


class SessionError(Exception):
    """The peer broke the protocol: the connection is closed."""


def upper_ascii(data):
    return bytes(b - 32 if 0x61 <= b <= 0x7A else b for b in data)


def message_handler(handler):
    """The request → answer function of echo, upper and delay, as a generator (it may yield a wait)."""
    kind = handler["kind"]
    if kind == "echo":
        def echo(message):
            return message
            yield  # noqa: unreachable - makes this a generator
        return echo
    if kind == "upper":
        def upper(message):
            return upper_ascii(message)
            yield  # noqa
        return upper
    if kind == "delay":
        ms = float(handler["ms"])
        if handler.get("blocking"):
            def blocking_delay(message):
                time.sleep(ms / 1000.0)
                return message
                yield  # noqa
            return blocking_delay

        def delay(message):
            yield ms
            return message
        return delay
    raise ValueError("the %s handler is a session, not a request -> answer function" % kind)


class Buffer:
    def __init__(self):
        self.data = bytearray()

    def push(self, chunk):
        self.data += chunk

    def take(self, n):
        out = bytes(self.data[:n])
        del self.data[:n]
        return out

    def __len__(self):
        return len(self.data)


def length_header(n):
    if n > MAX_MESSAGE_BYTES:
        raise SessionError("a message of %d bytes exceeds the lab's limit of %d bytes" % (n, MAX_MESSAGE_BYTES))
    return struct.pack(">I", n)


class RawSession:
    """Framing none: one read is one request (what a naive server assumes)."""

    def __init__(self, handle):
        self.handle = handle

    def open(self, sink):
        pass

    def receive(self, chunk, sink):
        answer = yield from self.handle(chunk)
        sink.write(answer)
        return 1


class FramedSession:
    """Delimiter or length-prefix framing: complete messages are cut out of the stream."""

    def __init__(self, handle, framing):
        self.handle = handle
        self.framing = framing
        self.buffer = Buffer()
        self.delimiter = (framing.get("delimiter") or "\n").encode("utf-8") if framing["kind"] == "delimiter" else None

    def open(self, sink):
        pass

    def next_message(self):
        if self.delimiter is not None:
            at = self.buffer.data.find(self.delimiter)
            if at < 0:
                if len(self.buffer) > MAX_MESSAGE_BYTES:
                    raise SessionError("no delimiter within %d bytes" % MAX_MESSAGE_BYTES)
                return None
            message = self.buffer.take(at)
            self.buffer.take(len(self.delimiter))
            return message
        if len(self.buffer) < 4:
            return None
        (size,) = struct.unpack(">I", bytes(self.buffer.data[:4]))
        if size > MAX_MESSAGE_BYTES:
            raise SessionError("a length prefix announced %d bytes, more than the lab's limit of %d" % (size, MAX_MESSAGE_BYTES))
        if len(self.buffer) < 4 + size:
            return None
        self.buffer.take(4)
        return self.buffer.take(size)

    def frame(self, answer):
        if self.delimiter is not None:
            if self.delimiter in answer:
                raise SessionError("the answer contains its own delimiter")
            return answer + self.delimiter
        return length_header(len(answer)) + answer

    def receive(self, chunk, sink):
        self.buffer.push(chunk)
        count = 0
        while True:
            message = self.next_message()
            if message is None:
                return count
            answer = yield from self.handle(message)
            sink.write(self.frame(answer))
            count += 1


class AcknowledgeSession:
    """Stop-and-wait both ways: the server ACKs the header and the body, then sends its answer the same
    way and waits for the client's two ACKs before it reads the next request."""

    def __init__(self, handle):
        self.handle = handle
        self.buffer = Buffer()
        self.state = ("header",)

    def open(self, sink):
        pass

    def receive(self, chunk, sink):
        self.buffer.push(chunk)
        answered = 0
        while True:
            kind = self.state[0]
            if kind == "header":
                if len(self.buffer) < 4:
                    return answered
                (size,) = struct.unpack(">I", self.buffer.take(4))
                if size > MAX_MESSAGE_BYTES:
                    raise SessionError("a length header announced %d bytes, more than the lab's limit" % size)
                self.state = ("body", size)
                sink.write(ACK)
            elif kind == "body":
                if len(self.buffer) < self.state[1]:
                    return answered
                message = self.buffer.take(self.state[1])
                sink.write(ACK)
                answer = yield from self.handle(message)
                sink.write(length_header(len(answer)))
                self.state = ("await-header-ack", answer)
                answered += 1
            elif kind == "await-header-ack":
                if len(self.buffer) < 1:
                    return answered
                if self.buffer.take(1) != ACK:
                    self.state = ("broken",)
                    sink.end()
                    return answered
                sink.write(self.state[1])
                self.state = ("await-body-ack",)
            elif kind == "await-body-ack":
                if len(self.buffer) < 1:
                    return answered
                if self.buffer.take(1) != ACK:
                    self.state = ("broken",)
                    sink.end()
                    return answered
                self.state = ("header",)
            else:
                self.buffer.take(len(self.buffer))
                return answered


class IvrSession:
    def __init__(self, language):
        self.dialogue = IvrDialogue(language)
        self.lines = FramedSession(None, {"kind": "delimiter", "delimiter": "\n"})

    def say(self, sink, replies):
        if replies:
            sink.write("".join(reply + "\n" for reply in replies).encode("utf-8"))

    def open(self, sink):
        self.say(sink, self.dialogue.greeting())

    def receive(self, chunk, sink):
        self.lines.buffer.push(chunk)
        count = 0
        while True:
            line = self.lines.next_message()
            if line is None or self.dialogue.state == "ended":
                return count
            replies, hang_up = self.dialogue.answer(line.decode("utf-8", "replace").rstrip("\r"))
            self.say(sink, replies)
            count += 1
            if hang_up:
                sink.end()
        yield  # noqa - a generator, like every receive


def check_file_name(name):
    shown = repr(name[:80])
    if not name:
        return "the file name is empty"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_FILE_NAME_BYTES:
        return "the file name %s is longer than %d bytes" % (shown, MAX_FILE_NAME_BYTES)
    if re.search(r"[\x00-\x1f\x7f]", name):
        return "the file name %s holds a control character" % shown
    if "/" in name or "\\" in name or name in (".", ".."):
        return "the file name %s is not a bare name" % shown
    return None


class FileReceiveSession:
    """``name|size\\n`` then size bytes; answers ``ok <size> <sha256>\\n`` per file, ``error <why>\\n``
    and closes on a bad header. With a save folder (inside the trial's folder, checked when the
    server started) the file is written there, opened with O_NOFOLLOW: a link in its place is refused."""

    def __init__(self, save_dir):
        self.save_dir = save_dir
        self.buffer = Buffer()
        self.body = None
        self.broken = False

    def open(self, sink):
        pass

    def refuse(self, sink, why):
        self.broken = True
        sink.refused()
        sink.write(("error %s\n" % why).encode("utf-8"))
        sink.end()

    def receive(self, chunk, sink):
        if self.broken:
            return 0
        self.buffer.push(chunk)
        count = 0
        while not self.broken:
            if self.body is None:
                at = self.buffer.data.find(b"\n")
                if at < 0:
                    if len(self.buffer) > MAX_FILE_HEADER:
                        self.refuse(sink, "no header line within %d bytes" % MAX_FILE_HEADER)
                    return count
                header = self.buffer.take(at).decode("utf-8", "replace")
                self.buffer.take(1)
                match = re.fullmatch(r"([^|]+)\|(\d{1,15})", header)
                if not match:
                    self.refuse(sink, "expected a header \"name|size\", got %s" % repr(header[:80]))
                    return count
                name, size = match.group(1), int(match.group(2))
                bad = check_file_name(name)
                if bad:
                    self.refuse(sink, bad)
                    return count
                fd = None
                if self.save_dir is not None:
                    try:
                        fd = os.open(os.path.join(self.save_dir, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
                        if not _is_regular(fd):
                            os.close(fd)
                            raise IsADirectoryError("not a regular file")
                    except OSError as error:
                        why = "a symbolic link is in its place" if getattr(error, "errno", None) == 40 else "something other than a file is in its place"
                        self.refuse(sink, "could not save %s: %s" % (repr(name), why))
                        return count
                self.body = {"size": size, "left": size, "hash": hashlib.sha256(), "fd": fd}
            body = self.body
            if body["left"] > 0:
                if len(self.buffer) == 0:
                    return count
                piece = self.buffer.take(body["left"])
                body["hash"].update(piece)
                body["left"] -= len(piece)
                if body["fd"] is not None:
                    view = memoryview(piece)
                    while view:
                        view = view[os.write(body["fd"], view):]
            if body["left"] == 0:
                if body["fd"] is not None:
                    os.close(body["fd"])
                sink.write(("ok %d %s\n" % (body["size"], body["hash"].hexdigest())).encode("ascii"))
                self.body = None
                count += 1
        return count
        yield  # noqa


def _is_regular(fd):
    import stat
    return stat.S_ISREG(os.fstat(fd).st_mode)


def http_response(status, body, keep_alive, content_type="text/plain; charset=utf-8"):
    head = "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: %s\r\n\r\n" % (
        status, REASONS.get(status, "Status"), content_type, len(body), "keep-alive" if keep_alive else "close")
    return head.encode("latin-1") + body


class HttpSession:
    """HTTP/1.1 requests (a head within 16 KB, a Content-Length body within 1 MB), answered in order."""

    def __init__(self, handler):
        self.buffer = Buffer()
        self.closed = False
        if handler["kind"] == "hello":
            body = handler.get("text", DEFAULT_HELLO_TEXT).encode("utf-8")

            def hello(_request):
                return body
                yield  # noqa
            self.answer = hello
        else:
            handle = message_handler(handler)

            def answer(request):
                # A GET has no body: echo its target, so that a browser sees something.
                return (yield from handle(request["body"] if request["body"] else request["target"].encode("utf-8")))
            self.answer = answer

    def open(self, sink):
        pass

    def parse(self):
        data = self.buffer.data
        end = data.find(b"\r\n\r\n")
        if end < 0:
            if len(data) > MAX_HTTP_HEAD:
                raise HttpError(431, "the request head is longer than %d bytes" % MAX_HTTP_HEAD)
            return None
        head = bytes(data[:end]).decode("latin-1")
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise HttpError(400, "not an HTTP/1.x request line: %s" % repr(lines[0][:80]))
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise HttpError(400, "a header line without a colon")
            headers[name.strip().lower()] = value.strip()
        length = headers.get("content-length", "0")
        if not length.isdigit():
            raise HttpError(400, "Content-Length is not a number")
        length = int(length)
        if length > MAX_HTTP_BODY:
            raise HttpError(413, "a body of %d bytes is larger than %d" % (length, MAX_HTTP_BODY))
        if len(data) < end + 4 + length:
            return None
        body = bytes(data[end + 4:end + 4 + length])
        del data[:end + 4 + length]
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if parts[2] == "HTTP/1.1" else connection == "keep-alive"
        return {"method": parts[0], "target": parts[1], "body": body, "keepAlive": keep_alive}

    def receive(self, chunk, sink):
        if self.closed:
            return 0
        self.buffer.push(chunk)
        count = 0
        while not self.closed:
            try:
                request = self.parse()
            except HttpError as error:
                self.closed = True
                sink.write(http_response(error.status, (str(error) + "\n").encode("utf-8"), False))
                sink.end()
                return count
            if request is None:
                return count
            body = yield from self.answer(request)
            sink.write(http_response(200, body, request["keepAlive"]))
            count += 1
            if not request["keepAlive"]:
                self.closed = True
                sink.end()
        return count


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def create_session(config):
    handler = config["handler"]
    if config["protocol"] == "http":
        return HttpSession(handler)
    kind = handler["kind"]
    if kind == "ivr":
        return IvrSession(handler.get("language", "zh"))
    if kind == "file-receive":
        return FileReceiveSession(config.get("saveDirPath"))
    framing = config.get("framing") or {"kind": "none"}
    handle = message_handler(handler)
    if framing["kind"] == "none":
        return RawSession(handle)
    if framing["kind"] in ("delimiter", "length-prefix"):
        return FramedSession(handle, framing)
    return AcknowledgeSession(handle)


def datagram_handler(handler):
    return message_handler(handler)
