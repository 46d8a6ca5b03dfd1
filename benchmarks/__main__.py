"""``python -m benchmarks``: ours vs a plain LangChain pipeline at several corpus sizes.

Each side runs in its own process per size (so peak memory is its own); results go to
``benchmarks/results/latest.json`` and ``latest.md`` and the table is printed. See
benchmarks/README.md for what is measured and what is synthetic.
"""

from __future__ import annotations

import compileall
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from index import offline  # noqa: F401  (offline env before heavy imports)

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
QUESTION = "Qui a rencontré Dmitriev à Miami ?"


def _worker(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.worker", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"worker {args[:1]} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - started
    return result


def _cold(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of a fresh process answering one question (interpreter start included)."""
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"cold start {command} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def compile_sources() -> None:
    """Write the bytecode of the project's packages, as any run after a user's first does.

    Python writes ``__pycache__`` on first import unless ``PYTHONDONTWRITEBYTECODE`` is set
    (as in some sandboxes and containers); without it every cold start would compile our
    ~100 modules again (~0.4 s here) while the installed libraries' bytecode is already there.
    """
    for package in ("rag", "index", "benchmarks"):
        compileall.compile_dir(ROOT / package, quiet=1)


def run_size(
    size: int, root: Path, backend: str, real_max: int, rounds: int, langchain: bool, ours: bool
) -> dict[str, Any]:
    from benchmarks.corpus import write_corpus
    from index.config import BUNDLED_CORPUS

    work = root / f"size-{size}"
    (work / "ours").mkdir(parents=True, exist_ok=True)
    (work / "ours" / "models").symlink_to(root / "models", target_is_directory=True)
    if size == 66:
        corpus = BUNDLED_CORPUS
    else:
        corpus = work / "corpus"
        write_corpus(corpus, size)
    vectors = "real" if size <= real_max else "synthetic"
    common = [str(corpus), str(work), "--vectors", vectors, "--rounds", str(rounds)]
    row: dict[str, Any] = {"size": size, "vectors": vectors}
    if ours:
        typer.echo(f"[{size}] ours ({backend}, {vectors} vectors)...", err=True)
        row["ours"] = _worker(["ours", *common, "--backend", backend])
        env = {
            "RAG_DATA_DIR": str(work / "ours"),
            "RAG_CORPUS_DIR": str(corpus),
            "RAG_EMBED_BACKEND": backend,
            "RAG_AUTO_INDEX": "false",
        }
        ask = [sys.executable, "-m", "rag", "ask", QUESTION, "--json"]
        row["ours"]["cold_start_s"] = _cold(ask, env)
        if size == 66 and backend != "torch":
            row["ours"]["cold_start_torch_s"] = _cold(ask, {**env, "RAG_EMBED_BACKEND": "torch"})
    if langchain:
        typer.echo(f"[{size}] langchain...", err=True)
        row["langchain"] = _worker(["langchain", *common])
        cold = [sys.executable, "-m", "benchmarks.worker", "cold-langchain", str(corpus), str(work)]
        row["langchain"]["cold_start_s"] = _cold(cold, {})
    shutil.rmtree(work, ignore_errors=True)
    return row


def _ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None or theirs == 0:
        return ""
    return f" ({ours / theirs:.2f}×)"


def markdown(report: dict[str, Any]) -> str:
    """The results as a markdown table: one column per size, ``ours / theirs (ratio)``."""
    rows = report["runs"]

    def get(run: dict[str, Any], side: str, *path: str) -> float | None:
        value: Any = run.get(side)
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return float(value)

    def throughput(run: dict[str, Any], side: str) -> float | None:
        seconds = get(run, side, "ingest_s")
        count = get(run, side, "corpus_paragraphs")
        return count / seconds if seconds and count else None

    metrics: list[tuple[str, tuple[str, ...], str]] = [
        ("ingest throughput (paragraphs/s)", ("throughput",), "{:.1f}"),
        ("ingest wall time (s)", ("ingest_s",), "{:.1f}"),
        ("ingest CPU time (s)", ("ingest_cpu_s",), "{:.1f}"),
        ("peak memory during ingest (MB RSS)", ("peak_rss_ingest_mb",), "{:.0f}"),
        (
            "peak memory of the bf16 embedding child (MB RSS)",
            ("peak_rss_embed_child_mb",),
            "{:.0f}",
        ),
        ("peak memory after queries (MB RSS)", ("peak_rss_mb",), "{:.0f}"),
        ("re-index unchanged corpus (s)", ("reindex_s",), "{:.2f}"),
        ("warm retrieval p50 (ms)", ("retrieval", "p50_ms"), "{:.0f}"),
        ("warm retrieval p95 (ms)", ("retrieval", "p95_ms"), "{:.0f}"),
        ("warm full answer p50 (ms)", ("answer", "p50_ms"), "{:.0f}"),
        ("warm full answer p95 (ms)", ("answer", "p95_ms"), "{:.0f}"),
        ("floor: query embedding + ANN p50 (ms)", ("floor", "p50_ms"), "{:.0f}"),
        ("query embedding alone p50 (ms)", ("query_embed", "p50_ms"), "{:.0f}"),
        ("cold start to first answer (s)", ("cold_start_s",), "{:.1f}"),
        ("BM25 build, once per revision (s)", ("bm25_build_s",), "{:.1f}"),
        ("BM25 load from disk, memory-mapped (s)", ("bm25_load_s",), "{:.2f}"),
        ("reader annotations, once per revision (s)", ("annotate_s",), "{:.1f}"),
        ("sentences annotated for the reader", ("annotated_sentences",), "{:,.0f}"),
        ("sentence vectors at ingest (s, inside ingest)", ("sentence_vectors_s",), "{:.1f}"),
        ("embedding model load (s)", ("model_load_s",), "{:.1f}"),
    ]

    def value(run: dict[str, Any], side: str, path: tuple[str, ...]) -> float | None:
        return throughput(run, side) if path == ("throughput",) else get(run, side, *path)

    head = (
        "| metric | " + " | ".join(f"{r['size']:,} ¶ ({r['vectors']} vectors)" for r in rows) + " |"
    )
    lines = [head, "|---|" + "---|" * len(rows)]
    lines.append(
        "| our embedding backend | "
        + " | ".join(str(r.get("ours", {}).get("backend", "")) for r in rows)
        + " |"
    )
    for label, path, fmt in metrics:
        cells = []
        for run in rows:
            ours, theirs = value(run, "ours", path), value(run, "langchain", path)
            if ours is None and theirs is None:
                cells.append("")
                continue
            text = fmt.format(ours) if ours is not None else "–"
            if theirs is not None:
                text += " / " + fmt.format(theirs) + _ratio(ours, theirs)
            cells.append(text)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    meta = report["meta"]
    lines.append("")
    lines.append(
        "Cells: ours / LangChain (ours ÷ theirs). LangChain: HuggingFaceEmbeddings (torch) on "
        "the same model folder. "
        f"{meta['cpus']} CPUs, load average {meta['load_before']} before and "
        f"{meta['load_after']} after the run; {meta['date']}."
    )
    torch_colds = [r.get("ours", {}).get("cold_start_torch_s") for r in rows]
    torch_cold = next((c for c in torch_colds if c is not None), None)
    if torch_cold is not None:
        lines.append(f"Cold start of ours with the torch backend at 66 ¶: {torch_cold:.1f} s.")
    return "\n".join(lines) + "\n"


def merged(out: Path) -> dict[str, Any]:
    """Every ``sizes-*.json`` of ``out`` in one report (the newest run of each size wins)."""
    runs: dict[int, dict[str, Any]] = {}
    metas: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(out.glob("sizes-*.json"), key=lambda p: p.stat().st_mtime):
        report = json.loads(path.read_text(encoding="utf-8"))
        label = ", ".join(f"{int(run['size']):,}" for run in report["runs"])
        metas.append((label, report["meta"]))
        for run in report["runs"]:
            run["meta"] = report["meta"]
            runs.setdefault(int(run["size"]), {}).update(run)  # sides may come from two runs
    used = {id(run["meta"]) for run in runs.values()}
    shown = [(label, m) for label, m in metas if id(m) in used]  # runs no size still comes from
    meta = dict(metas[-1][1])
    meta["load_before"] = "; ".join(f"{label} ¶: {m['load_before']}" for label, m in shown)
    meta["load_after"] = "; ".join(f"{label} ¶: {m['load_after']}" for label, m in shown)
    return {"meta": meta, "runs": [runs[size] for size in sorted(runs)]}


@app.command()
def main(
    sizes: Annotated[str, typer.Option(help="Comma-separated paragraph counts.")] = (
        "66,1000,10000,100000"
    ),
    backend: Annotated[str, typer.Option(help="Our embedding backend.")] = "auto",
    real_max: Annotated[
        int, typer.Option(help="Largest size embedded for real; above, synthetic vectors.")
    ] = 1000,
    rounds: Annotated[int, typer.Option(help="Passes over the 57 questions.")] = 1,
    langchain: Annotated[bool, typer.Option(help="Run the LangChain side.")] = True,
    ours: Annotated[bool, typer.Option(help="Run our side.")] = True,
    out: Annotated[Path, typer.Option(help="Where latest.json / latest.md go.")] = RESULTS,
    models: Annotated[
        Path | None,
        typer.Option(help="Reuse this models folder (converted e5, ONNX exports) of a data dir."),
    ] = None,
) -> None:
    """Run the benchmark and write JSON + markdown."""
    from index.e5_convert import build_e5_model

    root = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    load_before = os.getloadavg()
    try:
        if models is not None:
            (root / "models").symlink_to(models.resolve(), target_is_directory=True)
        build_e5_model(root / "models" / "multilingual-e5-small")
        compile_sources()
        runs = []
        for size in (int(s) for s in sizes.split(",")):
            runs.append(run_size(size, root, backend, real_max, rounds, langchain, ours))
            partial = {"meta": {}, "runs": runs}
            (root / "partial.json").write_text(json.dumps(partial), encoding="utf-8")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report = {
        "meta": {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "backend": backend,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_before": " ".join(f"{x:.1f}" for x in load_before),
            "load_after": " ".join(f"{x:.1f}" for x in os.getloadavg()),
            "rounds": rounds,
            "real_max": real_max,
            "bytecode": "compiled before the cold starts (compileall rag index benchmarks)",
        },
        "runs": runs,
    }
    out.mkdir(parents=True, exist_ok=True)
    name = sizes.replace(",", "-") + ("" if langchain and ours else "-ours" if ours else "-lc")
    (out / f"sizes-{name}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    report = merged(out)
    (out / "latest.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    table = markdown(report)
    (out / "latest.md").write_text(table, encoding="utf-8")
    try:
        from benchmarks.plot import plot_latency

        plot_latency(report, out / "latency.png")
    except ImportError:  # matplotlib missing: the table is the result
        pass
    typer.echo(table)


if __name__ == "__main__":
    app()
