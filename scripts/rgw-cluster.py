#!/usr/bin/python3
"""The parts of scripts/rgw.sh that are quicker in python (Debian's /usr/bin/python3, whose
python3-rados comes with ceph-common).

  rgw-cluster.py files DIR PORT MON_PORT OBJECTSTORE BYTES FSID
      writes DIR/ceph.conf and the cluster's keys with their caps to DIR/keyring, and prints
      an S3 access key and secret key. ceph-authtool costs 0.15 s a key; a cephx key is only
      type 1 (AES), a creation time, a length and 16 random bytes.
  rgw-cluster.py join CONF OSD_UUID MON_PID TIMEOUT
      puts osd.0 into the cluster and CRUSH maps, prints "osd" (the OSD may boot now), then
      makes radosgw's pools. Through librados this takes 0.2 s where the ceph CLI takes 0.9 s a
      command, and the monitor commits the pools asked for at once together, where radosgw
      would make them one after the other (a map change and a PG to peer each, 0.25 s).
"""
import base64
import json
import os
import secrets
import string
import struct
import sys
import threading
import time


CONF = """\
[global]
fsid = {fsid}
mon host = v2:127.0.0.1:{mon_port}
public addr = 127.0.0.1
ms bind msgr1 = false
keyring = {dir}/keyring
log file = {dir}/log/$name.log
admin socket = {dir}/run/$name.asok
run dir = {dir}/run
crash dir = {dir}/tmp
tmp dir = {dir}/tmp
auth allow insecure global id reclaim = false
# a client whose op waits for a PG with no OSD up would look again only at its tick, 5 s later
objecter tick interval = 0.2
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
# a nearly full disk must not keep a test cluster from starting
mon data avail crit = 1
mon data avail warn = 2
[mon]
mon data = {dir}/$name
# one monitor has nothing to batch: the default (1 s a map change) makes a start take 13 s
paxos propose interval = 0.01
paxos min wait = 0.01
[osd]
osd data = {dir}/$name
osd objectstore = {store}
memstore device bytes = {bytes}
bluestore block size = {bytes}
bluestore block create = true
osd memory target = 1073741824
# no crc of each whole object radosgw writes (bluestore keeps checksums of its own)
osd skip data digest = true
# join places the OSD in the CRUSH map before it starts
osd crush update on start = false
osd class update on start = false
[client.admin]
# radosgw-admin and join give up instead of hanging when the OSD is gone
rados osd op timeout = 30
rados mon op timeout = 30
[client]
log file = {dir}/log/client.log
admin socket = {dir}/run/$name.$pid.asok
[client.rgw]
log file = {dir}/log/rgw.log
# tcp_nodelay: without it beast sends a small body behind its headers only once the client
# ACKs them, and a client on a kept-alive connection delays that ACK by 40 ms: every small
# GET (an upload's .info) took 45 ms instead of 4
rgw frontends = beast endpoint=127.0.0.1:{port} tcp_nodelay=1
rgw thread pool size = 64
# the data of a deleted object waits for the garbage collector, by default 2 h at least: in a
# memstore OSD that is RAM, and repeated 256 MiB benchmark runs would fill its 4 GiB
rgw gc obj min wait = 0
rgw gc processor period = 5
"""


def files(dir, port, mon_port, store, size, fsid):
    with open(os.path.join(dir, "ceph.conf"), "x") as f:
        f.write(CONF.format(dir=dir, port=port, mon_port=mon_port, store=store, bytes=size,
                            fsid=fsid))

    def key():
        return base64.b64encode(struct.pack("<HIIH", 1, 0, 0, 16) + os.urandom(16)).decode()
    caps = {
        "mon.": {"mon": "allow *"},
        "client.admin": {"mon": "allow *", "osd": "allow *"},
        "osd.0": {"mon": "allow profile osd", "osd": "allow *"},
        "client.rgw": {"mon": "allow rw", "osd": "allow rwx"},
    }
    text = ""
    for name, entity_caps in caps.items():
        text += f"[{name}]\nkey = {key()}\n"
        text += "".join(f'caps {kind} = "{cap}"\n' for kind, cap in entity_caps.items())
    fd = os.open(os.path.join(dir, "keyring"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)

    def pick(chars, n):
        return "".join(secrets.choice(chars) for _ in range(n))
    print(pick(string.ascii_uppercase + string.digits, 20),
          pick(string.ascii_letters + string.digits, 40))


def join(conf, osd_uuid, mon_pid, timeout):
    import rados

    def mon_alive():
        try:
            with open(f"/proc/{mon_pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] not in "ZX"
        except OSError:
            return False

    deadline = time.monotonic() + timeout
    while True:
        # connect's own timeout does not bound the wait for a monitor that never answers
        cluster = rados.Rados(conffile=conf, name="client.admin",
                              conf={"client_mount_timeout": "2"})
        try:
            cluster.connect()
            break
        except rados.Error as e:
            cluster.shutdown()
            if not mon_alive() or time.monotonic() > deadline:
                sys.exit(f"rgw-cluster.py: no answer from the monitor: {e}")

    errors = []

    def cmd(**c):
        ret, _, err = cluster.mon_command(json.dumps(c), b"", timeout=30)
        if ret != 0:
            errors.append(f"rgw-cluster.py: {c}: {err}")

    cmd(prefix="osd new", uuid=osd_uuid, id=0)
    # placed here: the OSD's own "crush create-or-move" at start would queue behind the pools
    cmd(prefix="osd crush create-or-move", id=0, weight=1.0,
        args=["host=localhost", "root=default"])
    if errors:
        sys.exit("\n".join(errors))
    print("osd", flush=True)

    def pool(name, pgs):
        cmd(prefix="osd pool create", pool=name, pg_num=pgs)
        cmd(prefix="osd pool application enable", pool=name, app="rgw")

    # 8 PGs where the objects and the bucket index go: one PG is one queue in the OSD
    pools = {".rgw.root": 1, "default.rgw.control": 1, "default.rgw.meta": 1,
             "default.rgw.log": 1, "default.rgw.buckets.index": 8,
             "default.rgw.buckets.data": 8, "default.rgw.buckets.non-ec": 1}
    threads = [threading.Thread(target=pool, args=p) for p in pools.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cluster.shutdown()
    sys.exit("\n".join(errors) or None)


if __name__ == "__main__":
    if sys.argv[1:2] == ["files"] and len(sys.argv) == 8:
        files(*sys.argv[2:])
    elif sys.argv[1:2] == ["join"] and len(sys.argv) == 6:
        join(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        sys.exit(__doc__)
