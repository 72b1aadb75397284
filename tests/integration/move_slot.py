#!/usr/bin/python3
"""move_slot.py PORT KEY [PAUSE] -- moves the Redis Cluster slot of KEY,
keys and all, from the master that serves it to another master, the way
`redis-cli --cluster reshard` moves slots: the target IMPORTING, the
source MIGRATING, the keys sent over with MIGRATE a few at a time (PAUSE
seconds between batches, default 0.05, so that clients meet the slot half
moved: ASK, TRYAGAIN), then every master told the slot's new node (MOVED
from then on).  PORT is any node of the cluster on 127.0.0.1.

Prints "moved slot S (N keys) from PORT to PORT"."""
import subprocess
import sys
import time


def cli(port, *args):
    out = subprocess.run(["redis-cli", "-p", str(port)] + [str(a) for a in args],
                         capture_output=True, text=True, check=True).stdout
    if out.startswith("ERR") or out.startswith("(error)"):
        raise SystemExit("redis-cli -p %s %s: %s" % (port, " ".join(map(str, args)),
                                                      out.strip()))
    return out


def masters(port):
    """id -> (port, [slot ranges]) of the masters that are up."""
    found = {}
    for line in cli(port, "CLUSTER", "NODES").splitlines():
        f = line.split()
        if "master" not in f[2].split(",") or "fail" in f[2]:
            continue
        addr = f[1].split("@")[0]
        ranges = []
        for s in f[8:]:
            if s.startswith("["):
                continue  # a slot already being moved
            a, _, b = s.partition("-")
            ranges.append((int(a), int(b or a)))
        # a node without slots is left out: just after the cluster is
        # made, a node may still call a replica a master
        if ranges:
            found[f[0]] = (int(addr.rsplit(":", 1)[1]), ranges)
    return found


def main():
    port, key = int(sys.argv[1]), sys.argv[2]
    pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.05
    slot = int(cli(port, "CLUSTER", "KEYSLOT", key))
    ms = masters(port)
    src = next(i for i, (_, r) in ms.items()
               if any(a <= slot <= b for a, b in r))
    dst = next(i for i in sorted(ms) if i != src)
    sport, dport = ms[src][0], ms[dst][0]
    cli(dport, "CLUSTER", "SETSLOT", slot, "IMPORTING", src)
    cli(sport, "CLUSTER", "SETSLOT", slot, "MIGRATING", dst)
    moved = 0
    while True:
        keys = cli(sport, "CLUSTER", "GETKEYSINSLOT", slot, 20).split()
        if not keys:
            break
        cli(sport, "MIGRATE", "127.0.0.1", dport, "", 0, 5000, "KEYS", *keys)
        moved += len(keys)
        time.sleep(pause)
    # the target first, then the source, then the others
    for i in [dst, src] + [i for i in ms if i not in (dst, src)]:
        cli(ms[i][0], "CLUSTER", "SETSLOT", slot, "NODE", dst)
    print("moved slot %d (%d keys) from %d to %d" % (slot, moved, sport, dport))


if __name__ == "__main__":
    main()
