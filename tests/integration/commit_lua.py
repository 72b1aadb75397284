"""commit_lua.py -- the contract of consumers/commit.lua, on a real Redis.

The matcher's C side (cb_step_writes.c) writes its commits as runs "op key m
args"; this checks the script's side of that contract on its own: every
opcode applies, a stale version writes nothing, and a malformed list is
refused before its first write (a script is not rolled back when it fails
half way).

usage: commit_lua.py COMMIT_LUA REDIS_PORT
"""
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


def main():
    source, port = sys.argv[1], int(sys.argv[2])
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
