"""Re-index timings with the generation protocol: full index, unchanged re-index, one edit.

Run from the repo root: ``python benchmarks/reindex.py [--synthetic N]``. Uses the real
embedder on the bundled corpus; ``--synthetic N`` adds a run over N generated paragraphs with
the test stand-in embedder (store cost only). Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from index import offline  # noqa: E402,F401
from index.config import BUNDLED_CORPUS  # noqa: E402
from index.embed import Embedder  # noqa: E402
from index.store import ArticleStore  # noqa: E402
from rag.config import Settings  # noqa: E402


def measure(label: str, store: ArticleStore, corpus: Path, runs: int = 5) -> None:
    started = time.perf_counter()
    first = store.sync(corpus)
    full = time.perf_counter() - started
    unchanged = []
    for _ in range(runs):
        started = time.perf_counter()
        report = store.sync(corpus)
        unchanged.append(time.perf_counter() - started)
        assert report.embedded_chunks == 0 and not report.changed
    path = sorted(corpus.glob("*.txt"))[0]
    path.write_text(path.read_text(encoding="utf-8").replace(".", " ;).", 1), encoding="utf-8")
    started = time.perf_counter()
    edit = store.sync(corpus)
    one_edit = time.perf_counter() - started
    sys.stdout.write(
        json.dumps(
            {
                "corpus": label,
                "chunks": first.chunks,
                "full_index_s": round(full, 3),
                "unchanged_reindex_s": sorted(round(x, 3) for x in unchanged),
                "one_paragraph_edit_s": round(one_edit, 3),
                "one_edit_embedded_chunks": edit.embedded_chunks,
            }
        )
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=int, default=0, help="paragraphs (stand-in embedder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        shutil.copytree(BUNDLED_CORPUS, corpus)
        settings = Settings(data_dir=root / "data", corpus_dir=corpus)
        real = ArticleStore(settings, Embedder.from_settings(settings))
        measure("bundled (real e5)", real, corpus)
        if args.synthetic:
            from crashkit import hash_embedder

            rng = random.Random(0)
            words = [f"w{i}" for i in range(2000)]
            big = root / "big"
            big.mkdir()
            per_file = 50
            for n in range(args.synthetic // per_file):
                blocks = [" ".join(rng.choices(words, k=40)) + "." for _ in range(per_file)]
                (big / f"a{n:04d}.txt").write_text("\n\n".join(blocks), encoding="utf-8")
            store = ArticleStore(Settings(data_dir=root / "data2", corpus_dir=big), hash_embedder())
            measure(f"synthetic {args.synthetic} paragraphs (stand-in)", store, big)


if __name__ == "__main__":
    main()
