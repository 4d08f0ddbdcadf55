#!/usr/bin/env python3
"""Slowloris load: many slow clients must not stop normal clients, and the server must close them.

Usage: slowloris.py <qtusd> <work-dir> [--pid-file FILE] [--tricklers 450] [--stallers 450]

Starts qtusd on a free port with --max-connections 1000 and short --idle-timeout and
--read-timeout (READ_TIMEOUT_S), then opens
  - header tricklers: connections that send a request head one byte every TRICKLE_EVERY_S
    (less than the read timeout, so every byte is "progress") and never finish it;
  - body stallers: each creates an upload (POST, 201) and then, on the same connection, sends
    a PATCH announcing Content-Length 1 MiB, 1 KiB of it, and nothing more.
While all of them are open, a normal client creates and uploads 4 MiB (POST + one PATCH) and
sends 100 HEADs, each on a fresh connection; every one must succeed within MAX_LATENCY_S.
Then every slow connection must be closed by the server (EOF or reset seen by the client):
the stallers within the read timeout (+ slack) after their last byte, the tricklers within
a total deadline of 2 x read timeout (+ slack) after they connected, whatever they trickle.
Finally each stalled upload must report HEAD Upload-Offset == 1024 (the bytes that arrived).

Standard library only. Prints "ok - ..." / "not ok - ..." lines and "N passed, M failed";
exits 1 on any failure. Every wait has a deadline.
"""
import asyncio
import hashlib
import http.client
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

READ_TIMEOUT_S = 8          # --read-timeout and --idle-timeout given to qtusd
TRICKLE_EVERY_S = 2.0       # a trickler sends one header byte this often (< READ_TIMEOUT_S)
MAX_CONNECTIONS = 1000
MAX_LATENCY_S = 2.0         # a normal upload and each HEAD must finish within this
CLOSE_SLACK_S = 4.0         # timer granularity, event-loop load
STALLER_BODY = 1024         # bytes a staller sends of its announced body
STALLER_LENGTH = 1024 * 1024
NORMAL_SIZE = 4 * 1024 * 1024
HEAD_COUNT = 100
CONNECT_BATCH = 50          # connections opened at once (the listen backlog is finite)
START_TIMEOUT_S = 10
OVERALL_TIMEOUT_S = 100

passed = 0
failed = 0


def check(ok, desc, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print(f"{'ok' if ok else 'not ok'} - {desc}{f' ({detail})' if not ok and detail else ''}", flush=True)
    return ok


def note(msg):
    print(f"# {msg}", flush=True)


def finish(server=None):
    if server is not None:
        server.stop()
    print(f"{passed} passed, {failed} failed", flush=True)
    sys.exit(0 if failed == 0 else 1)


def prng_bytes(size, seed):
    return random.Random(seed).randbytes(size)


# ---- the server process ----
class Server:
    def __init__(self, qtusd, work_dir, pid_file):
        self.err_path = os.path.join(work_dir, "qtusd-slowloris.err")
        self.dir = os.path.join(work_dir, "slowloris-uploads")
        os.makedirs(self.dir)
        self.proc = subprocess.Popen(
            [qtusd, "--host", "127.0.0.1", "--port", "0", "--dir", self.dir,
             "--max-connections", str(MAX_CONNECTIONS),
             "--idle-timeout", f"{READ_TIMEOUT_S}s", "--read-timeout", f"{READ_TIMEOUT_S}s"],
            stdout=subprocess.PIPE, stderr=open(self.err_path, "wb"), stdin=subprocess.DEVNULL)
        if pid_file:
            with open(pid_file, "w") as f:
                f.write(f"{self.proc.pid}\n")
        line = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_S)
        m = re.match(rb"^qtusd listening on (http://\S+/files/)\n$", line[0]) if line else None
        if not m:
            self.stop()
            raise RuntimeError(f"qtusd printed no URL within {START_TIMEOUT_S} s: {self.stderr_tail()}")
        self.url = m.group(1).decode()
        parsed = urllib.parse.urlsplit(self.url)
        self.host, self.port, self.path = parsed.hostname, parsed.port, parsed.path

    def alive(self):
        return self.proc.poll() is None

    def fd_count(self):
        try:
            return len(os.listdir(f"/proc/{self.proc.pid}/fd"))
        except OSError:
            return -1

    def stderr_tail(self):
        try:
            with open(self.err_path, "rb") as f:
                return f.read()[-600:].decode(errors="replace").replace("\n", " | ")
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


# ---- normal clients (blocking http.client, run in threads) ----
def request(server, method, path, headers=None, body=None, timeout=10):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Tus-Resumable": "1.0.0", **(headers or {})})
        res = conn.getresponse()
        data = res.read()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, data
    finally:
        conn.close()


def normal_upload(server):
    """POST + one PATCH of 4 MiB + GET; returns (seconds for POST+PATCH, problem or None, url)."""
    data = prng_bytes(NORMAL_SIZE, 42)
    started = time.monotonic()
    status, headers, _ = request(server, "POST", server.path, {"Upload-Length": str(NORMAL_SIZE)})
    if status != 201:
        return time.monotonic() - started, f"POST answered {status}", None
    path = urllib.parse.urlsplit(headers["location"]).path
    status, headers, _ = request(server, "PATCH", path, {
        "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}, data)
    elapsed = time.monotonic() - started
    if status != 204 or headers.get("upload-offset") != str(NORMAL_SIZE):
        return elapsed, f"PATCH answered {status}, Upload-Offset {headers.get('upload-offset')}", path
    status, _, body = request(server, "GET", path)
    if status != 200 or hashlib.sha256(body).digest() != hashlib.sha256(data).digest():
        return elapsed, f"GET answered {status} with {len(body)} bytes that do not match", path
    return elapsed, None, path


def timed_heads(server, path):
    latencies, problems = [], []
    for _ in range(HEAD_COUNT):
        started = time.monotonic()
        try:
            status, headers, _ = request(server, "HEAD", path, timeout=MAX_LATENCY_S * 2)
            if status != 200 or headers.get("upload-offset") != str(NORMAL_SIZE):
                problems.append(f"HEAD {status} offset {headers.get('upload-offset')}")
        except OSError as err:
            problems.append(f"HEAD failed: {err}")
        latencies.append(time.monotonic() - started)
    return latencies, problems


# ---- slow clients (asyncio) ----
class Slow:
    """One slow connection; closed_at is set when the client sees EOF or a reset."""

    def __init__(self, kind, index):
        self.kind, self.index = kind, index
        self.reader = self.writer = None
        self.opened_at = self.last_byte_at = self.closed_at = None
        self.upload_path = None
        self.problem = None


async def watch_close(slow):
    """Reads until EOF or a reset. The only answer a slow connection may get is 408."""
    received = b""
    try:
        while True:
            data = await slow.reader.read(4096)
            if not data:
                break
            received += data[:200]
    except (ConnectionError, OSError):
        pass
    slow.closed_at = time.monotonic()
    if received and not received.startswith(b"HTTP/1.1 408 "):
        slow.problem = f"answered {received[:80]!r}"


async def open_trickler(server, slow, deadline):
    slow.reader, slow.writer = await asyncio.wait_for(
        asyncio.open_connection(server.host, server.port), timeout=10)
    slow.opened_at = time.monotonic()
    # A valid head that never ends: the request line and then a header that grows forever.
    head = (f"PATCH {server.path}{'0' * 32} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
            f"Tus-Resumable: 1.0.0\r\nX-Slow: ").encode() + b"a" * 100000
    asyncio.get_running_loop().create_task(watch_close(slow))
    i = 0
    while slow.closed_at is None and time.monotonic() < deadline:
        try:
            slow.writer.write(head[i:i + 1])
            await slow.writer.drain()
        except (ConnectionError, OSError):
            break
        slow.last_byte_at = time.monotonic()
        i += 1
        await asyncio.sleep(TRICKLE_EVERY_S)


async def create_for_staller(server, slow):
    """Creates the staller's upload (POST, 201) on a short connection of its own."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(server.host, server.port), timeout=10)
    try:
        writer.write((f"POST {server.path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
                      f"Tus-Resumable: 1.0.0\r\nUpload-Length: {STALLER_LENGTH}\r\n"
                      f"Connection: close\r\n\r\n").encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    finally:
        writer.close()
    m = re.search(rb"\r\nLocation: *(\S+)", head, re.IGNORECASE)
    if not head.startswith(b"HTTP/1.1 201") or not m:
        raise RuntimeError(f"POST answered {head[:200]!r}")
    slow.upload_path = urllib.parse.urlsplit(m.group(1).decode()).path


async def stall(server, slow):
    """Connects, sends a PATCH announcing 1 MiB and 1 KiB of its body, and then nothing."""
    slow.reader, slow.writer = await asyncio.wait_for(
        asyncio.open_connection(server.host, server.port), timeout=10)
    slow.opened_at = time.monotonic()
    slow.writer.write((f"PATCH {slow.upload_path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
                       f"Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                       f"Content-Type: application/offset+octet-stream\r\n"
                       f"Content-Length: {STALLER_LENGTH}\r\n\r\n").encode() + prng_bytes(STALLER_BODY, slow.index))
    await slow.writer.drain()
    slow.last_byte_at = time.monotonic()
    asyncio.get_running_loop().create_task(watch_close(slow))


async def open_all(server, slows, opener):
    errors = []
    for start in range(0, len(slows), CONNECT_BATCH):
        batch = slows[start:start + CONNECT_BATCH]
        results = await asyncio.gather(*(opener(s) for s in batch), return_exceptions=True)
        errors += [f"{s.kind} {s.index}: {r!r}" for s, r in zip(batch, results) if isinstance(r, BaseException)]
    return errors


def latency_summary(values):
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {values[-1] * 1000:.1f} ms"


async def run(server, tricklers_n, stallers_n):
    began = time.monotonic()
    trickle_deadline = began + 2 * READ_TIMEOUT_S + CLOSE_SLACK_S + 30  # hard stop for the trickling
    tricklers = [Slow("trickler", i) for i in range(tricklers_n)]
    stallers = [Slow("staller", i) for i in range(stallers_n)]
    trickle_tasks = []

    async def start_trickler(s):
        ready = asyncio.get_running_loop().create_future()

        async def body():
            try:
                await open_trickler(server, s, trickle_deadline)
            except Exception as err:  # noqa: BLE001 - reported through the future
                if not ready.done():
                    ready.set_exception(err)
                return
        task = asyncio.get_running_loop().create_task(body())
        trickle_tasks.append(task)
        # open_trickler returns only at the end; consider it open after its first byte.
        for _ in range(200):
            if s.last_byte_at is not None or ready.done():
                break
            await asyncio.sleep(0.05)
        if ready.done():
            ready.result()
        if s.last_byte_at is None:
            raise RuntimeError("no first byte within 10 s")

    # Creating the stallers' uploads takes longest (each creation syncs its .info), so it goes
    # first, on short connections; the PATCHes that stall go last, on connections of their own,
    # so that their read timeouts start just before the measurements.
    errors = await open_all(server, stallers, lambda s: create_for_staller(server, s))
    created_in = time.monotonic() - began
    errors += await open_all(server, tricklers, start_trickler)
    trickling_in = time.monotonic() - began
    errors += await open_all(server, [s for s in stallers if s.upload_path], lambda s: stall(server, s))
    opened_in = time.monotonic() - began
    open_now = sum(1 for s in tricklers + stallers if s.closed_at is None and s.opened_at is not None)
    check(not errors, f"{tricklers_n} header tricklers and {stallers_n} body stallers connected", "; ".join(errors[:3]))
    note(f"{open_now} slow connections open after {opened_in:.1f} s ({stallers_n} uploads created in {created_in:.1f} s, "
         f"tricklers connected in {trickling_in - created_in:.1f} s, stalled PATCHes sent in {opened_in - trickling_in:.1f} s); "
         f"qtusd holds {server.fd_count()} file descriptors")

    # Normal clients while the slow ones are open.
    elapsed, problem, normal_path = await asyncio.to_thread(normal_upload, server)
    note(f"normal upload of 4 MiB (POST + PATCH) took {elapsed * 1000:.0f} ms")
    check(problem is None and elapsed < MAX_LATENCY_S,
          f"a normal 4 MiB upload succeeds within {MAX_LATENCY_S} s while {open_now} slow connections are open",
          problem or f"{elapsed:.2f} s")
    if normal_path:
        latencies, problems = await asyncio.to_thread(timed_heads, server, normal_path)
        note(f"{HEAD_COUNT} HEADs on fresh connections: {latency_summary(latencies)}")
        check(not problems and max(latencies) < MAX_LATENCY_S,
              f"{HEAD_COUNT} HEADs succeed within {MAX_LATENCY_S} s each", "; ".join(problems[:3]) or f"max {max(latencies):.2f} s")
    still_open = sum(1 for s in tricklers + stallers if s.closed_at is None)
    check(still_open == open_now, f"the slow connections were still open during the measurements ({still_open})",
          f"{open_now - still_open} closed meanwhile; raise READ_TIMEOUT_S")

    # The server must close every slow connection.
    staller_deadline = max(s.last_byte_at for s in stallers) + READ_TIMEOUT_S + CLOSE_SLACK_S if stallers else began
    trickler_deadline = max(s.opened_at for s in tricklers) + 2 * READ_TIMEOUT_S + CLOSE_SLACK_S if tricklers else began
    while time.monotonic() < max(staller_deadline, trickler_deadline):
        if all(s.closed_at is not None for s in tricklers + stallers):
            break
        await asyncio.sleep(0.2)

    def late(s, limit):
        return s.closed_at is None or s.closed_at - s.opened_at > limit

    closed = [s.closed_at - s.last_byte_at for s in stallers if s.closed_at is not None]
    if closed:
        note(f"stallers closed {latency_summary(closed)} after their last byte (read timeout {READ_TIMEOUT_S} s)")
    late_stallers = [s for s in stallers if s.closed_at is None or s.closed_at - s.last_byte_at > READ_TIMEOUT_S + CLOSE_SLACK_S]
    check(not late_stallers, f"the server closed all {stallers_n} stalled PATCHes within the read timeout ({READ_TIMEOUT_S} s + {CLOSE_SLACK_S:.0f} s) of their last byte",
          f"{len(late_stallers)} still open or late")
    t_closed = [s.closed_at - s.opened_at for s in tricklers if s.closed_at is not None]
    if t_closed:
        note(f"tricklers closed {latency_summary(t_closed)} after they connected")
    late_tricklers = [s for s in tricklers if late(s, 2 * READ_TIMEOUT_S + CLOSE_SLACK_S)]
    bytes_sent = max((s.last_byte_at - s.opened_at) / TRICKLE_EVERY_S + 1 for s in tricklers) if tricklers else 0
    check(not late_tricklers,
          f"the server closed all {tricklers_n} header tricklers (one byte every {TRICKLE_EVERY_S:.0f} s) within {2 * READ_TIMEOUT_S + CLOSE_SLACK_S:.0f} s of connecting",
          f"{len(late_tricklers)} still open or late after {time.monotonic() - began:.0f} s; the slowest had sent {bytes_sent:.0f} header bytes; "
          "every byte re-arms the read timeout and nothing bounds the whole head")
    weird = [f"{s.kind} {s.index}: {s.problem}" for s in tricklers + stallers if s.problem]
    check(not weird, "no slow connection got an answer other than 408 Request Timeout", "; ".join(weird[:3]))
    for s in tricklers + stallers:
        if s.writer is not None:
            s.writer.close()
    for task in trickle_tasks:
        task.cancel()
    await asyncio.gather(*trickle_tasks, return_exceptions=True)

    # The bytes the stallers sent were kept.
    def offsets():
        wrong = []
        for s in stallers:
            if s.upload_path is None:
                continue
            status, headers, _ = request(server, "HEAD", s.upload_path)
            if status != 200 or headers.get("upload-offset") != str(STALLER_BODY):
                wrong.append(f"{s.upload_path}: HEAD {status} offset {headers.get('upload-offset')}")
        return wrong
    wrong = await asyncio.to_thread(offsets)
    check(not wrong, f"every stalled PATCH kept the {STALLER_BODY} bytes that arrived (HEAD Upload-Offset == {STALLER_BODY})", "; ".join(wrong[:3]))
    check(server.alive(), "qtusd stayed up", server.stderr_tail())
    note(f"slowloris run took {time.monotonic() - began:.1f} s")


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    qtusd, work_dir = args[0], args[1]

    def option(name, default):
        return args[args.index(f"--{name}") + 1] if f"--{name}" in args else default
    pid_file = option("pid-file", None)
    tricklers_n = int(option("tricklers", "450"))
    stallers_n = int(option("stallers", "450"))

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = tricklers_n + stallers_n + 200
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, soft)), hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < need:
        check(False, f"the client can open {need} file descriptors", f"RLIMIT_NOFILE soft {soft}, hard {hard}")
        finish()

    server = None

    def watchdog():
        print(f"not ok - slowloris test finished within {OVERALL_TIMEOUT_S} s", flush=True)
        print(f"{passed} passed, {failed + 1} failed", flush=True)
        if server is not None:
            server.proc.kill()
        os._exit(1)
    timer = threading.Timer(OVERALL_TIMEOUT_S, watchdog)
    timer.daemon = True
    timer.start()

    def on_signal(signum, _frame):
        if server is not None:
            server.proc.kill()
        print(f"# stopped by signal {signum}", flush=True)
        os._exit(1)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    try:
        server = Server(qtusd, work_dir, pid_file)
        note(f"qtusd (pid {server.proc.pid}) on {server.url}: --max-connections {MAX_CONNECTIONS} "
             f"--idle-timeout {READ_TIMEOUT_S}s --read-timeout {READ_TIMEOUT_S}s")
        asyncio.run(run(server, tricklers_n, stallers_n))
    except Exception as err:  # noqa: BLE001 - any crash of the test is one failure
        check(False, "slowloris test ran to the end", f"{type(err).__name__}: {err}")
        if server is not None:
            note(f"qtusd stderr: {server.stderr_tail()}")
    finish(server)


if __name__ == "__main__":
    main()
