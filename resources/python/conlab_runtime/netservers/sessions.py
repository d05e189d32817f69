"""One connection's conversation without its socket, as on the Node side (src-main/net/session.py's
twin, src-main/net/session.ts): bytes in, bytes out through a sink. Every model drives the same
sessions; only who owns the socket and where the session runs changes.

``receive(chunk, sink)`` is a generator: it yields a number of milliseconds when a handler waits
without blocking (the delay handler's default; the driver sleeps the way its model does: a blocking
model blocks its thread, the event loop awaits), and returns how many requests it answered. A
``blocking`` delay calls ``time.sleep`` where it stands, holding whatever thread runs it.
"""

import email.utils
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
REASONS = {100: "Continue", 200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
           413: "Content Too Large", 431: "Request Header Fields Too Large", 501: "Not Implemented", 505: "HTTP Version Not Supported"}
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")
MAX_METHOD = 32
TCHARS = rb"!#$%&'*+\-.^_`|~0-9A-Za-z"
TOKEN = re.compile(rb"[" + TCHARS + rb"]+\Z")
METHOD_PREFIX = re.compile(rb"[" + TCHARS + rb"]*")
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BARE_LF = re.compile(rb"(?<!\r)\n")
LONE_CR = re.compile(rb"\r(?!\n)")
REQUEST_LINE = re.compile(r"(\S+) (\S+) HTTP/(\d)\.(\d)\Z")
ANY_VERSION = re.compile(r" HTTP/(\d+)(?:\.\d+)?\Z")
URI_BYTES = re.compile(r"[\x21-\x7e]+\Z")


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


_date_cache = [-1, ""]


def http_date():
    """The Date header's value (IMF-fixdate), computed at most once a second."""
    second = int(time.time())
    if second != _date_cache[0]:
        _date_cache[0] = second
        _date_cache[1] = email.utils.formatdate(second, usegmt=True)
    return _date_cache[1]


def http_response(status, body, keep_alive, content_type="text/plain; charset=utf-8", version="1.1", head_only=False):
    """One response. HTTP/1.1 connections persist unless told otherwise, HTTP/1.0 ones close unless
    told they stay; a HEAD answer declares the length a GET would get and sends no body."""
    if not keep_alive:
        connection = "Connection: close\r\n"
    elif version == "1.0":
        connection = "Connection: keep-alive\r\n"
    else:
        connection = ""
    head = "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n" % (
        status, REASONS.get(status, "Status"), http_date(), content_type, len(body), connection)
    return head.encode("latin-1") if head_only else head.encode("latin-1") + body


CONTINUE_RESPONSE = b"HTTP/1.1 100 Continue\r\n\r\n"


def _shown(text):
    return repr(text if len(text) <= 80 else text[:77] + "...")


def check_head_bytes(data):
    """Refuses, as they arrive, bytes that cannot become a request head: binary garbage, a method that
    is not a token, bare LF line endings, a lone CR, control bytes (the Node side: http-codec.ts)."""
    window = bytes(data[:MAX_METHOD + 1])
    method_len = len(METHOD_PREFIX.match(window).group())
    if method_len < len(window) and window[method_len:method_len + 1] != b" ":
        raise HttpError(400, "the request starts with %s, not a method name" % _shown(window[:method_len + 1].decode("latin-1")))
    if method_len == 0 and window[:1] == b" " or method_len > MAX_METHOD:
        raise HttpError(400, "no method name within %d bytes: not an HTTP request" % MAX_METHOD)
    end = data.find(b"\r\n\r\n")
    region = bytes(data[:end + 4]) if end >= 0 else bytes(data)
    if BARE_LF.search(region):
        raise HttpError(400, "a line ending in LF without CR (bare LF is refused: lines end in CRLF)")
    if LONE_CR.search(region if end >= 0 or not region.endswith(b"\r") else region[:-1]):
        raise HttpError(400, "a CR not followed by LF in the request head")
    control = CONTROL.search(region)
    if control:
        raise HttpError(400, "a control byte 0x%02x in the request head (binary data is not HTTP)" % control.group()[0])
    return end


def parse_request_line(line):
    match = REQUEST_LINE.match(line)
    if not match:
        version = ANY_VERSION.search(line)
        if version and version.group(1) != "1":
            raise HttpError(505, "HTTP/%s is not served here; this server speaks HTTP/1.1 (request line %s)" % (version.group(1), _shown(line)))
        raise HttpError(400, 'not an HTTP/1.x request line: %s; expected "METHOD /target HTTP/1.1"' % _shown(line))
    method, target, major, minor = match.groups()
    if major != "1":
        raise HttpError(505, "HTTP/%s.%s is not served here; this server speaks HTTP/1.1" % (major, minor))
    if not TOKEN.match(method.encode("latin-1")):
        raise HttpError(400, "the method %s is not a token" % _shown(method))
    if not URI_BYTES.match(target):
        raise HttpError(400, "the request target %s holds bytes a URI may not" % _shown(target))
    return method, target, "1.0" if minor == "0" else "1.1"


class HttpSession:
    """HTTP/1.1 requests (a head within 16 KB, a Content-Length body within 1 MB), answered in order.

    ``deadline`` is when the awaited request head is overdue (time.monotonic(), or None when no head is
    awaited or there is no limit): the driver calls ``expire(sink)`` then, which answers 408 (an idle
    kept-alive connection is just closed) and ends the connection."""

    def __init__(self, handler, head_timeout_ms=0):
        self.buffer = Buffer()
        self.closed = False
        self.head = None
        self.answered = 0
        self.head_timeout_s = head_timeout_ms / 1000.0
        self.deadline = None
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

    def arm(self):
        self.deadline = time.monotonic() + self.head_timeout_s if self.head_timeout_s > 0 and not self.closed else None

    def open(self, sink):
        self.arm()

    def expire(self, sink):
        if self.closed:
            return
        self.closed = True
        self.deadline = None
        if self.answered == 0 or len(self.buffer) > 0:
            limit = int(self.head_timeout_s * 1000)
            sink.write(http_response(408, ("no complete request head within %d ms\n" % limit).encode("utf-8"), False))
        sink.end()

    def parse_head(self):
        data = self.buffer.data
        while data[:2] == b"\r\n":
            del data[:2]
        if not data:
            return None
        end = check_head_bytes(data)
        if end < 0:
            if len(data) > MAX_HTTP_HEAD:
                raise HttpError(431, "the request head is longer than %d bytes" % MAX_HTTP_HEAD)
            return None
        if end > MAX_HTTP_HEAD:
            raise HttpError(431, "the request head is longer than %d bytes" % MAX_HTTP_HEAD)
        lines = bytes(data[:end]).decode("latin-1").split("\r\n")
        del data[:end + 4]
        method, target, version = parse_request_line(lines[0])
        headers = {}
        lengths = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t"):
                raise HttpError(400, "a folded header line (obsolete line folding is refused): %s" % _shown(line))
            name, sep, value = line.partition(":")
            if not sep or not TOKEN.match(name.encode("latin-1")):
                raise HttpError(400, "a header line without a valid name (no space before the colon): %s" % _shown(line))
            key = name.lower()
            value = value.strip(" \t")
            if key == "content-length":
                lengths.extend(part.strip() for part in value.split(","))
            headers[key] = value
        if version == "1.1" and "host" not in headers:
            raise HttpError(400, "an HTTP/1.1 request without a Host header")
        if "transfer-encoding" in headers:
            raise HttpError(501, "chunked request bodies are not supported by the lab server; send a Content-Length")
        if len(set(lengths)) > 1:
            raise HttpError(400, "Content-Length given with different values: %s" % _shown(", ".join(lengths)))
        length = lengths[0] if lengths else "0"
        if not (length.isdigit() and length.isascii() and len(length) <= 16):
            raise HttpError(400, "Content-Length %s is not a byte count" % _shown(length))
        length = int(length)
        if length > MAX_HTTP_BODY:
            raise HttpError(413, "a body of %d bytes is larger than %d" % (length, MAX_HTTP_BODY))
        if method not in HTTP_METHODS:
            raise HttpError(501, "the method %s is not served here; expected one of %s" % (_shown(method), ", ".join(HTTP_METHODS)))
        tokens = [token.strip().lower() for token in headers.get("connection", "").split(",")]
        keep_alive = "close" not in tokens if version == "1.1" else "keep-alive" in tokens
        expect_continue = version == "1.1" and length > 0 and headers.get("expect", "").lower() == "100-continue"
        return {"method": method, "target": target, "version": version, "length": length, "keepAlive": keep_alive, "continue": expect_continue}

    def parse(self, sink):
        if self.head is None:
            self.head = self.parse_head()
            if self.head is None:
                return None
            self.deadline = None
            if self.head["continue"] and len(self.buffer) < self.head["length"]:
                sink.write(CONTINUE_RESPONSE)
        head = self.head
        if len(self.buffer) < head["length"]:
            return None
        self.head = None
        request = dict(head)
        request["body"] = self.buffer.take(head["length"])
        return request

    def receive(self, chunk, sink):
        if self.closed:
            return 0
        self.buffer.push(chunk)
        count = 0
        while not self.closed:
            try:
                request = self.parse(sink)
            except HttpError as error:
                self.closed = True
                self.deadline = None
                sink.write(http_response(error.status, (str(error) + "\n").encode("utf-8"), False))
                sink.end()
                return count
            if request is None:
                break
            body = yield from self.answer(request)
            sink.write(http_response(200, body, request["keepAlive"], version=request["version"], head_only=request["method"] == "HEAD"))
            count += 1
            self.answered += 1
            if not request["keepAlive"]:
                self.closed = True
                self.deadline = None
                sink.end()
            elif self.head is None:
                self.arm()
        return count


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def create_session(config):
    handler = config["handler"]
    if config["protocol"] == "http":
        return HttpSession(handler, config.get("headTimeoutMs", 10000))
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
