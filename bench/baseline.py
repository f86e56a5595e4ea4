"""What researchers write today: jieba.lcut on each document, then count the codebook's
Chinese terms per document. Prints throughput in MB/s.

python3 bench/baseline.py CORPUS_DIR CODEBOOK.toml [LIMIT_MB]
"""
import os
import sys
import time
import tomllib
from collections import Counter

import jieba

corpus, codebook = sys.argv[1], sys.argv[2]
limit = float(sys.argv[3]) * 1e6 if len(sys.argv) > 3 else float("inf")
with open(codebook, "rb") as f:
    cb = tomllib.load(f)
terms = {t for c in cb.get("concept", []) for t in c.get("zh", [])}
t0 = time.time()
jieba.initialize()
for t in terms:
    jieba.add_word(t)
paths = sorted(
    os.path.join(d, f) for d, _, fs in os.walk(corpus) for f in fs if f.endswith(".txt")
)
size = docs = refs = 0
for p in paths:
    if size >= limit:
        break
    with open(p, encoding="utf-8") as f:
        text = f.read()
    size += len(text.encode("utf-8"))
    docs += 1
    counts = Counter(w for w in jieba.lcut(text) if w in terms)
    refs += sum(counts.values())
secs = time.time() - t0
print(f"python baseline: {docs} files, {size / 1e6:.1f} MB, {refs} term hits in {secs:.2f} s ({size / 1e6 / secs:.2f} MB/s)")
