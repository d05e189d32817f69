/**
 * The helper functions a generated Python program may include (python-program.ts picks the ones its
 * steps use, with what they need). Each is small, standard-library Python written for reading: the
 * program's own actors stay one plain function each and call these for what the step language does
 * in one step (a bounded wait, a load generator, a probe of a socket option).
 */

export type HelperName =
  | 'atake'
  | 'await_on'
  | 'actor_failed'
  | 'text'
  | 'now_ms'
  | 'cpu_ms'
  | 'spin'
  | 'blocking_sleep'
  | 'ping_pong'
  | 'record'
  | 'say'
  | 'take'
  | 'wait_on'
  | 'offer'
  | 'poll_item'
  | 'pipe_recv'
  | 'run_path'
  | 'os_child'
  | 'proc_state'
  | 'sections'
  | 'pools'
  | 'asyncio_tasks'
  | 'gevent_tasks'
  | 'actors'
  | 'run_actor'
  | 'connect'
  | 'send'
  | 'recv'
  | 'close'
  | 'aconnect'
  | 'asend'
  | 'arecv'
  | 'aclose'
  | 'udp'
  | 'http_get'
  | 'load'
  | 'send_file'
  | 'sticky_demo'
  | 'fd_select'
  | 'epoll_drain'
  | 'rebind_probe'
  | 'recv_timeout'
  | 'backlog_probe'
  | 'servers'
  | 'print_records';

export interface PythonHelper {
  /** Modules it imports (`import x`). */
  readonly imports?: readonly string[];
  /** Helpers it calls. */
  readonly needs?: readonly HelperName[];
  readonly code: string;
}

const helper = (code: string, imports: readonly string[] = [], needs: readonly HelperName[] = []): PythonHelper => ({ code, imports, needs });

/** In the order they appear in a program. */
export const PYTHON_HELPERS = {
  actor_failed: helper(`
class ActorFailed(Exception):
    """A step failed its actor (the spec's fail step, a queue that stayed full or empty, ...)."""


class GaveUp(Exception):
    """An untimed wait lasted PATIENCE_S: the actor gives up instead of hanging (a deadlock, most likely)."""`),
  text: helper(
    `
def text(value):
    """A value as text, as the lab writes it: JSON for lists, dicts, booleans and None."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (bool, list, dict, tuple)) or value is None:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)`,
    ['json'],
  ),
  now_ms: helper(
    `
def now_ms():
    """Milliseconds on the monotonic clock (the same clock in every process of the machine)."""
    return time.monotonic() * 1000`,
    ['time'],
  ),
  cpu_ms: helper(
    `
def cpu_ms():
    """CPU milliseconds used by this process so far."""
    return time.process_time() * 1000`,
    ['time'],
  ),
  spin: helper(`
def spin(iterations):
    """CPU work: an integer loop (as bytecode, it holds the GIL while it runs)."""
    x = 0
    for i in range(iterations):
        x = (x * 31 + i) & 0xFFFFFFFF
    return x`),
  blocking_sleep: helper(`
# gevent.monkey replaced time.sleep with a cooperative one; this is the original, which blocks the thread.
blocking_sleep = gevent.monkey.get_original("time", "sleep")`),
  ping_pong: helper(
    `
def ping_pong(switches):
    """Switches between two generators \`switches\` times and times it."""
    def player():
        while True:
            yield

    ping, pong = player(), player()
    started = time.perf_counter()
    for _ in range(switches // 2):
        next(ping)
        next(pong)
    ms = (time.perf_counter() - started) * 1000
    return {"switches": switches, "ms": ms, "perSecond": switches / (ms / 1000) if ms > 0 else None}`,
    ['time'],
  ),
  record: helper(`
def record(lab, name, value):
    """Keeps a value the lesson's claims read; main() prints them all at the end."""
    lab.records.append((name, value))`),
  say: helper(
    `
def say(who, message, values=None):
    """A log line: "[actor] message", each {key} of the message replaced by its value."""
    for key, value in (values or {}).items():
        message = message.replace("{" + key + "}", text(value))
    print(f"[{who}] {message}", flush=True)`,
    [],
    ['text'],
  ),
  take: helper(
    `
def take(lock, name):
    """lock.acquire() as a blocking acquire, bounded: after PATIENCE_S the actor gives up (a deadlock)."""
    if not lock.acquire(timeout=PATIENCE_S):
        raise GaveUp(f"waited {PATIENCE_S} s to acquire {name}: a deadlock, or a holder that never releases it")
    return True`,
    [],
    ['actor_failed'],
  ),
  wait_on: helper(
    `
def wait_on(prim, name, timeout=None):
    """Waits on an Event, a Condition (its lock held) or a Barrier; True when it passed.
    Without a timeout it gives up after PATIENCE_S instead of waiting forever."""
    try:
        passed = prim.wait(PATIENCE_S if timeout is None else timeout)
    except threading.BrokenBarrierError:
        passed = False
    if isinstance(prim, threading.Barrier) and passed is not False:
        passed = True  # Barrier.wait returns this party's index, 0 included
    if not passed and timeout is None:
        raise GaveUp(f"waited {PATIENCE_S} s on {name}")
    return bool(passed)`,
    ['threading'],
    ['actor_failed'],
  ),
  atake: helper(
    `
async def atake(lock, name, timeout=None, blocking=True):
    """An asyncio Lock's or Semaphore's acquire; True when taken. Untimed, it gives up after PATIENCE_S."""
    if not blocking:
        return not lock.locked() and await lock.acquire()
    try:
        await asyncio.wait_for(lock.acquire(), PATIENCE_S if timeout is None else timeout)
        return True
    except asyncio.TimeoutError:
        if timeout is None:
            raise GaveUp(f"waited {PATIENCE_S} s to acquire {name}: a deadlock, or a holder that never releases it")
        return False`,
    ['asyncio'],
    ['actor_failed'],
  ),
  await_on: helper(
    `
async def await_on(prim, name, timeout=None):
    """An asyncio Event's or Condition's wait (the condition's lock held); True when it passed.
    Untimed, it gives up after PATIENCE_S."""
    try:
        await asyncio.wait_for(prim.wait(), PATIENCE_S if timeout is None else timeout)
        return True
    except asyncio.TimeoutError:
        if timeout is None:
            raise GaveUp(f"waited {PATIENCE_S} s on {name}")
        return False`,
    ['asyncio'],
    ['actor_failed'],
  ),
  offer: helper(
    `
def offer(q, item, block=True, timeout=None):
    """Puts an item in a queue; False when it stayed full."""
    try:
        q.put(item, block, PATIENCE_S if block and timeout is None else timeout)
        return True
    except queue.Full:
        return False`,
    ['queue'],
  ),
  poll_item: helper(
    `
def poll_item(q, block=True, timeout=None):
    """Takes an item from a queue; None when it stayed empty."""
    try:
        return q.get(block, timeout)
    except queue.Empty:
        return None`,
    ['queue'],
  ),
  pipe_recv: helper(`
def pipe_recv(conn, timeout=None):
    """The next value at one end of a Pipe: ("message", value), ("eof", None) once every copy of the
    other end is closed, or ("timeout", None) (untimed: after PATIENCE_S)."""
    if not conn.poll(PATIENCE_S if timeout is None else timeout):
        return "timeout", None
    try:
        return "message", conn.recv()
    except EOFError:
        return "eof", None`),
  run_path: helper(
    `
def run_path(lab, path):
    """A file of the run's own folder (its folders created as needed)."""
    full = os.path.join(lab.run_dir, *path.split("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    return full`,
    ['os'],
  ),
  os_child: helper(
    `
def os_child(mode, seconds=0.1):
    """Starts an OS child that exits at once or sleeps, and returns its pid. posix_spawn, not
    subprocess: nothing here waits for it, so an exited child stays a zombie while its parent lives."""
    code = "pass" if mode == "exit" else f"import time; time.sleep({seconds})"
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]  # keeps none of our pipes open
    return os.posix_spawn(sys.executable, [sys.executable, "-c", code], os.environ, file_actions=quiet)`,
    ['os', 'sys'],
  ),
  proc_state: helper(
    `
def proc_state(pid):
    """A process's state letter and parent from /proc/<pid>/stat (Linux), or None once it is gone."""
    try:
        with open(f"/proc/{int(pid)}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return None
    return {"pid": int(pid), "state": fields[0], "ppid": int(fields[1])}`,
  ),
  sections: helper(
    `
class Section:
    """A named stretch of steps: counts how many actors are inside at once (in shared memory, so
    processes count too); main() prints the most."""

    def __init__(self):
        self.inside = multiprocessing.Value("i", 0)
        self.most = multiprocessing.RawValue("i", 0)

    def __enter__(self):
        with self.inside.get_lock():
            self.inside.value += 1
            self.most.value = max(self.most.value, self.inside.value)

    def __exit__(self, *exc):
        with self.inside.get_lock():
            self.inside.value -= 1`,
    ['multiprocessing'],
  ),
  pools: helper(
    `
POOLS = {}  # name -> its concurrent.futures executor
SUBMITTED = collections.Counter()  # name -> tasks submitted so far


def pool_start(lab):
    """Runs in each worker process of a process pool as it starts: the pool's functions reach lab as LAB."""
    global LAB
    LAB = lab


def submit(pool, function, arg, callback=None):
    """POOLS[pool].submit(function, arg); a callback gets the result and the future as {"id", "value"}.
    A thread pool runs it on the worker that ran the task; a process pool on its manager thread here."""
    future = POOLS[pool].submit(function, arg)
    SUBMITTED[pool] += 1
    future_id = f"{pool}#{SUBMITTED[pool]}"
    if callback is not None:
        future.add_done_callback(lambda done: callback(done.result(), {"id": future_id, "value": done.result()}))
    return future`,
    ['collections', 'concurrent.futures'],
  ),
  asyncio_tasks: helper(
    `
LOOP = None  # the event loop the task actors run on, on a thread of its own


def start_event_loop(tasks):
    """Runs an asyncio event loop on its own thread. A task's blocking calls (a lock, an event, a queue
    of threads) run in the loop's executor, sized so every task may wait at once."""
    global LOOP
    LOOP = asyncio.new_event_loop()
    LOOP.set_default_executor(concurrent.futures.ThreadPoolExecutor(max_workers=tasks + 4, thread_name_prefix="blocking-call"))
    threading.Thread(target=LOOP.run_forever, name="event-loop", daemon=True).start()


def stop_event_loop():
    LOOP.call_soon_threadsafe(LOOP.stop)


async def run_task(body, lab, index, me):
    """A task actor's coroutine, with the same endings as run_actor."""
    try:
        await body(lab, index, me)
    except GaveUp as stuck:
        print(f"[{me}] gave up: {stuck}", flush=True)
    except Exception as error:
        print(f"[{me}] failed: {type(error).__name__}: {error}", flush=True)


class TaskActor:
    """A task on LOOP, started, joined and cancelled from any thread."""

    daemon = False

    def __init__(self, body, lab, index, name):
        self.body, self.lab, self.index, self.name = body, lab, index, name
        self.future = None

    def start(self):
        self.future = asyncio.run_coroutine_threadsafe(run_task(self.body, self.lab, self.index, self.name), LOOP)

    def join(self, timeout=None):
        try:
            self.future.result(timeout)
        except Exception:
            pass  # still running after timeout, or cancelled

    def is_alive(self):
        return self.future is not None and not self.future.done()

    def terminate(self):
        self.future.cancel()`,
    ['asyncio', 'concurrent.futures', 'threading'],
    ['actor_failed'],
  ),
  gevent_tasks: helper(`
class TaskActor:
    """A greenlet: it runs whenever the running one yields (a gevent sleep, a socket, a join)."""

    daemon = False

    def __init__(self, body, lab, index, name):
        self.name = name
        self.greenlet = gevent.Greenlet(run_actor, body, lab, index, name)

    def start(self):
        self.greenlet.start()

    def join(self, timeout=None):
        self.greenlet.join(timeout)

    def is_alive(self):
        return bool(self.greenlet) and not self.greenlet.dead

    def terminate(self):
        self.greenlet.kill(block=False)`),
  actors: helper(
    `
ACTORS = {}  # group -> its instances (threading.Thread, multiprocessing.Process or TaskActor)
STARTED = []  # the instances started, in order
MAIN_ACTORS = []  # the main actor while it runs


def instances(group, index=None):
    return ACTORS[group] if index is None else [ACTORS[group][index]]


def start(group, index=None):
    for actor in instances(group, index):
        actor.start()
        STARTED.append(actor)


def join(group, index=None, timeout=None):
    """Waits for a group (or one instance) to end, at most \`timeout\` (or WALL_S); True when all ended."""
    deadline = time.monotonic() + (WALL_S if timeout is None else timeout)
    for actor in instances(group, index):
        if actor in STARTED:
            actor.join(max(0.0, deadline - time.monotonic()))
    return not is_alive(group, index)


def is_alive(group, index=None):
    return any(actor in STARTED and actor.is_alive() for actor in instances(group, index))


def terminate(group, index=None):
    for actor in instances(group, index):
        if hasattr(actor, "terminate"):
            actor.terminate()
        else:
            print(f"[{actor.name}] a thread cannot be ended from outside in Python: it runs on", flush=True)


def live_actors(group=None):
    """The names of the running actors (of one group)."""
    names = [name for name in MAIN_ACTORS if group in (None, name)]
    for name, members in ACTORS.items():
        if group in (None, name):
            names += [actor.name for actor in members if actor in STARTED and actor.is_alive()]
    return names


def finish_actors():
    """Waits for the actors that are not daemons (WALL_S at most), then ends the processes left."""
    deadline = time.monotonic() + WALL_S
    for actor in STARTED:
        if not actor.daemon:
            actor.join(max(0.0, deadline - time.monotonic()))
    for actor in STARTED:
        if not actor.daemon and actor.is_alive():
            print(f"[{actor.name}] still running after {WALL_S} s", flush=True)
            if hasattr(actor, "terminate"):
                actor.terminate()`,
    ['time'],
  ),
  run_actor: helper(
    `
def run_actor(body, lab, index, me):
    """Runs one actor's function. A failure or a wait given up on ends the actor with a line saying so."""
    global LAB
    LAB = lab
    try:
        body(lab, index, me)
    except GaveUp as stuck:
        print(f"[{me}] gave up: {stuck}", flush=True)
    except Exception as error:
        print(f"[{me}] failed: {type(error).__name__}: {error}", flush=True)`,
    [],
    ['actor_failed'],
  ),
  connect: helper(
    `
class Conn:
    """A client connection and what was read past the last message (a recv until a delimiter may read on)."""

    def __init__(self, sock):
        self.sock, self.buffer = sock, b""


def connect(lab, server, timeout=None):
    sock = socket.create_connection(tuple(lab.servers[server]), timeout=PATIENCE_S if timeout is None else timeout)
    sock.settimeout(PATIENCE_S)
    return Conn(sock)`,
    ['socket'],
  ),
  send: helper(
    `
def send(conn, data):
    conn.sock.sendall(text(data).encode())`,
    [],
    ['text'],
  ),
  recv: helper(
    `
def recv(conn, until=None, size=None, timeout=None):
    """One read (what arrived, at most 64 KiB), \`size\` bytes, or up to \`until\` (not included), as text."""
    conn.sock.settimeout(PATIENCE_S if timeout is None else timeout)
    while True:
        if until is not None and until.encode() in conn.buffer:
            message, _, conn.buffer = conn.buffer.partition(until.encode())
            return message.decode(errors="replace")
        if size is not None and len(conn.buffer) >= size:
            message, conn.buffer = conn.buffer[:size], conn.buffer[size:]
            return message.decode(errors="replace")
        if until is None and size is None and conn.buffer:
            message, conn.buffer = conn.buffer, b""
            return message.decode(errors="replace")
        chunk = conn.sock.recv(65536)
        if not chunk:
            raise ActorFailed("the server closed the connection")
        conn.buffer += chunk`,
    [],
    ['actor_failed'],
  ),
  close: helper(`
def close(conn):
    conn.sock.close()`),
  aconnect: helper(
    `
async def aconnect(lab, server):
    """A task's connection: asyncio streams (reader, writer) and nothing read ahead."""
    host, port = lab.servers[server]
    reader, writer = await asyncio.open_connection(host, port)
    return types.SimpleNamespace(reader=reader, writer=writer)`,
    ['asyncio', 'types'],
  ),
  asend: helper(
    `
async def asend(conn, data):
    conn.writer.write(text(data).encode())
    await conn.writer.drain()`,
    [],
    ['text'],
  ),
  arecv: helper(
    `
async def arecv(conn, until=None, size=None, timeout=None):
    """One read, \`size\` bytes, or up to \`until\` (not included), as text; PATIENCE_S at most when untimed."""
    if until is not None:
        reading = conn.reader.readuntil(until.encode())
    elif size is not None:
        reading = conn.reader.readexactly(size)
    else:
        reading = conn.reader.read(65536)
    data = await asyncio.wait_for(reading, PATIENCE_S if timeout is None else timeout)
    if until is not None:
        data = data[: -len(until.encode())]
    return data.decode(errors="replace")`,
    ['asyncio'],
  ),
  aclose: helper(`
async def aclose(conn):
    conn.writer.close()
    await conn.writer.wait_closed()`),
  udp: helper(
    `
UDP = None  # this program's UDP socket, made by the first sendto


def udp_socket(lab):
    global UDP
    if UDP is None:
        UDP = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    return UDP


def recvfrom(lab, timeout=None):
    """The next datagram to this program's UDP socket, as text."""
    udp_socket(lab).settimeout(PATIENCE_S if timeout is None else timeout)
    data, _ = UDP.recvfrom(65536)
    return data.decode(errors="replace")`,
    ['socket'],
  ),
  http_get: helper(
    `
def http_get(lab, server, path="/"):
    """GET over a fresh connection: status, charset, content type and the body decoded by its charset."""
    host, port = lab.servers[server]
    conn = http.client.HTTPConnection(host, port, timeout=PATIENCE_S)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        charset = response.headers.get_content_charset()
        return {"status": response.status, "charset": charset, "contentType": response.headers.get("Content-Type"), "text": body.decode(charset or "latin-1", errors="replace")}
    finally:
        conn.close()`,
    ['http.client'],
  ),
  load: helper(
    `
def load(lab, server, connections, requests=None, duration=None, message_bytes=16):
    """A closed-loop load: \`connections\` connections each send a message and wait for its echo, until
    \`requests\` in all (or \`duration\` seconds) are done. One asyncio loop drives them all."""
    host, port = lab.servers[server]
    message = b"x" * message_bytes
    latencies, errors = [], []
    counts = {"sent": 0, "answered": 0}

    async def client(share):
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), PATIENCE_S)
        except (OSError, asyncio.TimeoutError) as error:
            errors.append(f"connect: {error!r}")
            return
        try:
            while share is None or share > 0:
                if share is None and time.monotonic() >= end:
                    break
                sent_at = time.perf_counter()
                writer.write(message)
                counts["sent"] += 1
                await writer.drain()
                await asyncio.wait_for(reader.readexactly(message_bytes), PATIENCE_S)
                latencies.append((time.perf_counter() - sent_at) * 1000)
                counts["answered"] += 1
                share = None if share is None else share - 1
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as error:
            errors.append(repr(error))
        finally:
            writer.close()

    async def run():
        shares = [None] * connections if requests is None else [requests // connections + (i < requests % connections) for i in range(connections)]
        await asyncio.gather(*(client(share) for share in shares))

    end = time.monotonic() + (duration or 0)
    started = time.perf_counter()
    asyncio.run(run())
    seconds = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else None
    return {"connections": connections, "sent": counts["sent"], "answered": counts["answered"], "errors": len(errors),
            "error": errors[0] if errors else None, "ms": seconds * 1000, "requestsPerS": counts["answered"] / seconds if seconds else None,
            "p50Ms": pick(0.5), "p99Ms": pick(0.99)}`,
    ['asyncio', 'time'],
  ),
  send_file: helper(
    `
def send_file(lab, server, mb, chunk=65536):
    """Sends \`mb\` MB to a file-receive server ("name|size\\\\n", then the bytes) and checks its SHA-256
    answer. Non-blocking writes: a write the kernel does not take whole is a refused write, and the
    sender waits (select) until the socket drains."""
    size = int(mb * 1024 * 1024)
    digest = hashlib.sha256()
    refused, drain_ms, sent = 0, 0.0, 0
    block = bytes(range(256)) * (chunk // 256 + 1)
    with socket.create_connection(tuple(lab.servers[server]), timeout=PATIENCE_S) as sock:
        sock.sendall(f"upload.bin|{size}\\n".encode())
        sock.setblocking(False)
        while sent < size:
            piece = memoryview(block)[: min(chunk, size - sent)]
            digest.update(piece)
            taken = sock.send(piece) if select.select([], [sock], [], 0)[1] else 0
            if taken < len(piece):
                refused += 1
                waited = time.perf_counter()
                while taken < len(piece):
                    select.select([], [sock], [], PATIENCE_S)
                    try:
                        taken += sock.send(piece[taken:])
                    except BlockingIOError:
                        pass
                drain_ms += (time.perf_counter() - waited) * 1000
            sent += len(piece)
        sock.setblocking(True)
        sock.settimeout(PATIENCE_S)
        verdict = sock.makefile("rb").readline().decode().split()
    sha256 = digest.hexdigest()
    return {"bytes": size, "sha256": sha256, "verified": verdict[:3] == ["ok", str(size), sha256], "refusedWrites": refused, "drainWaitMs": drain_ms}`,
    ['hashlib', 'select', 'socket', 'time'],
  ),
  sticky_demo: helper(
    `
def sticky_demo(mode, name="report.txt", content="hello, sticky packets"):
    """A header "name|size" and the data over one TCP connection: sent naively (they stick together in
    one read), with an acknowledgement between them, or each behind a 4-byte length."""
    body = content.encode()
    header = f"{name}|{len(body)}".encode()
    result = {"mode": mode, "headerSeen": "", "correct": False, "problem": None}

    def exactly(sock, n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ActorFailed("the sender closed early")
            data += chunk
        return data

    with socket.create_server(("127.0.0.1", 0)) as listener:
        with socket.create_connection(listener.getsockname(), timeout=PATIENCE_S) as sender:
            sender.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            receiver, _ = listener.accept()
            with receiver:
                receiver.settimeout(PATIENCE_S)
                if mode == "naive":
                    sender.sendall(header + body)
                    seen = receiver.recv(1024).decode()
                elif mode == "acknowledge":
                    sender.sendall(header)
                    seen = receiver.recv(1024).decode()
                    receiver.sendall(b"\\x06")
                    exactly(sender, 1)
                    sender.sendall(body)
                else:
                    sender.sendall(struct.pack(">I", len(header)) + header + struct.pack(">I", len(body)) + body)
                    seen = exactly(receiver, struct.unpack(">I", exactly(receiver, 4))[0]).decode()
                result["headerSeen"] = seen
                got_name, _, got_size = seen.partition("|")
                if not got_size.isdigit():
                    result["problem"] = f"the header read as {seen!r}: the data stuck to it, so its size field is not a number"
                    return result
                if mode == "length-prefix":
                    exactly(receiver, 4)
                data = exactly(receiver, int(got_size)).decode()
                result["correct"] = got_name == name and data == content
                return result`,
    ['socket', 'struct'],
    ['actor_failed'],
  ),
  fd_select: helper(
    `
def fd_select(api, idle):
    """Watches \`idle\` idle sockets and one ready one with select.select, poll or epoll. select cannot
    take a descriptor of 1024 or more (FD_SETSIZE): it raises ValueError."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2 * idle + 64 <= hard or (soft < 2 * idle + 64 and hard == resource.RLIM_INFINITY):
        resource.setrlimit(resource.RLIMIT_NOFILE, (2 * idle + 64, hard))
    pairs = [socket.socketpair() for _ in range(idle + 1)]
    try:
        ready_end = pairs[-1][0]
        pairs[-1][1].send(b"!")
        watched = [a for a, _ in pairs]
        highest = max(s.fileno() for pair in pairs for s in pair)
        started = time.perf_counter()
        try:
            if api == "select":
                ready = len(select.select(watched, [], [], 1)[0])
            elif api == "poll":
                poller = select.poll()
                for s in watched:
                    poller.register(s, select.POLLIN)
                ready = len(poller.poll(1000))
            else:
                with select.epoll() as poller:
                    for s in watched:
                        poller.register(s.fileno(), select.EPOLLIN)
                    ready = len(poller.poll(1))
        except (ValueError, OSError) as error:
            return {"ok": False, "error": str(error), "errorType": type(error).__name__, "highestFd": highest, "ready": None, "ms": None}
        return {"ok": True, "error": None, "errorType": None, "ready": ready, "highestFd": highest, "ms": (time.perf_counter() - started) * 1000}
    finally:
        for a, b in pairs:
            a.close()
            b.close()`,
    ['resource', 'select', 'socket', 'time'],
  ),
  epoll_drain: helper(
    `
def epoll_drain(mode, size, chunk):
    """\`size\` bytes arrive at once; a reader reads \`chunk\` bytes per epoll wake-up. Level-triggered,
    epoll wakes it again while bytes remain; edge-triggered, only when new bytes arrive, so a reader
    that does not read everything stalls."""
    reader, writer = socket.socketpair()
    with reader, writer, select.epoll() as poller:
        reader.setblocking(False)
        poller.register(reader.fileno(), select.EPOLLIN | (select.EPOLLET if mode == "edge" else 0))
        writer.sendall(b"x" * size)
        wakeups = read = 0
        stalled = False
        while read < size:
            if not poller.poll(0.2):
                stalled = True
                break
            wakeups += 1
            read += len(reader.recv(chunk))
        return {"mode": mode, "wakeups": wakeups, "readBytes": read, "stalled": stalled}`,
    ['select', 'socket'],
  ),
  rebind_probe: helper(
    `
def rebind_probe(reuse):
    """A server port whose last connection the server closed first is in TIME_WAIT; the same server
    starts again on it, both times with SO_REUSEADDR or both without (Linux lets a bind share the port
    with a TIME_WAIT socket only when both set it)."""
    listener = socket.socket()
    if reuse:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    served, _ = listener.accept()
    served.close()  # the server closes first: its side of the connection waits in TIME_WAIT
    client.recv(1)
    client.close()
    listener.close()
    time_wait = None  # /proc/net/tcp lists TCP sockets on Linux: state 06 is TIME_WAIT
    if os.path.exists("/proc/net/tcp"):
        with open("/proc/net/tcp") as table:
            time_wait = any(row.split()[1].endswith(f":{port:04X}") and row.split()[3] == "06" for row in list(table)[1:])
    again = socket.socket()
    try:
        if reuse:
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
        return {"ok": True, "error": None, "errorType": None, "timeWait": time_wait}
    except OSError as error:
        return {"ok": False, "error": str(error), "errorType": errno.errorcode.get(error.errno, type(error).__name__), "timeWait": time_wait}
    finally:
        again.close()`,
    ['errno', 'os', 'socket'],
  ),
  recv_timeout: helper(
    `
def recv_timeout(seconds):
    """settimeout on a connected socket nobody writes to: recv raises socket.timeout after that long."""
    with socket.create_server(("127.0.0.1", 0)) as listener, socket.create_connection(listener.getsockname()) as sock:
        sock.settimeout(seconds)
        started = time.perf_counter()
        try:
            sock.recv(1024)
            timed_out = False
        except socket.timeout:
            timed_out = True
        return {"timedOut": timed_out, "ms": (time.perf_counter() - started) * 1000}`,
    ['socket', 'time'],
  ),
  backlog_probe: helper(
    `
def backlog_probe(backlog, clients):
    """listen(backlog) on a server that never accepts: the kernel completes about backlog + 1
    connections; the others wait for an answer that does not come."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(backlog)
    connected, sockets = 0, []
    try:
        for _ in range(clients):
            sock = socket.socket()
            sock.settimeout(0.2)
            sockets.append(sock)
            try:
                sock.connect(listener.getsockname())
                sock.send(b"x")
                connected += 1
            except OSError:
                pass
        return {"backlog": backlog, "clients": clients, "connected": connected, "pending": clients - connected}
    finally:
        for sock in sockets:
            sock.close()
        listener.close()`,
    ['socket'],
  ),
  servers: helper(
    `
SERVERS = []  # what stop_servers() ends: socketserver servers, processes and the servers' event loop
SERVER_LOOP = None


def answer(handler, data):
    """What an echo, upper or delay server sends back for one request (delay: after its wait)."""
    if handler["kind"] == "delay":
        time.sleep(handler["ms"] / 1000)
    return data.upper() if handler["kind"] == "upper" else data


def serve_connection(sock, handler):
    """One connection, start to end, on a blocking socket: one read is one request."""
    if handler["kind"] == "ivr":
        return serve_ivr(sock.makefile("rwb", buffering=0), handler)
    if handler["kind"] == "file-receive":
        stream = sock.makefile("rb")
        name, _, size = stream.readline().decode().strip().partition("|")
        digest, left = hashlib.sha256(), int(size)
        while left > 0:
            piece = stream.read(min(left, 1 << 20))
            if not piece:
                return
            digest.update(piece)
            left -= len(piece)
        sock.sendall(f"ok {size} {digest.hexdigest()}\\n".encode())
        return
    while data := sock.recv(65536):
        sock.sendall(answer(handler, data))


IVR = {
    "zh": ["您好，欢迎致电 10086 服务热线。人工服务请输入 0，结束通话请输入 exit。", "正在为您转接人工客服，请稍候。",
           "客服：您好，这里是 10086 服务台，请问有什么可以帮您？", "抱歉，菜单中没有这一项，请重新输入：人工服务请输入 0，结束通话请输入 exit。",
           "感谢您致电 10086，再见！", "客服：已记下您的问题“{}”。还有其他需要吗？（输入 exit 结束通话）"],
    "en": ["Welcome to the 10086 service line. Enter 0 to speak with an agent, or exit to hang up.", "Connecting you to an agent, please hold.",
           "Agent: Hello, this is the 10086 service desk. How can I help you?", "Sorry, that is not on the menu. Please try again: enter 0 for an agent, or exit to hang up.",
           "Thank you for calling 10086. Goodbye.", 'Agent: I have noted "{}". Anything else? (exit to hang up)'],
}


def serve_ivr(stream, handler):
    """The 10086 service line: a menu; 0 reaches an agent, who notes each line; exit hangs up."""
    welcome, connecting, agent_hello, retry, goodbye, noted = IVR[handler.get("language", "zh")]
    say_lines = lambda *lines: stream.write("".join(f"{line}\\n" for line in lines).encode())
    say_lines(welcome)
    with_agent = False
    for raw in stream:
        line = raw.decode(errors="replace").strip()
        if line.lower() == "exit":
            say_lines(goodbye)
            return
        if with_agent:
            say_lines(noted.format(line))
        elif line == "0":
            with_agent = True
            say_lines(connecting, agent_hello)
        else:
            say_lines(retry)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        serve_connection(self.request, self.server.handler)


class PoolServer(socketserver.TCPServer):
    """A worker pool: the accepting thread hands each connection to one of \`workers\` threads."""

    def process_request(self, request, client_address):
        self.pool.submit(self.process_request_thread, request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


def cluster_worker(listener, handler):
    """One process of a cluster: an event loop of its own, accepting on the listening socket it shares
    with the other processes (the kernel hands each connection to one of them)."""

    async def serve():
        server = await asyncio.start_server(lambda r, w: serve_async(r, w, handler), sock=listener)
        await server.serve_forever()

    asyncio.run(serve())


def scanning_server(listener, handler):
    """One thread, non-blocking sockets, no select: it scans every socket in turn, again and again."""
    listener.setblocking(False)
    conns = []
    while listener.fileno() != -1:  # until stop_servers() closes it
        busy = False
        try:
            conn, _ = listener.accept()
            conn.setblocking(False)
            conns.append(conn)
            busy = True
        except BlockingIOError:
            pass
        except OSError:
            break
        for conn in list(conns):
            try:
                data = conn.recv(65536)
            except BlockingIOError:
                continue
            busy = True
            if not data:
                conns.remove(conn)
                conn.close()
                continue
            conn.setblocking(True)
            conn.sendall(answer(handler, data))
            conn.setblocking(False)
        if not busy:
            time.sleep(0.001)


async def serve_async(reader, writer, handler):
    """An event-loop connection: every wait is awaited, so the loop serves the other connections meanwhile
    (a blocking delay handler sleeps on the loop's thread instead, as a blocking call there would)."""
    try:
        if handler["kind"] == "ivr":
            welcome, connecting, agent_hello, retry, goodbye, noted = IVR[handler.get("language", "zh")]
            writer.write(f"{welcome}\\n".encode())
            with_agent = False
            while raw := await reader.readline():
                line = raw.decode(errors="replace").strip()
                if line.lower() == "exit":
                    writer.write(f"{goodbye}\\n".encode())
                    break
                replies = [noted.format(line)] if with_agent else [connecting, agent_hello] if line == "0" else [retry]
                with_agent = with_agent or line == "0"
                writer.write("".join(f"{reply}\\n" for reply in replies).encode())
                await writer.drain()
        elif handler["kind"] == "file-receive":
            name, _, size = (await reader.readline()).decode().strip().partition("|")
            digest, left = hashlib.sha256(), int(size)
            while left > 0:
                piece = await reader.read(min(left, 1 << 20))
                if not piece:
                    return
                digest.update(piece)
                left -= len(piece)
            writer.write(f"ok {size} {digest.hexdigest()}\\n".encode())
        else:
            while data := await reader.read(65536):
                if handler["kind"] == "delay" and not handler.get("blocking"):
                    await asyncio.sleep(handler["ms"] / 1000)
                    writer.write(data)
                else:
                    writer.write(answer(handler, data))
                await writer.drain()
        await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


class HelloHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = self.server.handler.get("text", "Hello, world").encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # no access log on stderr


class UdpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(answer(self.server.handler, data), self.client_address)


def start_server(protocol, model, handler, host, workers=2, backlog=511):
    """Starts a server on a free port of \`host\` in the background; returns its (host, port)."""
    global SERVER_LOOP
    if protocol == "udp":
        server = socketserver.ThreadingUDPServer((host, 0), UdpHandler) if model == "worker-pool" else socketserver.UDPServer((host, 0), UdpHandler)
    elif protocol == "http":
        # http.server: one thread per connection (the lab's event-loop HTTP server answers the same).
        server = http.server.ThreadingHTTPServer((host, 0), HelloHandler) if model != "blocking-serial" else http.server.HTTPServer((host, 0), HelloHandler)
    elif model == "event-loop":
        if SERVER_LOOP is None:
            SERVER_LOOP = asyncio.new_event_loop()
            threading.Thread(target=SERVER_LOOP.run_forever, name="server-loop", daemon=True).start()
        started = asyncio.run_coroutine_threadsafe(asyncio.start_server(lambda r, w: serve_async(r, w, handler), host, 0, backlog=backlog), SERVER_LOOP)
        server = started.result(PATIENCE_S)
        SERVERS.append(server)
        return server.sockets[0].getsockname()[:2]
    elif model in ("cluster", "scanning"):
        listener = socket.create_server((host, 0), backlog=backlog)
        if model == "scanning":
            threading.Thread(target=scanning_server, args=(listener, handler), daemon=True).start()
        else:
            for _ in range(workers):
                worker = multiprocessing.Process(target=cluster_worker, args=(listener, handler), daemon=True)
                worker.start()
                SERVERS.append(worker)
        SERVERS.append(listener)
        return listener.getsockname()[:2]
    else:
        kinds = {"blocking-serial": socketserver.TCPServer, "thread-per-connection": socketserver.ThreadingTCPServer, "worker-pool": PoolServer,
                 "process-per-connection": getattr(socketserver, "ForkingTCPServer", socketserver.ThreadingTCPServer)}
        server = kinds[model]((host, 0), Handler, bind_and_activate=False)
        server.allow_reuse_address = True
        server.server_bind()
        server.socket.listen(backlog)
        server.daemon_threads = True
        server.block_on_close = False  # stop_servers() does not wait for connections still open
        if model == "worker-pool":
            server.pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="server-worker")
    server.handler = handler
    threading.Thread(target=server.serve_forever, name=f"{model}-server", daemon=True).start()
    SERVERS.append(server)
    return server.server_address[:2]


def stop_servers():
    for server in SERVERS:
        if isinstance(server, socketserver.BaseServer):
            server.shutdown()
            # A forked child holds copies of every socket its parent had, this program's clients' too:
            # it may never see its connection end, so it is ended here.
            for pid in getattr(server, "active_children", None) or ():
                os.kill(pid, signal.SIGTERM)
            server.server_close()
        elif isinstance(server, multiprocessing.Process):
            server.terminate()
        elif isinstance(server, socket.socket):
            server.close()
        else:
            SERVER_LOOP.call_soon_threadsafe(server.close)`,
    ['asyncio', 'concurrent.futures', 'hashlib', 'http.server', 'multiprocessing', 'os', 'signal', 'socket', 'socketserver', 'threading', 'time'],
  ),
  print_records: helper(
    `
def print_records(lab):
    """Prints every recorded value in the order recorded, "record <name> = <JSON>", then the sections."""
    for name, value in lab.records[:]:
        print(f"record {name} = {json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)}", flush=True)
    for name, section in getattr(lab, "sections", {}).items():
        print(f"section {name} max = {section.most.value}", flush=True)`,
    ['json'],
  ),
} satisfies Record<HelperName, PythonHelper>;

