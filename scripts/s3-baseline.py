#!/usr/bin/python3
"""The S3 baseline that qtus's S3 benchmark is compared with: one multipart upload of
--size-mib MiB in --part-mib MiB parts by boto3's transfer manager (path-style addressing,
SigV4), timed from the first request to CompleteMultipartUpload, then the object is deleted.
With --download KEY instead: one GetObject of that existing object, its body streamed and
dropped in 1 MiB reads (one stream, as a tus client's GET is), timed to the last byte.

Reads QTUS_S3_ENDPOINT, QTUS_S3_BUCKET, QTUS_S3_REGION, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY from the environment, or from --env FILE (the DIR/env that
scripts/rgw.sh start writes). Prints one line:
    boto3 multipart: <MiB> MiB in <s> s = <MiB/s> MiB/s
    boto3 get: <MiB> MiB in <s> s = <MiB/s> MiB/s          (--download)
Run it with Debian's python (/usr/bin/python3, python3-boto3).
"""
import argparse
import io
import os
import sys
import time
import uuid

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

NAMES = ("QTUS_S3_ENDPOINT", "QTUS_S3_BUCKET", "QTUS_S3_REGION",
         "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
MIB = 1024 * 1024


def settings(env_file):
    values = dict(os.environ)
    if env_file:
        with open(env_file) as f:
            for line in f:
                name, sep, value = line.strip().partition("=")
                if sep and not name.startswith("#"):
                    values[name] = value
    missing = [n for n in NAMES if not values.get(n)]
    if missing:
        sys.exit(f"s3-baseline.py: {', '.join(missing)} not set (give --env DIR/env)")
    return {n: values[n] for n in NAMES}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", help="a NAME=value file such as rgw.sh's DIR/env")
    parser.add_argument("--size-mib", type=int, default=256, help="object size (256)")
    parser.add_argument("--part-mib", type=int, default=8, help="part size, at least 5 (8)")
    parser.add_argument("--concurrency", type=int, default=10,
                        help="parts in flight at once (10, boto3's default)")
    parser.add_argument("--file", help="upload this file instead of random bytes")
    parser.add_argument("--download", metavar="KEY", help="time a GetObject of KEY instead")
    args = parser.parse_args()
    if args.part_mib < 5:
        parser.error("S3 wants parts of at least 5 MiB")
    s = settings(args.env)

    s3 = boto3.client(
        "s3", endpoint_url=s["QTUS_S3_ENDPOINT"], region_name=s["QTUS_S3_REGION"],
        aws_access_key_id=s["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=s["AWS_SECRET_ACCESS_KEY"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      max_pool_connections=max(10, args.concurrency)))
    if args.download:
        started = time.monotonic()
        stream = s3.get_object(Bucket=s["QTUS_S3_BUCKET"], Key=args.download)["Body"]
        size = 0
        while chunk := stream.read(MIB):
            size += len(chunk)
        seconds = time.monotonic() - started
        print(f"boto3 get: {size / MIB:g} MiB in {seconds:.2f} s = {size / MIB / seconds:.1f} MiB/s")
        return
    if args.file:
        body, size = open(args.file, "rb"), os.path.getsize(args.file)
    else:
        # made before the clock starts: urandom runs at a few hundred MiB/s
        size = args.size_mib * MIB
        body = io.BytesIO(os.urandom(size))
    part = args.part_mib * MIB
    config = TransferConfig(multipart_threshold=part, multipart_chunksize=part,
                            max_concurrency=args.concurrency, use_threads=True)
    bucket, key = s["QTUS_S3_BUCKET"], f"s3-baseline-{uuid.uuid4().hex}"

    started = time.monotonic()
    s3.upload_fileobj(body, bucket, key, Config=config)
    seconds = time.monotonic() - started
    try:
        stored = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
        if stored != size:
            sys.exit(f"s3-baseline.py: stored {stored} bytes, sent {size}")
    finally:
        s3.delete_object(Bucket=bucket, Key=key)
    mib = size / MIB
    print(f"boto3 multipart: {mib:g} MiB in {seconds:.2f} s = {mib / seconds:.1f} MiB/s")


if __name__ == "__main__":
    main()
