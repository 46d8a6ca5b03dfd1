"""The latency plot of a benchmark report: warm retrieval p50 and full-answer p50 against corpus
size (log x), ours and LangChain's. ``python -m benchmarks.plot [RESULTS_DIR]`` redraws it from
``latest.json``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def plot_latency(report: dict[str, Any], out: Path) -> Path:
    """Write the PNG to ``out`` and return it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = sorted(report["runs"], key=lambda r: int(r["size"]))
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    series = [
        ("ours", "retrieval", "ours: warm retrieval p50", "-o"),
        ("ours", "answer", "ours: warm full answer p50", "-s"),
        ("langchain", "retrieval", "LangChain: similarity_search p50", "--o"),
        ("langchain", "answer", "LangChain: search + prompt p50", "--s"),
    ]
    for side, metric, label, style in series:
        points = [
            (int(r["size"]), float(r[side][metric]["p50_ms"]))
            for r in runs
            if isinstance(r.get(side), dict) and metric in r[side]
        ]
        if points:
            ax.plot(*zip(*points, strict=True), style, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("corpus size (numbered paragraphs, log scale)")
    ax.set_ylabel("p50 latency (ms)")
    meta = report.get("meta", {})
    ax.set_title(f"Warm latency, {meta.get('cpus', '?')} CPUs, load {meta.get('load_before', '?')}")
    ax.title.set_fontsize(8)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS
    data = json.loads((folder / "latest.json").read_text(encoding="utf-8"))
    print(plot_latency(data, folder / "latency.png"))
