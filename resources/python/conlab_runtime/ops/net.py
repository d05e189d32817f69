"""The network steps: clients of the trial's servers (see netservers/ and netclient.py), with the
same trace events as the Node engine's handlers (src-main/engine/actors/steps/handlers.ts)."""

import http.client
import re

from ..common import ActorFailure
from ..netclient import clients_of
from ..netservers.host import address
from ..step_table import handler

MAX_HTTP_BODY = 16 * 1024 * 1024
DECODABLE = ("utf-8", "utf8", "latin1", "iso-8859-1", "ascii", "utf-16le")


def _data(it, value):
    return it.text(it.evaluate(value)).encode("utf-8")


def _shown(text):
    return text[:200] + "…" if len(text) > 200 else text


@handler("connect")
async def _connect(it, step):
    trace = it.services.trace
    trace.emit("connect", "B", {"server": step["server"]})
    conn = await clients_of(it.services).connect(step["server"], step.get("framing"), step.get("timeoutMs"))
    trace.emit("connect", "E", {"server": step["server"], "conn": conn})
    it.locals[step["into"]] = conn


@handler("send")
async def _send(it, step):
    trace = it.services.trace
    ident = it.evaluate(step["conn"])
    data = _data(it, step["data"])
    every = bool(step.get("all", False))
    conn = clients_of(it.services).connection(ident)
    trace.emit("send", "B", {"conn": ident, "bytes": len(data), "all": every})
    result = await (conn.send_all(data) if every else conn.send(data))
    trace.emit("send", "E", dict({"conn": ident}, **result))


@handler("recv")
async def _recv(it, step):
    trace = it.services.trace
    ident = it.evaluate(step["conn"])
    conn = clients_of(it.services).connection(ident)
    trace.emit("recv", "B", {"conn": ident})
    timeout = step.get("timeoutMs")
    if step.get("message"):
        raw = await conn.recv_message(timeout)
    elif step.get("until") is not None:
        raw = await conn.recv_until(step["until"], timeout)
    else:
        raw = await conn.recv(int(it.amount(step.get("bytes", 65536), "recv.bytes", 64 * 2 ** 20)), timeout)
    text = raw.decode("utf-8", "replace")
    trace.emit("recv", "E", {"conn": ident, "bytes": len(text.encode("utf-8")), "data": _shown(text)})
    it.locals[step["into"]] = text


@handler("close")
async def _close(it, step):
    trace = it.services.trace
    ident = it.evaluate(step["conn"])
    clients_of(it.services).close(ident)
    trace.emit("close", "I", {"conn": ident})


@handler("sendto")
async def _sendto(it, step):
    trace = it.services.trace
    data = _data(it, step["data"])
    sent = await clients_of(it.services).sendto(step["server"], data)
    trace.emit("sendto", "I", {"server": step["server"], "bytes": sent})


@handler("recvfrom")
async def _recvfrom(it, step):
    trace = it.services.trace
    trace.emit("recvfrom", "B", {})
    data, source = await clients_of(it.services).recvfrom(step.get("timeoutMs"))
    text = data.decode("utf-8", "replace")
    trace.emit("recvfrom", "E", {"bytes": len(text.encode("utf-8")), "from": source})
    it.locals[step["into"]] = text


def http_get(host, port, path, timeout_s=5.0):
    """GET over a fresh connection to a loopback server; the body decoded by the declared charset."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        body = response.read(MAX_HTTP_BODY + 1)
        if len(body) > MAX_HTTP_BODY:
            raise ActorFailure("http get: the answer is longer than %d bytes" % MAX_HTTP_BODY)
        content_type = response.getheader("Content-Type")
        charset = None
        if content_type:
            match = re.search(r"charset=([^;\s]+)", content_type, re.IGNORECASE)
            charset = match.group(1).lower().replace('"', "") if match else None
        encoding = charset if charset in DECODABLE else "utf-8"
        return {"status": response.status, "charset": charset, "contentType": content_type, "text": body.decode(encoding, "replace")}
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise ActorFailure("http get http://%s:%d%s: %s" % (host, port, path, getattr(error, "strerror", None) or error))
    finally:
        conn.close()


@handler("http_get")
async def _http_get(it, step):
    trace = it.services.trace
    path = step.get("path", "/")
    where = address(step["server"])
    if where["protocol"] != "http":
        raise ActorFailure("server %s speaks %s: http_get needs an http server" % (step["server"], where["protocol"]))
    target = path if path.startswith("/") else "/" + path
    trace.emit("http_get", "B", {"server": step["server"], "path": path})
    response = await it.services.offload(lambda: http_get(where["host"], where["port"], target))
    trace.emit("http_get", "E", {"status": response["status"], "charset": response["charset"]})
    it.locals[step["into"]] = response


@handler("load")
async def _load(it, step):
    from ..netload import run_load
    trace = it.services.trace
    where = address(step["server"])
    connections = int(it.amount(step["connections"], "load.connections", 10000))
    config = {
        "protocol": where["protocol"],
        "host": where["host"],
        "port": where["port"],
        "connections": connections,
        "messageBytes": int(it.amount(step.get("messageBytes", 64), "load.messageBytes", 2 ** 20)),
        "threads": int(it.amount(step.get("threads", 2), "load.threads", 16)),
        "timeoutMs": 5000,
        "connectTimeoutMs": 5000,
    }
    if step.get("durationMs") is not None:
        config["durationMs"] = it.amount(step["durationMs"], "load.durationMs", 600000)
    if step.get("requests") is not None:
        config["requests"] = int(it.amount(step["requests"], "load.requests", 1e8))
    if ("durationMs" in config) == ("requests" in config):
        raise ActorFailure("load: give exactly one of durationMs (run for D ms) and requests (send R requests)")
    if step.get("ratePerConnection") is not None:
        config["ratePerConnection"] = it.amount(step["ratePerConnection"], "load.ratePerConnection", 100000)
    if where["protocol"] == "udp" and config["messageBytes"] < 10:
        raise ActorFailure("load.messageBytes: UDP requests carry a 10-digit sequence number; expected at least 10 bytes, got %d" % config["messageBytes"])
    trace.emit("load", "B", {"server": step["server"], "connections": connections})
    report = await it.services.offload(lambda: run_load(config))
    trace.emit("load", "E", report)
    if step.get("into"):
        it.locals[step["into"]] = report


@handler("send_file")
async def _send_file(it, step):
    from ..nettransfer import send_file
    trace = it.services.trace
    mb = it.amount(step["mb"], "send_file.mb", 1024)
    if mb < 0.001:
        raise ActorFailure("send_file.mb must be at least 0.001, got %s" % mb)
    chunk = int(it.amount(step["chunkBytes"], "send_file.chunkBytes", 16 * 2 ** 20)) if step.get("chunkBytes") is not None else None
    if chunk is not None and chunk < 1:
        raise ActorFailure("send_file.chunkBytes must be at least 1, got %s" % chunk)
    trace.emit("send_file", "B", {"server": step["server"], "mb": mb})
    result = await send_file(clients_of(it.services), step["server"], mb, chunk, trace)
    trace.emit("send_file", "E", result)
    if step.get("into"):
        it.locals[step["into"]] = result


@handler("sticky_demo")
async def _sticky_demo(it, step):
    from ..nettransfer import sticky_demo
    trace = it.services.trace
    mode = step["mode"]
    trace.emit("sticky_demo", "B", {"mode": mode})
    result = await it.services.offload(lambda: sticky_demo(mode))
    trace.emit("sticky_demo", "E", result)
    it.locals[step["into"]] = result
