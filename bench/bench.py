#!/usr/bin/env python3
"""drawbridge benchmark: whole-process CLI timings, peak memory and page serve
times on generated data sets, key-file mode.

Usage: python3 bench/bench.py [--quick] [--runs N] [--urges N] [--years N]
                              [--experiments N] [--practice-years N]

Data set A (the urge log): five years, 20,000 urges.
Data set B (practice): ten years, 20,000 experiment records and 20,000 urges
(40,000 records), with stage changes, a program run and a quiz result.
--quick: a tenth of the data and 40 runs a command, about a minute.

Builds the release binary, generates each data set as an export file (fixed
seed, so every run measures the same data), imports it into a fresh data
folder under bench/data/, then times each command as a whole process, in turn
with `drawbridge --version` (the floor: starting a process), so each command's
ratio to the floor is taken pair by pair on the same machine state. Peak
memory is the command's own maximum resident set (GNU time's %M). Then it
starts `drawbridge serve`, signs in, and times pages over one keep-alive
connection. Prints a table with each target, writes bench/data/results.json,
and exits 1 when a target is missed. Nothing leaves this machine.
"""

import argparse
import glob
import tomllib
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench", "data")
BIN = os.path.join(ROOT, "target", "release", "drawbridge")

KINDS = ["fight", "busy", "go-quiet", "find-flaw", "delay-reply", "cancel", "deflect", "numb", "leave-first"]
BODY = [None, "racing-heart", "tight-chest", "tense-shoulders", "locked-jaw", "shallow-breath", "stomach", "numb", "other"]
DID = [None, "acted", "paused", "stayed", "third-way"]
WORDS = "evening call message friend partner sister work dinner plans quiet tired wanted space stayed later talk".split()


def uuid7(ms: int, rng: random.Random) -> str:
    """A UUIDv7 for a given millisecond, so ids sort with their times."""
    rand = rng.getrandbits(74)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 62) << 64 | 0b10 << 62 | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def generate(n: int, years: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    end = datetime.now(timezone.utc)
    start = end - timedelta(days=365 * years)
    span = (end - start).total_seconds()
    times = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(n))
    urges = []
    for t in times:
        t = t.replace(microsecond=t.microsecond)
        note = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 20))) if rng.random() < 0.4 else None
        urges.append({
            "id": uuid7(int(t.timestamp() * 1000), rng),
            "at": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "kind": rng.choice(KINDS),
            "intensity": rng.choice([None] + list(range(11))),
            "body": rng.choice(BODY),
            "about": rng.choice([None, "Sam", "my sister", "Alex", "work friend"]),
            "did": rng.choice(DID),
            "note": note,
        })
    return {
        "format": "drawbridge-export",
        "version": 1,
        "exported_at": end.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "settings": {"region": "UK"},
        "urges": urges,
    }


def generate_practice(n_exp: int, n_urges: int, years: int, seed: int = 11) -> dict:
    """Ten years of practice: experiments on the needs gradient, climbing a
    stage every couple of years, with realistic outcomes and learned lines."""
    rng = random.Random(seed)
    doc = generate(n_urges, years, seed)
    lib = {}
    for f in sorted(glob.glob(os.path.join(ROOT, "content", "experiments", "*.toml"))):
        for e in tomllib.load(open(f, "rb"))["experiments"]:
            lib.setdefault(e["stage"], []).append(e["id"])
    end = datetime.now(timezone.utc)
    start = end - timedelta(days=365 * years)
    span = (end - start).total_seconds()
    times = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(n_exp))
    records = []
    for i, t in enumerate(times):
        stage = min(4, 1 + int(4 * i / n_exp))
        done = i < n_exp - 3 or rng.random() < 0.5
        outcome = rng.choices(["as-feared", "better", "worse", "mixed"], [3, 5, 1, 2])[0]
        peak = rng.randint(10, 95)
        day = t.date().isoformat()
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        records.append({
            "id": uuid7(int(t.timestamp() * 1000), rng),
            "created_at": stamp,
            "plan": {"experiment": rng.choice(lib[stage]), "custom": None, "stage": stage, "with_whom": rng.choice([None, "Sam", "Alex"]),
                     "planned_for": day, "prediction": "They will think less of me", "belief_before": rng.randint(40, 95),
                     "want": rng.randint(30, 90), "expect": rng.randint(10, 80)},
            "done_at": stamp if done else None,
            "result": {"what_happened": None, "peak": peak, "after": rng.randint(0, peak), "outcome": outcome, "capacity": rng.randint(20, 100),
                       "learned": rng.choice([None, None, "It went better than my head said"]), "belief_after": rng.randint(5, 90),
                       "flooded": peak > 88} if done else None,
        })
    doc["experiment_records"] = records
    doc["stage_changes"] = [{"at": (start + timedelta(days=365 * k * years / 4)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "from": k, "to": k + 1} for k in range(4)]
    doc["program_runs"] = [{"id": uuid7(int(end.timestamp() * 1000), rng), "program": "connection-7", "started_on": end.date().isoformat(), "entries": []}]
    doc["settings"]["practice.stage"] = "4"
    doc["settings"]["practice.window"] = "75"
    return doc


def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith("DRAWBRIDGE_")}
    e["NO_COLOR"] = "1"
    return e


def run(args, **kw):
    return subprocess.run([BIN, "--data-dir", DATA] + args, env=env(), check=True, capture_output=True, **kw)


def time_pages(paths, runs, data=None):
    server = subprocess.Popen([BIN, "--data-dir", data or DATA, "serve", "--no-open", "--port", "0"], env=env(),
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().strip()
        hostport, rest = url[len("http://"):].split("/", 1)
        host, port = hostport.split(":")
        conn = http.client.HTTPConnection(host, int(port))
        conn.request("GET", "/" + rest)
        r = conn.getresponse()
        r.read()
        cookie = r.getheader("set-cookie").split(";")[0]
        results = {}
        for path in paths:
            samples = []
            for i in range(runs + 20):
                t0 = time.perf_counter()
                conn.request("GET", path, headers={"Cookie": cookie})
                r = conn.getresponse()
                body = r.read()
                dt = (time.perf_counter() - t0) * 1000
                assert r.status == 200, (path, r.status, body[:200])
                if i >= 20:  # warm-up
                    samples.append(dt)
            results[path] = samples
        return results
    finally:
        server.terminate()
        server.wait()



# What each measure must reach (README "Targets"): (median ms, ratio to the
# floor, peak MB); None where the issue sets no bound.
TARGETS = {
    "urge go-quiet": (4.0, 2.5, 12.0),
    "urge go-quiet --note": (6.0, None, None),
    "urges --since <30 days ago> --json": (5.0, None, None),
    "scan of a 600-word text": (10.0, None, None),
    "today --json (B)": (6.0, None, None),
    "ledger --json (B)": (6.0, None, None),
    "GET / (Today, A)": (5.0, None, None),
    "GET / (Today, B)": (5.0, None, None),
    "GET /ledger (B)": (5.0, None, None),
}

NOTE_WORDS = ("evening call message friend partner sister work dinner plans quiet tired wanted space stayed later "
              "talk walk rain coffee laugh worried answer phone late weekend home felt noticed small brave").split()


def spawn(args, data, stdin_path=None):
    """Run one whole process; its wall time in ms. posix_spawn (vfork
    underneath) starts it without copying this Python process."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, stdin_path or os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ]
    t0 = time.perf_counter()
    pid = os.posix_spawn(BIN, [BIN, "--data-dir", data] + args, env(), file_actions=actions)
    _, status = os.waitpid(pid, 0)
    dt = (time.perf_counter() - t0) * 1000
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"drawbridge {' '.join(args)} exited {code}")
    return dt


def time_against_floor(args, data, runs, stdin_path=None):
    """The command and `--version` in turn, runs times each, after a warm-up."""
    spawn(["--version"], data)
    spawn(args, data, stdin_path)
    cmd, floor, ratios = [], [], []
    for _ in range(runs):
        f = spawn(["--version"], data)
        c = spawn(args, data, stdin_path)
        cmd.append(c)
        floor.append(f)
        ratios.append(c / f)
    out = summary(cmd)
    out["floor_ms"] = round(statistics.median(floor), 2)
    out["ratio"] = round(statistics.median(ratios), 2)
    out["peak_mb"] = peak_mb(args, data, stdin_path)
    return out


def peak_mb(args, data, stdin_path=None, runs=5):
    """The command's peak resident memory, from GNU time, which forks from a
    small process: a child spawned from Python would count Python's own pages
    until it execs. None without /usr/bin/time (apt-get install time)."""
    if not os.path.exists("/usr/bin/time"):
        return None
    peaks = []
    for _ in range(runs):
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        r = subprocess.run(["/usr/bin/time", "-f", "%M", BIN, "--data-dir", data] + args, env=env(), stdin=stdin,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
        if stdin_path:
            stdin.close()
        peaks.append(int(r.stderr.strip().splitlines()[-1]) / 1024)
    return round(max(peaks), 1)


def scan_text(path, words=600, seed=5):
    rng = random.Random(seed)
    sentences = []
    n = 0
    while n < words:
        k = rng.randint(6, 16)
        sentences.append(" ".join(rng.choice(NOTE_WORDS) for _ in range(k)).capitalize() + ".")
        n += k
    with open(path, "w") as f:
        f.write(" ".join(sentences) + "\n")


def summary(samples):
    s = sorted(samples)
    return {"median_ms": round(statistics.median(s), 2), "p90_ms": round(s[int(len(s) * 0.9) - 1], 2),
            "min_ms": round(s[0], 2), "runs": len(s)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a tenth of the data and 40 runs a command")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--urges", type=int)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--experiments", type=int)
    ap.add_argument("--practice-years", type=int, default=10)
    a = ap.parse_args()
    scale = 10 if a.quick else 1
    runs = a.runs or (40 if a.quick else 200)
    n_urges = a.urges or 20_000 // scale
    n_exp = a.experiments or 20_000 // scale

    print("building the release binary ...", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "-p", "drawbridge"], cwd=ROOT, check=True)
    shutil.rmtree(DATA, ignore_errors=True)
    os.makedirs(DATA)
    export = os.path.join(DATA, "generated.json")
    with open(export, "w") as f:
        json.dump(generate(n_urges, a.years), f)
    t0 = time.perf_counter()
    run(["import", export])
    import_ms = (time.perf_counter() - t0) * 1000
    since = (datetime.now(timezone.utc) - timedelta(days=30)).date().isoformat()
    in_window = len(json.loads(run(["urges", "--since", since, "--json"]).stdout))
    practice_dir = os.path.join(DATA, "practice")
    os.makedirs(practice_dir)
    pexport = os.path.join(DATA, "practice.json")
    with open(pexport, "w") as f:
        json.dump(generate_practice(n_exp, n_urges, a.practice_years), f)
    subprocess.run([BIN, "--data-dir", practice_dir, "import", pexport], env=env(), check=True, capture_output=True)
    text = os.path.join(DATA, "scan-600-words.txt")
    scan_text(text)

    results = {
        "data": {"quick": a.quick, "runs": runs, "urges": n_urges, "years": a.years, "urges_in_last_30_days": in_window,
                 "import_ms": round(import_ms, 1), "experiments": n_exp, "practice_years": a.practice_years},
    }
    print("timing commands ...", file=sys.stderr)
    results["urge go-quiet"] = time_against_floor(["urge", "go-quiet"], DATA, runs)
    results["urge go-quiet --note"] = time_against_floor(["urge", "go-quiet", "--note", "a hard evening"], DATA, runs)
    results["urges --since <30 days ago> --json"] = time_against_floor(["urges", "--since", since, "--json"], DATA, runs)
    results["scan of a 600-word text"] = time_against_floor(["scan"], DATA, runs, stdin_path=text)
    results["today --json (B)"] = time_against_floor(["today", "--json"], practice_dir, runs)
    results["ledger --json (B)"] = time_against_floor(["ledger", "--json"], practice_dir, runs)
    print("timing pages ...", file=sys.stderr)
    pages = time_pages(["/", "/moments"], runs * 5)
    results["GET / (Today, A)"] = summary(pages["/"])
    results["GET /moments (A)"] = summary(pages["/moments"])
    pages = time_pages(["/", "/ledger"], runs * 5, practice_dir)
    results["GET / (Today, B)"] = summary(pages["/"])
    results["GET /ledger (B)"] = summary(pages["/ledger"])
    results["machine"] = {"cpus": os.cpu_count(), "when": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    with open(os.path.join(DATA, "results.json"), "w") as f:
        json.dump(results, f, indent=2)

    print(f"data A: {n_urges} urges over {a.years} years ({in_window} in the last 30 days); import took {import_ms:.0f} ms")
    print(f"data B: {n_exp} experiments and {n_urges} urges over {a.practice_years} years; {runs} runs a command")
    print(f"{'measure':36} {'median':>9} {'p90':>9} {'floor':>8} {'ratio':>6} {'peak':>8}  target")
    missed = []
    for k, v in results.items():
        if "median_ms" not in v:
            continue
        target = TARGETS.get(k)
        bounds = []
        ok = True
        if target:
            ms, ratio, peak = target
            bounds.append(f"<= {ms} ms")
            ok &= v["median_ms"] <= ms
            if ratio is not None:
                bounds.append(f"<= {ratio}x")
                ok &= v.get("ratio", 0) <= ratio
            if peak is not None:
                bounds.append(f"<= {peak} MB")
                ok &= v.get("peak_mb") is not None and v["peak_mb"] <= peak
            if not ok:
                missed.append(k)
        floor = f"{v['floor_ms']:>5} ms" if "floor_ms" in v else f"{'':8}"
        ratio = f"{v['ratio']:>5}x" if "ratio" in v else f"{'':6}"
        peak = f"{v['peak_mb']:>5} MB" if v.get("peak_mb") is not None else f"{'':8}"
        verdict = ("met: " if ok else "MISSED: ") + ", ".join(bounds) if bounds else ""
        print(f"{k:36} {v['median_ms']:>6} ms {v['p90_ms']:>6} ms {floor} {ratio} {peak}  {verdict}")
    if missed:
        print(f"{len(missed)} target{'s' if len(missed) != 1 else ''} missed: {', '.join(missed)}")
        sys.exit(1)
    print("every target met")


if __name__ == "__main__":
    main()
