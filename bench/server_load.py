#!/usr/bin/env python3
"""drawbridge server load benchmark: `serve --server` on PostgreSQL, many
accounts, a fixed request rate.

Usage: python3 bench/server_load.py --postgres URL [--quick] [--accounts N]
                                    [--sessions N] [--rate R] [--seconds S]

URL names a PostgreSQL server where this user may create databases
(drawbridge_load is made, and dropped at the end).

1. Builds the release binary and the floor (crates/web/examples/hello.rs: an
   axum route that answers "hello" and nothing else).
2. Starts `drawbridge serve --server` (sign-up by invitation, JSON request
   logs), invites N people with `drawbridge admin invite` and makes their
   accounts (1,000; --quick 100), each with a year of generated data (1,000
   urges and 150 experiments, a different seed each), made through the app:
   sign-up with the invitation, then Settings' import, so every record goes
   through the store and is sealed with that account's key.
3. Signs in as many of them (200; --quick 50) and sends a fixed rate of
   requests (300 a second, for 20 seconds; --quick 10) over keep-alive
   connections on loopback, open loop: each request is due at its own time,
   and its latency counts from then, so a slow answer delays no later one's
   clock. The mix: Today 40%, the ledger 40%, logging an urge 20%, each as a
   random one of the signed-in people.
4. Sends the same rate to the floor, in the same run.
5. Reports throughput and p50/p99 latency for the mix and each kind, beside
   the floor, and Today's median time inside the server (from its request
   log). Targets on a 2-core machine: p99 <= 25 ms for the mix; Today's
   median server time <= 5 ms. Writes bench/data/server_load.json and exits 1
   when a target is missed.

The load generator is this script (asyncio, raw HTTP/1.1): neither wrk (no
fixed rate) nor oha is needed, and the floor, measured by the same client
through the same loopback, shows what the client itself costs.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the data generators and PostgreSQL helpers)

ROOT = bench.ROOT
DATA = os.path.join(ROOT, "bench", "data")
BIN = bench.BIN
HELLO = os.path.join(ROOT, "target", "release", "examples", "hello")
PASSWORD = "a long walk by the harbour"
TARGET_P99_MS = 25.0
TARGET_TODAY_SERVER_MS = 5.0


def request(port, method, path, headers=(), body=b""):
    """One request on its own connection (set-up only): (status, headers, body)."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}"}
    h.update(dict(headers))
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace"))
    c.close()
    return out


def csrf_of(html):
    at = html.index('name="csrf" value="') + 19
    return html[at:at + 64]


def invitations(work, n):
    """n one-time invitation tokens, made as an operator makes them."""
    tokens = []
    for _ in range(n):
        out = subprocess.run([BIN, "--data-dir", work, "admin", "invite"], env=bench.env(),
                             capture_output=True, text=True, check=True).stdout
        link = next(line for line in out.splitlines() if "invite=" in line)
        tokens.append(urllib.parse.parse_qs(urllib.parse.urlsplit(link.strip()).query)["invite"][0])
    return tokens


def make_account(port, i, invite):
    """Sign up person i with an invitation, import a year of their data; seconds."""
    t0 = time.perf_counter()
    form = urllib.parse.urlencode({"invite": invite, "name": f"person{i}", "password": PASSWORD, "again": PASSWORD})
    status, headers, body = request(port, "POST", "/sign-up", [("Content-Type", "application/x-www-form-urlencoded")], form.encode())
    if status != 200:
        raise SystemExit(f"sign-up {i} answered {status}: {body[:300]}")
    cookie = headers["set-cookie"].split(";")[0]
    status, _, page = request(port, "GET", "/settings", [("Cookie", cookie)])
    csrf = csrf_of(page)
    doc = bench.generate_practice(150, 1000, 1, seed=1000 + i)
    data = json.dumps(doc).encode()
    boundary = "----drawbridge-load"
    upload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
              f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"e.json\"\r\n"
              "Content-Type: application/json\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    status, _, body = request(port, "POST", "/account/import",
                              [("Cookie", cookie), ("Content-Type", f"multipart/form-data; boundary={boundary}")], upload)
    if status != 200 or "Added" not in body:
        raise SystemExit(f"import {i} answered {status}: {body[:300]}")
    return time.perf_counter() - t0


def sign_in(port, i):
    form = urllib.parse.urlencode({"name": f"person{i}", "password": PASSWORD})
    status, headers, body = request(port, "POST", "/login", [("Content-Type", "application/x-www-form-urlencoded")], form.encode())
    if status != 303:
        raise SystemExit(f"log-in {i} answered {status}: {body[:300]}")
    cookie = headers["set-cookie"].split(";")[0]
    _, _, page = request(port, "GET", "/", [("Cookie", cookie)])
    return cookie, csrf_of(page)


class Pool:
    """Keep-alive connections to one server, lent one request at a time."""

    def __init__(self, port):
        self.port = port
        self.idle = []

    async def lend(self):
        if self.idle:
            return self.idle.pop()
        return await asyncio.open_connection("127.0.0.1", self.port)

    def give_back(self, conn):
        self.idle.append(conn)

    async def send(self, raw):
        reader, writer = await self.lend()
        writer.write(raw)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        if length:
            await reader.readexactly(length)
        self.give_back((reader, writer))
        return status


async def open_loop(port, rate, seconds, make):
    """Send `rate` requests a second for `seconds`, each due at its own time;
    returns [(kind, status, latency ms from when it was due)]."""
    pool = Pool(port)
    total = int(rate * seconds)
    results = []
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2

    async def one(k):
        due = start + k / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        kind, raw = make(k)
        try:
            status = await pool.send(raw)
        except (OSError, asyncio.IncompleteReadError) as e:
            status = f"error: {e}"
        results.append((kind, status, (loop.time() - due) * 1000))

    await asyncio.gather(*(one(k) for k in range(total)))
    for _, w in pool.idle:
        w.close()
    return results, loop.time() - start


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def stats(rows):
    ms = [r[2] for r in rows]
    return {"requests": len(ms), "p50_ms": round(pct(ms, 50), 2), "p99_ms": round(pct(ms, 99), 2), "max_ms": round(max(ms), 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--postgres", metavar="URL", required=True)
    ap.add_argument("--quick", action="store_true", help="100 accounts, 50 signed in, 10 seconds")
    ap.add_argument("--accounts", type=int)
    ap.add_argument("--sessions", type=int)
    ap.add_argument("--rate", type=float, default=300.0)
    ap.add_argument("--seconds", type=float)
    a = ap.parse_args()
    n_accounts = a.accounts or (100 if a.quick else 1000)
    n_sessions = min(n_accounts, a.sessions or (50 if a.quick else 200))
    seconds = a.seconds or (10.0 if a.quick else 20.0)

    print("building the release binary and the floor ...", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "-p", "drawbridge"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "-p", "drawbridge-web", "--example", "hello"], cwd=ROOT, check=True)
    os.makedirs(DATA, exist_ok=True)
    url = bench.pg_database(a.postgres, "drawbridge_load")
    work = tempfile.mkdtemp(prefix="drawbridge-load-")
    with open(os.path.join(work, "drawbridge.toml"), "w") as f:
        f.write(f"database_url = {json.dumps(url)}\nsession_idle_minutes = 600\n")
    log_path = os.path.join(work, "requests.log")
    env = bench.env()
    env["DRAWBRIDGE_LOG"] = "info"
    server = subprocess.Popen([BIN, "--data-dir", work, "--log-format", "json", "serve", "--server", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=open(log_path, "w"), env=env, text=True)
    hello = None
    try:
        port = int(server.stdout.readline().strip().split(":")[-1].split("/")[0])
        print(f"inviting {n_accounts} people ...", file=sys.stderr)
        tokens = invitations(work, n_accounts)
        print(f"making {n_accounts} accounts with a year of data each ...", file=sys.stderr)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as ex:
            made = list(ex.map(lambda i: make_account(port, i, tokens[i]), range(n_accounts)))
        setup_s = time.perf_counter() - t0
        print(f"  {setup_s:.0f} s ({statistics.median(made):.2f} s an account, median)", file=sys.stderr)
        rng = random.Random(3)
        people = [sign_in(port, i) for i in rng.sample(range(n_accounts), n_sessions)]

        host = f"127.0.0.1:{port}"

        def make(k):
            r = random.Random(k)
            cookie, csrf = people[r.randrange(len(people))]
            kind = r.choices(["today", "ledger", "urge"], [40, 40, 20])[0]
            base = f"Host: {host}\r\nCookie: {cookie}\r\n"
            if kind == "today":
                return kind, f"GET / HTTP/1.1\r\n{base}\r\n".encode()
            if kind == "ledger":
                return kind, f"GET /ledger HTTP/1.1\r\n{base}\r\n".encode()
            body = f"csrf={csrf}&kind={r.choice(bench.KINDS)}"
            return kind, (f"POST /urges HTTP/1.1\r\n{base}Origin: http://{host}\r\n"
                          f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode()

        # A short warm-up, not counted.
        asyncio.run(open_loop(port, 50, 2, make))
        mark = os.path.getsize(log_path)
        print(f"load: {a.rate:.0f} requests a second for {seconds:.0f} s, as {n_sessions} people ...", file=sys.stderr)
        rows, took = asyncio.run(open_loop(port, a.rate, seconds, make))

        hello = subprocess.Popen([HELLO], stdout=subprocess.PIPE, text=True)
        hport = int(hello.stdout.readline().strip().split(":")[-1].split("/")[0])
        hraw = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{hport}\r\n\r\n".encode()
        asyncio.run(open_loop(hport, 50, 2, lambda k: ("floor", hraw)))
        floor_rows, floor_took = asyncio.run(open_loop(hport, a.rate, seconds, lambda k: ("floor", hraw)))
    finally:
        server.terminate()
        server.wait()
        if hello:
            hello.terminate()
            hello.wait()

    bad = [r for r in rows if not (isinstance(r[1], int) and r[1] in (200, 303))]
    today_server = []
    with open(log_path) as f:
        f.seek(mark)
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            fields = e.get("fields", e)
            if fields.get("route") == "/" and fields.get("method") == "GET":
                today_server.append(float(fields["ms"]))
    mix = stats(rows)
    result = {
        "accounts": n_accounts,
        "records_an_account": 1150,
        "setup_seconds": round(setup_s, 1),
        "signed_in": n_sessions,
        "rate": a.rate,
        "seconds": seconds,
        "throughput": round(len(rows) / took, 1),
        "errors": len(bad),
        "mix": mix,
        "by_kind": {k: stats([r for r in rows if r[0] == k]) for k in ("today", "ledger", "urge")},
        "floor": dict(stats(floor_rows), throughput=round(len(floor_rows) / floor_took, 1)),
        "today_server_median_ms": round(statistics.median(today_server), 2) if today_server else None,
        "today_server_p99_ms": round(pct(today_server, 99), 2) if today_server else None,
    }
    with open(os.path.join(DATA, "server_load.json"), "w") as f:
        json.dump(result, f, indent=2)

    print(f"\n{n_accounts} accounts, {n_sessions} signed in, {a.rate:.0f}/s for {seconds:.0f} s; "
          f"achieved {result['throughput']}/s, {len(bad)} errors")
    print(f"{'':14} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, s in [("mix", mix)] + list(result["by_kind"].items()) + [("floor (hello)", result["floor"])]:
        print(f"{name:14} {s['p50_ms']:8.2f} {s['p99_ms']:8.2f} {s['max_ms']:8.2f}")
    print(f"Today inside the server: median {result['today_server_median_ms']} ms, p99 {result['today_server_p99_ms']} ms")
    missed = []
    if bad:
        missed.append(f"{len(bad)} requests failed, first: {bad[0]}")
    if mix["p99_ms"] > TARGET_P99_MS:
        missed.append(f"p99 {mix['p99_ms']} ms > {TARGET_P99_MS} ms")
    if result["today_server_median_ms"] is None or result["today_server_median_ms"] > TARGET_TODAY_SERVER_MS:
        missed.append(f"Today's median server time {result['today_server_median_ms']} ms > {TARGET_TODAY_SERVER_MS} ms")
    for m in missed:
        print("MISSED:", m)
    print("all targets met" if not missed else "", end="\n" if not missed else "")
    subprocess.run(["psql", "-X", "-q", "-d", a.postgres, "-c", 'DROP DATABASE IF EXISTS "drawbridge_load" WITH (FORCE)'],
                   capture_output=True)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
