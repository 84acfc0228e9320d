#!/usr/bin/env python3
"""Search over ten years of writing (issue 14): data set B (20,000
experiments and 20,000 urges over ten years, from bench.py) plus 5,000
journal entries of about 200 words, imported, then searched.

Two measures per engine, each over the same queries (every query is run in
turn, `--runs` rounds):
  * a search served: GET /journal/search?q=... from a running app (one
    person's app on SQLite; the same with --postgres);
  * `drawbridge search QUERY --json` as a whole process.

Targets: served <= 20 ms median on SQLite and <= 60 ms on PostgreSQL;
the command <= 30 ms on SQLite.

    python3 bench/search.py [--runs N] [--postgres URL]
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

QUERIES = [
    "stayed",
    "call sister",
    '"reached out"',
    "lonel*",
    "worried -work",
    "tag:family walk",
    "kind:experiment better",
    "coffee from:2020-01-01",
]

# Words journal entries are made of: everyday ones, the app's own themes,
# and rarer ones so that some queries find a few entries and some many.
COMMON = ("i the and to a was it that of in my me she he they we but so not with for on at felt wanted "
          "said when after just about again today tonight still really because then could would").split()
THEMES = ("call sister friend partner mother work dinner walk coffee text message quiet space stayed stay "
          "staying reached out lonely loneliness worried worry tired close closer distance pulled away "
          "hurt safe brave noticed listened answered home weekend evening morning laughed cried").split()
RARE = ("lighthouse harbour violin marmalade orchard glacier cathedral origami lantern meadow").split()
TAGS = ["family", "work", "friends", "partner", "walks", "sleep", "therapy", "weekend"]


def entry_body(rng, words=200):
    out = []
    for _ in range(words):
        r = rng.random()
        out.append(rng.choice(COMMON) if r < 0.62 else rng.choice(THEMES) if r < 0.995 else rng.choice(RARE))
    sentences, i = [], 0
    while i < len(out):
        n = rng.randint(8, 18)
        s = " ".join(out[i:i + n])
        sentences.append(s[0].upper() + s[1:] + ".")
        i += n
    return " ".join(sentences)


def journal(n, years, seed=23):
    rng = random.Random(seed)
    end = datetime.now(timezone.utc)
    start = end - timedelta(days=365 * years)
    span = (end - start).total_seconds()
    times = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(n))
    return [{
        "id": bench.uuid7(int(t.timestamp() * 1000), rng),
        "at": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "body": entry_body(rng),
        "tags": rng.sample(TAGS, rng.randint(0, 2)),
    } for t in times]


def served(data, runs):
    paths = ["/journal/search?" + urllib.parse.urlencode({"q": q}) for q in QUERIES]
    pages = bench.time_pages(paths, runs, data)
    return bench.summary([ms for p in paths for ms in pages[p]])


def command(data, runs):
    samples = []
    for i in range(runs + 2):
        for q in QUERIES:
            t0 = time.perf_counter()
            bench.run(["search", q, "--json"], data=data)
            if i >= 2:
                samples.append((time.perf_counter() - t0) * 1000)
    return bench.summary(samples)


def hits(data):
    return {q: json.loads(bench.run(["search", q, "--json"], data=data).stdout)["total"] for q in QUERIES}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--entries", type=int, default=5_000)
    ap.add_argument("--postgres", metavar="URL")
    a = ap.parse_args()
    print("building the release binary ...", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "-p", "drawbridge"], cwd=bench.ROOT, check=True)
    root = os.path.join(bench.DATA, "search")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    doc = bench.generate_practice(20_000, 20_000, 10)
    doc["version"] = 5
    doc["journal"] = journal(a.entries, 10)
    export = os.path.join(root, "writing.json")
    with open(export, "w") as f:
        json.dump(doc, f)
    engines = [("SQLite", bench.data_dir(os.path.join(root, "sqlite")), 20.0)]
    made = None
    if a.postgres:
        url = bench.pg_database(a.postgres, "drawbridge_bench_search")
        made = "drawbridge_bench_search"
        engines.append(("PostgreSQL", bench.data_dir(os.path.join(root, "pg"), url), 60.0))
    missed = []
    try:
        for name, data, target in engines:
            print(f"{name}: importing ...", file=sys.stderr)
            t0 = time.perf_counter()
            bench.run(["import", export], data=data)
            print(f"{name}: import took {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            t0 = time.perf_counter()
            found = hits(data)
            first = time.perf_counter() - t0
            s = served(data, a.runs)
            c = command(data, a.runs)
            print(f"\n{name}: {a.entries} journal entries of ~200 words plus data set B; "
                  f"{len(QUERIES)} queries x {a.runs} runs")
            print("  hits: " + ", ".join(f"{q!r} {n}" for q, n in found.items()))
            print(f"  the {len(QUERIES)} queries once, first after the import (SQLite indexes then): {first:.2f} s")
            ok = s["median_ms"] <= target
            print(f"  search served   median {s['median_ms']:>7} ms  p90 {s['p90_ms']:>7} ms  "
                  f"{'met' if ok else 'MISSED'}: <= {target} ms")
            if not ok:
                missed.append(f"served ({name})")
            line = f"  drawbridge search median {c['median_ms']:>6} ms  p90 {c['p90_ms']:>7} ms"
            if name == "SQLite":
                ok = c["median_ms"] <= 30.0
                line += f"  {'met' if ok else 'MISSED'}: <= 30 ms"
                if not ok:
                    missed.append("command (SQLite)")
            print(line)
    finally:
        if made:
            subprocess.run(["psql", "-X", "-q", "-d", a.postgres, "-c", f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)'],
                           capture_output=True)
    if missed:
        print(f"{len(missed)} missed: {', '.join(missed)}")
        sys.exit(1)
    print("every target met")


if __name__ == "__main__":
    main()
