#!/usr/bin/env python3
"""Debian's python3-tuspy against two qtusd on one S3 bucket behind nginx
(scripts/two-nodes.sh): an upload in 2 MiB chunks stopped part-way (stop_at) and resumed by a
new Uploader on the same URL; the object is read back from S3 with boto3 (python3-boto3).

Usage: tuspy_cluster.py <nginx-url> <env-file of two-nodes.sh>
Prints "ok - ..." / "not ok - ..." lines, then "N passed, M failed".
"""
import hashlib
import os
import random
import sys
import tempfile

import boto3
from botocore.config import Config
from tusclient import client
from tusclient.uploader import Uploader

MIB = 1024 * 1024
passed = failed = 0


def check(ok, desc, detail=""):
    global passed, failed
    passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
    print(f"{'ok' if ok else 'not ok'} - {desc}{f' ({detail})' if not ok and detail else ''}", flush=True)


endpoint, env_file = sys.argv[1], sys.argv[2]
env = dict(line.split("=", 1) for line in open(env_file).read().splitlines() if "=" in line)
s3 = boto3.client("s3", endpoint_url=env["QTUS_S3_ENDPOINT"], region_name=env["QTUS_S3_REGION"],
                  aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                  config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))

data = random.Random(7).randbytes(7 * MIB + 333)
with tempfile.NamedTemporaryFile(delete=False) as f:
    f.write(data)
    path = f.name
try:
    tus = client.TusClient(endpoint)
    first = Uploader(path, client=tus, chunk_size=2 * MIB)
    first.upload(stop_at=4 * MIB)
    check(first.offset == 4 * MIB, "tuspy stops after two 2 MiB chunks", f"offset {first.offset}")
    again = Uploader(path, url=first.url, client=tus, chunk_size=2 * MIB)
    check(again.get_offset() == 4 * MIB, "a new Uploader on the URL reads the offset through nginx")
    again.upload()
    check(again.offset == len(data), "the upload finishes", f"offset {again.offset}")
    key = "uploads/" + first.url.rsplit("/", 1)[1]
    body = s3.get_object(Bucket=env["QTUS_S3_BUCKET"], Key=key)["Body"].read()
    check(hashlib.sha256(body).digest() == hashlib.sha256(data).digest(), "the object in S3 is byte-identical",
          f"{len(body)} bytes")
except Exception as err:  # every failure is a check, never a traceback alone
    check(False, "tuspy uploads through nginx", str(err)[:300])
finally:
    os.unlink(path)
print(f"{passed} passed, {failed} failed", flush=True)
sys.exit(0 if failed == 0 else 1)
