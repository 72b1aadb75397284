#!/usr/bin/env python3
"""cutproxy.py -- a TCP proxy that drops connections in the middle of a
stream, for the Redis fault tests (issue 6).

    cutproxy.py LISTEN_PORT_FILE TARGET_PORT CUTS MIN_BYTES MAX_BYTES SEED \
                ARM_FILE

It listens on a free loopback port (written to LISTEN_PORT_FILE once it
listens) and forwards every connection to 127.0.0.1:TARGET_PORT.  It counts
the bytes it forwards, both ways and over all connections, and cuts CUTS
times, each a random MIN_BYTES to MAX_BYTES after the one before: the
connection that carries the byte where a cut falls gets the part of its
chunk up to that byte, so that the server sees half a command or the
client half a reply, and is closed both ways.  Nothing is cut until
ARM_FILE exists (the test creates it once the client is past its start,
which is allowed to fail outright); the first cut falls MIN_BYTES to
MAX_BYTES after that.  After the last cut every byte goes through.  Each cut is printed ("cut N: ...") to stdout, flushed,
for the test to count.

Whatever is cut is where the pipeline must hold: the commands a client
had sent after the cut never run, the replies it waits for never come.
"""
import os
import random
import socket
import sys
import threading


def main():
    port_file, target = sys.argv[1], int(sys.argv[2])
    cuts, lo, hi, seed = (int(a) for a in sys.argv[3:7])
    arm_file = sys.argv[7]
    rng = random.Random(seed)
    lock = threading.Lock()
    # bytes forwarded so far, both ways, all connections; the next cut
    state = {"total": 0, "next": None, "done": 0}

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)

    def serve(client):
        try:
            server = socket.create_connection(("127.0.0.1", target))
        except OSError:
            client.close()
            return
        closed = threading.Event()

        def close_both():
            if closed.is_set():
                return
            closed.set()
            for s in (client, server):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

        def pump(src, dst, way):
            try:
                while not closed.is_set():
                    data = src.recv(65536)
                    if not data:
                        break
                    with lock:
                        if state["next"] is None and os.path.exists(arm_file):
                            state["next"] = state["total"] + rng.randint(lo, hi)
                        room = (state["next"] - state["total"]
                                if state["next"] is not None else len(data) + 1)
                        cut = state["done"] < cuts and len(data) >= room
                        if cut:
                            data = data[:room]
                            state["done"] += 1
                            state["next"] += rng.randint(lo, hi)
                            n = state["done"]
                        state["total"] += len(data)
                    dst.sendall(data)
                    if cut:
                        print("cut %d: after %d bytes in all, %s" %
                              (n, state["total"], way), flush=True)
                        break
            except OSError:
                pass
            close_both()

        threading.Thread(target=pump, args=(client, server, "to the server"),
                         daemon=True).start()
        threading.Thread(target=pump, args=(server, client, "to the client"),
                         daemon=True).start()

    while True:
        c, _ = srv.accept()
        serve(c)


if __name__ == "__main__":
    main()
