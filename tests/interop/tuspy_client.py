#!/usr/bin/env python3
"""Interop test: drives a running qtusd with Debian's python3-tuspy (tusclient).

Usage: tuspy_client.py <endpoint-url> <data-dir-of-server|GET>
Prints one "ok - ..." / "not ok - ..." line per check, then "N passed, M failed".
With GET for the data dir (a store whose bytes are no files here, e.g. S3) the stored bytes are
what a GET of the upload URL answers; an incomplete upload's bytes cannot be read that way, so
those checks print "# skip - ..." and are not counted.

Uploads with upload_checksum=True (rule K2 over real sockets), stops part-way with
upload(stop_at=N), resumes with a new Uploader on the same url, and checks the bytes on disk.
Written against tuspy 1.0.0 (Debian bookworm): Uploader(file_path, url, client, chunk_size,
metadata, upload_checksum), upload(stop_at), CHECKSUM_ALGORITHM_PAIR.
"""
import base64
import hashlib
import os
import random
import signal
import sys
import tempfile
from importlib import metadata as importlib_metadata

import requests
from tusclient import client
from tusclient.exceptions import TusCommunicationError, TusUploadFailed
from tusclient.uploader import Uploader

KIB, MIB = 1024, 1024 * 1024
CHUNK = 256 * KIB
REQUEST_TIMEOUT_S = 30
OVERALL_TIMEOUT_S = 180

passed = failed = 0


def check(ok, desc, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print(f"{'ok' if ok else 'not ok'} - {desc}{f' ({detail})' if not ok and detail else ''}", flush=True)
    return ok


def skip(desc):
    """A check this store cannot make (not counted): an incomplete upload's bytes are not readable."""
    print(f"# skip - {desc}: an incomplete upload's bytes cannot be read back from this store", flush=True)


def finish():
    print(f"{passed} passed, {failed} failed", flush=True)
    sys.exit(0 if failed == 0 else 1)


def on_timeout(signum, frame):
    check(False, f"tuspy interop run finished within {OVERALL_TIMEOUT_S} s")
    finish()


# Every request tusclient makes, with a time limit (tusclient sets none), and every PATCH
# recorded so the checks can see what went over the wire.
patches = []
_real = {name: getattr(requests, name) for name in ("head", "post", "patch")}
_real["get"] = requests.get


def _with_timeout(name):
    def call(url, **kwargs):
        kwargs.setdefault("timeout", REQUEST_TIMEOUT_S)
        resp = _real[name](url, **kwargs)
        if name == "patch":
            headers = {k.lower(): v for k, v in (kwargs.get("headers") or {}).items()}
            patches.append({"offset": int(headers.get("upload-offset", -1)), "data": kwargs.get("data") or b"",
                            "checksum": headers.get("upload-checksum"), "status": resp.status_code,
                            "reason": resp.reason})
        return resp
    return call


for _name in _real:
    setattr(requests, _name, _with_timeout(_name))


def head(url):
    resp = _real["head"](url, headers={"Tus-Resumable": "1.0.0"}, timeout=REQUEST_TIMEOUT_S)
    return resp.status_code, resp.headers.get("Upload-Offset"), resp.headers.get("Upload-Length")


def stored_bytes(data_dir, url):
    """The bytes the server stores for url: data_dir/<id> (the file store's data file), or with
    data_dir GET what a GET of url answers (must be 200). An error's text instead of bytes."""
    if data_dir == "GET":
        try:
            resp = _real["get"](url, headers={"Tus-Resumable": "1.0.0"}, timeout=REQUEST_TIMEOUT_S)
        except requests.RequestException as err:
            return f"GET {url}: {err!r}"
        if resp.status_code != 200:
            return f"GET {url} answered {resp.status_code}, not 200"
        return resp.content
    upload_id = url.rstrip("/").rsplit("/", 1)[-1]
    try:
        with open(os.path.join(data_dir, upload_id), "rb") as f:
            return f.read()
    except OSError as err:
        return str(err)


def uploader_with(algorithm, digest):
    """An Uploader class that sends Upload-Checksum with another algorithm (or a wrong digest)."""
    return type(f"Uploader_{algorithm}", (Uploader,), {"CHECKSUM_ALGORITHM_PAIR": (algorithm, digest)})


def checksums_match(sent, algorithm, hasher):
    """Every PATCH carried "<algorithm> <base64 digest of its body>"."""
    return bool(sent) and all(
        p["checksum"] == f"{algorithm} {base64.b64encode(hasher(p['data']).digest()).decode('ascii')}" for p in sent)


def resume_after_stop(tus, data_dir, src, data):
    label = "3 MiB tuspy upload"
    stop = 1_234_567  # not a multiple of the chunk size
    first = tus.uploader(file_path=src, chunk_size=CHUNK, upload_checksum=True, metadata={"filename": "tuspy.bin"})
    del patches[:]
    try:
        first.upload(stop_at=stop)
    except (TusUploadFailed, TusCommunicationError) as err:
        check(False, f"{label}: first session uploaded up to stop_at={stop}", repr(err))
        return
    url = first.url
    check(first.offset == stop, f"{label}: first session stopped at offset {stop}", f"offset={first.offset}")
    check(bool(url) and url.startswith(tus.url), f"{label}: upload URL is absolute and under the endpoint", f"url={url}")
    status, offset, length = head(url)
    check(status == 200 and offset == str(stop) and length == str(len(data)),
          f"{label}: HEAD after stop reports Upload-Offset {stop} of {len(data)}",
          f"status={status} Upload-Offset={offset} Upload-Length={length}")
    desc = f"{label}: bytes on disk after stop are the file's first {stop}"
    if data_dir == "GET":
        skip(desc)
    else:
        partial = stored_bytes(data_dir, url)
        check(partial == data[:stop], desc, f"got {len(partial)} bytes" if isinstance(partial, bytes) else partial)
    first_patches = list(patches)

    del patches[:]
    second = tus.uploader(file_path=src, url=url, chunk_size=CHUNK, upload_checksum=True)
    check(second.offset == stop, f"{label}: new Uploader on the same url resumes at offset {stop} (HEAD)",
          f"offset={second.offset}")
    try:
        second.upload()
    except (TusUploadFailed, TusCommunicationError) as err:
        check(False, f"{label}: resumed session finished", repr(err))
        return
    check(second.offset == len(data), f"{label}: resumed session finished at offset {len(data)}", f"offset={second.offset}")
    sent = first_patches + patches
    check(all(p["status"] == 204 for p in sent), f"{label}: every PATCH answered 204",
          str([p["status"] for p in sent]))
    check(checksums_match(sent, "sha1", hashlib.sha1), f"{label}: every PATCH carried a correct Upload-Checksum: sha1",
          str([p["checksum"] for p in sent][:3]))
    check(patches and patches[0]["offset"] == stop and sum(len(p["data"]) for p in patches) == len(data) - stop,
          f"{label}: the resumed session sent only the remaining {len(data) - stop} bytes",
          f"first offset={patches[0]['offset'] if patches else None}")
    status, offset, length = head(url)
    check(status == 200 and offset == length == str(len(data)),
          f"{label}: HEAD reports Upload-Offset == Upload-Length == {len(data)}",
          f"status={status} Upload-Offset={offset} Upload-Length={length}")
    stored = stored_bytes(data_dir, url)
    check(isinstance(stored, bytes) and hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest(),
          f"{label}: stored file byte-identical (sha256)",
          f"size={len(stored)}" if isinstance(stored, bytes) else stored)


def other_algorithms(tus, data_dir, tmp):
    data = random.Random(11).randbytes(100 * KIB + 3)
    src = os.path.join(tmp, "small.bin")
    with open(src, "wb") as f:
        f.write(data)
    for name in ("md5", "sha256", "sha512"):
        label = f"100 KiB tuspy upload with Upload-Checksum {name}"
        hasher = getattr(hashlib, name)
        del patches[:]
        up = uploader_with(name, hasher)(file_path=src, client=tus, chunk_size=32 * KIB, upload_checksum=True)
        try:
            up.upload()
        except (TusUploadFailed, TusCommunicationError) as err:
            check(False, f"{label}: upload succeeded", repr(err))
            continue
        check(checksums_match(patches, name, hasher) and len(patches) == 4,
              f"{label}: 4 PATCHes with correct {name} checksums accepted", str([p["status"] for p in patches]))
        check(stored_bytes(data_dir, up.url) == data, f"{label}: stored file byte-identical")


def mismatch(tus, data_dir, tmp):
    label = "tuspy upload with a wrong sha1 checksum"
    data = random.Random(12).randbytes(96 * KIB)
    src = os.path.join(tmp, "mismatch.bin")
    with open(src, "wb") as f:
        f.write(data)
    good = tus.uploader(file_path=src, chunk_size=32 * KIB, upload_checksum=True)
    try:
        good.upload(stop_at=32 * KIB)
    except (TusUploadFailed, TusCommunicationError) as err:
        check(False, f"{label}: first chunk uploaded", repr(err))
        return
    url = good.url
    del patches[:]
    wrong = uploader_with("sha1", lambda chunk: hashlib.sha1(chunk + b"!"))(file_path=src, url=url, chunk_size=32 * KIB,
                                                                             upload_checksum=True)
    try:
        wrong.upload()
        check(False, f"{label}: refused with 460", "the upload succeeded")
    except TusUploadFailed as err:
        check(err.status_code == 460, f"{label}: refused with 460", f"status={err.status_code}")
    except TusCommunicationError as err:
        check(False, f"{label}: refused with 460", repr(err))
    reason = patches[-1]["reason"] if patches else None
    check(reason == "Checksum Mismatch", f"{label}: status line reads 460 Checksum Mismatch", f"reason={reason!r}")
    status, offset, _ = head(url)
    check(status == 200 and offset == str(32 * KIB), f"{label}: HEAD offset stays at {32 * KIB}",
          f"status={status} Upload-Offset={offset}")
    desc = f"{label}: the refused chunk is not on disk"
    if data_dir == "GET":
        skip(desc)
    else:
        stored = stored_bytes(data_dir, url)
        check(stored == data[:32 * KIB], desc, f"size={len(stored)}" if isinstance(stored, bytes) else stored)
    resumed = tus.uploader(file_path=src, url=url, chunk_size=32 * KIB, upload_checksum=True)
    try:
        resumed.upload()
        check(stored_bytes(data_dir, url) == data, f"{label}: a correct resume completes the file")
    except (TusUploadFailed, TusCommunicationError) as err:
        check(False, f"{label}: a correct resume completes the file", repr(err))


def main():
    if len(sys.argv) != 3:
        print("usage: tuspy_client.py <endpoint-url> <data-dir-of-server|GET>", file=sys.stderr)
        sys.exit(2)
    endpoint = sys.argv[1] if sys.argv[1].endswith("/") else sys.argv[1] + "/"
    data_dir = sys.argv[2]
    signal.signal(signal.SIGALRM, on_timeout)
    signal.alarm(OVERALL_TIMEOUT_S)
    try:
        version = importlib_metadata.version("tuspy")
    except importlib_metadata.PackageNotFoundError:
        version = "unknown"
    print(f"# tuspy {version} on Python {sys.version.split()[0]}, endpoint {endpoint}, data dir {data_dir}", flush=True)
    tus = client.TusClient(endpoint)
    with tempfile.TemporaryDirectory(prefix="qtus-tuspy-") as tmp:
        data = random.Random(10).randbytes(3 * MIB + 17)
        src = os.path.join(tmp, "three.bin")
        with open(src, "wb") as f:
            f.write(data)
        try:
            resume_after_stop(tus, data_dir, src, data)
            other_algorithms(tus, data_dir, tmp)
            mismatch(tus, data_dir, tmp)
        except Exception as err:  # any surprise is a failed check, never a silent pass
            check(False, "tuspy interop script ran without an unexpected exception", repr(err))
    finish()


if __name__ == "__main__":
    main()
