"""commit_lua.py -- the contract of consumers/commit.lua, on a real Redis.

The matcher's C side (cb_step_writes.c) writes its commits as runs "op key m
args"; this checks the script's side of that contract on its own: every
opcode applies, a stale version writes nothing, and a malformed list is
refused before its first write (a script is not rolled back when it fails
half way).

On a Redis Cluster (--cluster, PORT any master) it checks what the
matcher relies on while a slot moves: a commit that declares its keys
(KEYS[2..]) and meets one already sent to the new node is refused whole
(ASK or TRYAGAIN) before the script runs, and writes nothing.

usage: commit_lua.py COMMIT_LUA REDIS_PORT [--cluster MOVE_SLOT_PY]
"""
import subprocess
import socket
import sys


class Redis:
    """Just enough RESP for the test: commands out, replies in."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("Redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("Redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise ValueError("unexpected reply %r" % line)

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self._reply()


FAILED = []


def check(what, cond):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        FAILED.append(what)


def cluster_main(source, port, move_slot):
    """The half-moved slot: the source MIGRATING, one of two keys already
    on the target, then a commit on the source declaring both."""
    tag = "{commit-lua}"
    v, k1, k2 = ("ctest:%s:%s" % (n, tag) for n in ("v", "a", "b"))
    r = Redis(port)
    slot = r.call("CLUSTER", "KEYSLOT", k1)
    nodes = {}
    for line in r.call("CLUSTER", "NODES").decode().splitlines():
        f = line.split()
        if "master" in f[2] and "fail" not in f[2] and len(f) > 8:
            nodes[f[0]] = (int(f[1].split("@")[0].rsplit(":", 1)[1]),
                           f[8:])
    def serves(ranges):
        for s in ranges:
            a, _, b = s.partition("-")
            if not s.startswith("[") and int(a) <= slot <= int(b or a):
                return True
        return False
    src = next(i for i, (_, rg) in nodes.items() if serves(rg))
    dst = next(i for i in sorted(nodes) if i != src)
    rs, rd = Redis(nodes[src][0]), Redis(nodes[dst][0])
    sha = rs.call("SCRIPT", "LOAD", open(source, "rb").read())

    def commit(version):
        return rs.call("EVALSHA", sha, 3, v, k1, k2, version,
                       "H", k1, 1, "f", "new", "H", k2, 1, "f", "new")

    rs.call("HSET", k1, "f", "old")
    rs.call("HSET", k2, "f", "old")
    check("a commit declaring its keys applies while the slot stays",
          commit("0") == 1 and rs.call("GET", v) == b"1")
    rs.call("HSET", k1, "f", "old")
    rs.call("HSET", k2, "f", "old")
    rd.call("CLUSTER", "SETSLOT", slot, "IMPORTING", src)
    rs.call("CLUSTER", "SETSLOT", slot, "MIGRATING", dst)
    got = rs.call("MIGRATE", "127.0.0.1", nodes[dst][0], "", 0, 5000,
                  "KEYS", k1)
    check("one key sent to the new node", got == "OK")
    got = commit("1")
    check("a commit meeting the moved key is refused as the cluster "
          "moving on (%s)" % got,
          isinstance(got, RuntimeError) and
          str(got).split()[0] in ("ASK", "TRYAGAIN"))
    check("and writes nothing",
          rs.call("HGET", k2, "f") == b"old" and rs.call("GET", v) == b"1")
    # finish the move as a reshard would, so the cluster is whole again
    subprocess.run([sys.executable, move_slot, str(port), k1, "0"],
                   check=True, stdout=subprocess.DEVNULL)
    print("%d failed" % len(FAILED))
    return 1 if FAILED else 0


def main():
    source, port = sys.argv[1], int(sys.argv[2])
    if len(sys.argv) > 4 and sys.argv[3] == "--cluster":
        return cluster_main(source, port, sys.argv[4])
    r = Redis(port)
    r.call("FLUSHALL")
    sha = r.call("SCRIPT", "LOAD", open(source, "rb").read())
    V = "cb:v:{p0}"

    def commit(version, *writes):
        return r.call("EVALSHA", sha, 1, V, version, *writes)

    # every opcode, runs of one and of several writes
    r.call("ZADD", "cb:z:{p0}", 50, "low", 10, "gone")
    got = commit("0",
                 "H", "cb:h:{p0}", 2, "a", "1", "b", "2",
                 "D", "cb:h:{p0}", 1, "b",
                 "Z", "cb:z:{p0}", 2, 5, "x", 7, "y",
                 "L", "cb:z:{p0}", 2, 3, "x", 90, "low",
                 "R", "cb:z:{p0}", 1, "gone",
                 "X", "cb:out:{p0}", 2, "t", "L", "v", "payload")
    check("a good commit returns 1", got == 1)
    check("the version is raised", r.call("GET", V) == b"1")
    check("H and D: one field left",
          r.call("HGETALL", "cb:h:{p0}") == [b"a", b"1"])
    z = r.call("ZRANGE", "cb:z:{p0}", 0, -1, "WITHSCORES")
    check("Z adds, L only lowers, R removes",
          z == [b"x", b"3", b"y", b"7", b"low", b"50"])
    xs = r.call("XRANGE", "cb:out:{p0}", "-", "+")
    check("X adds one entry of its fields",
          len(xs) == 1 and xs[0][1] == [b"t", b"L", b"v", b"payload"])

    # a stale version writes nothing
    got = commit("0", "H", "cb:h:{p0}", 1, "c", "3")
    check("a stale version returns 0", got == 0)
    check("and writes nothing", r.call("HEXISTS", "cb:h:{p0}", "c") == 0)
    check("nor raises the version", r.call("GET", V) == b"1")

    # a long run: 1,000 fields in one call
    args = []
    for i in range(1000):
        args += ["f%d" % i, "v%d" % i]
    got = commit("1", "H", "cb:long:{p0}", 1000, *args)
    check("a run of 2,000 arguments applies",
          got == 1 and r.call("HLEN", "cb:long:{p0}") == 1000)

    # malformed lists: refused before the first write
    good = ["H", "cb:bad:{p0}", 1, "f", "v"]
    bad = {
        "an unknown opcode": ["Q", "cb:bad:{p0}", 1, "f", "v"],
        "a count of 0": ["H", "cb:bad:{p0}", 0],
        "a count not whole": ["D", "cb:bad:{p0}", "1.5", "f", "g"],
        "a count not a number": ["D", "cb:bad:{p0}", "x", "f"],
        "a count past the end": ["H", "cb:bad:{p0}", 3, "f", "v"],
        "a run too long for Lua's stack": ["D", "cb:bad:{p0}", 5000] +
                                          ["f"] * 5000,
        "a write cut short": ["H", "cb:bad:{p0}"],
    }
    for what, writes in bad.items():
        got = commit("2", *(good + writes))
        check("%s is refused" % what,
              isinstance(got, RuntimeError) and "bad write" in str(got))
        check("%s: nothing written" % what,
              r.call("EXISTS", "cb:bad:{p0}") == 0 and
              r.call("GET", V) == b"2")

    print("%d failed" % len(FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
