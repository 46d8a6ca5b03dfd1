"""One full evaluation run and its outputs: latest.json, latest.md and latest.png.

::

    from evals.report import run_all
    report = run_all(Assistant(), out_dir=Path("evals/reports"))
    report["metrics"]["recall@5"], report["baseline"]["gain"]["recall@5"]
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.baseline import evaluate_baseline
from evals.core import (
    DEFAULT_GOLD,
    DEFAULT_PAIRS,
    DEFAULT_THRESHOLDS,
    EvalRun,
    check_thresholds,
    evaluate,
    judge_accuracy,
    load_questions,
    load_thresholds,
)
from evals.injection import check_corpus_injection
from rag import Assistant, SupportJudge

DEFAULT_OUT = Path(__file__).resolve().parent / "reports"
REPO = Path(__file__).resolve().parent.parent
# Metrics shown first, in this order (the rest follow).
HEADLINE = (
    "recall@1", "recall@3", "recall@5", "recall@10", "mrr", "citation_recall",
    "citation_precision", "citation_hit", "hallucinated_ids", "fact_accuracy", "answer_correct",
    "wrong_answer_rate", "false_refusal_rate", "refusal_accuracy", "injection_resistance",
    "corpus_injection_ok", "pass_rate", "judge_accuracy", "judge_precision", "judge_recall",
    "latency_p50_ms", "latency_p95_ms", "cold_start_s", "eval_seconds",
)  # fmt: skip
COMPARED = ("recall@1", "recall@3", "recall@5", "recall@10", "mrr")
Stage = Callable[[float, str], None]


def git_commit(repo: Path = REPO) -> str:
    """Short commit id of the working tree (``+dirty`` when it has changes), or ``unknown``."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True,
            check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo,
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def run_all(
    assistant: Assistant,
    *,
    gold: Path = DEFAULT_GOLD,
    pairs: Path = DEFAULT_PAIRS,
    thresholds: Path = DEFAULT_THRESHOLDS,
    out_dir: Path | None = DEFAULT_OUT,
    baseline: bool = True,
    cold_start_s: float | None = None,
    stage: Stage | None = None,
) -> dict[str, Any]:
    """Evaluate, compare with the LangChain baseline, judge the judge, write the report.

    Args:
        assistant: The system under test, on its current index.
        gold: Gold set (JSON lines).
        pairs: The support judge's hand-labelled pairs.
        thresholds: Bars per metric (TOML).
        out_dir: Where latest.json/.md/.png go; None = write nothing.
        baseline: Also run the plain LangChain pipeline.
        cold_start_s: Seconds from nothing to the first answer, when the caller measured it.
        stage: Called as ``stage(fraction_done, message)`` as the run advances.

    Returns:
        The report dict (what latest.json holds).
    """
    started = time.perf_counter()
    say = stage or (lambda _f, _m: None)
    items = load_questions(gold)
    judge = SupportJudge(assistant.embedder, assistant.settings)
    say(0.0, "asking the gold questions")
    run = evaluate(
        assistant,
        items,
        judge=judge,
        progress=lambda done, total, ident: say(0.8 * done / total, f"{done}/{total} {ident}"),
    )
    say(0.8, "checking the support judge")
    judged = judge_accuracy(judge, pairs)
    run.metrics.update(judged.metrics())
    say(0.83, "corpus injection check")
    injection = check_corpus_injection(assistant.embedder, assistant.settings)
    run.metrics["corpus_injection_ok"] = float(injection.passed)
    base: dict[str, Any] | None = None
    if baseline:
        say(0.86, "LangChain baseline")
        lc = evaluate_baseline(assistant.embedder, assistant.settings.corpus_dir, items)
        gain = {
            m: (run.metrics[m] / lc.metrics[m] if lc.metrics.get(m) else None)
            for m in COMPARED
            if m in run.metrics
        }
        base = {"metrics": lc.metrics, "gain": gain}
    if cold_start_s is not None:
        run.metrics["cold_start_s"] = cold_start_s
    run.metrics["eval_seconds"] = time.perf_counter() - started
    bars = load_thresholds(thresholds)
    report = {
        "commit": git_commit(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "embedder": assistant.embedder.name,
        "settings": json.loads(assistant.settings.model_dump_json()),
        "gold": str(gold),
        "items": len(items),
        "articles": len({r.article_id for r in assistant.retriever.lexical().records}),
        "metrics": ordered(run.metrics),
        "by_kind": run.by_kind,
        "baseline": base,
        "judge": asdict(judged),
        "corpus_injection": asdict(injection) | {"passed": injection.passed},
        "thresholds": bars,
        "missed": check_thresholds(run.metrics, bars),
        "failures": run.to_dict()["failures"],
        "results": [asdict(i) for i in run.items],
    }
    if out_dir is not None:
        say(0.95, "writing the report")
        write_report(report, run, out_dir)
    say(1.0, "done")
    return report


def ordered(metrics: dict[str, float]) -> dict[str, float]:
    """Headline metrics first, in a fixed order."""
    first = {k: metrics[k] for k in HEADLINE if k in metrics}
    return first | {k: v for k, v in metrics.items() if k not in first}


def fmt(value: float | None, name: str = "") -> str:
    """A metric for humans: ms/s with one decimal, counts as integers, ratios with three."""
    if value is None:
        return "–"
    if name.endswith(("_ms", "_s", "_seconds")):
        return f"{value:.1f}"
    if name in ("n", "hallucinated_ids", "chunks") or name.startswith("context_chars"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def bar_of(name: str, bars: dict[str, dict[str, float]]) -> str:
    """``≥ 0.95`` / ``≤ 0`` / empty."""
    if name in bars.get("min", {}):
        return f"≥ {bars['min'][name]}"
    if name in bars.get("max", {}):
        return f"≤ {bars['max'][name]}"
    return ""


KIND_COLUMNS = (
    "n", "recall@5", "mrr", "citation_precision", "citation_hit", "fact_accuracy",
    "false_refusal_rate", "refusal_accuracy", "pass_rate", "latency_p50_ms",
)  # fmt: skip


def markdown(report: dict[str, Any]) -> str:
    """latest.md."""
    bars = report["thresholds"]
    lines = [
        "# Evaluation report",
        "",
        f"- commit `{report['commit']}`, {report['date']}",
        f"- embedder `{report['embedder']}`; {report['articles']} articles indexed; "
        f"{report['items']} gold items (`{Path(report['gold']).name}`)",
        "- settings: "
        + ", ".join(
            f"`{k}={v}`"
            for k, v in report["settings"].items()
            if k not in ("host", "port", "corpus_dir", "data_dir", "chroma_path")
        ),
        "- thresholds: "
        + ("all met" if not report["missed"] else "MISSED: " + "; ".join(report["missed"])),
        "",
        "## Metrics",
        "",
        "| metric | value | bar |",
        "|---|---:|---|",
    ]
    lines += [
        f"| {name} | {fmt(value, name)} | {bar_of(name, bars)} |"
        for name, value in report["metrics"].items()
    ]
    lines += ["", "## By kind", "", "| kind | " + " | ".join(KIND_COLUMNS) + " |"]
    lines += ["|---|" + "---:|" * len(KIND_COLUMNS)]
    for kind, values in report["by_kind"].items():
        cells = [fmt(values.get(c), c) for c in KIND_COLUMNS]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    if report.get("baseline"):
        base = report["baseline"]
        lines += [
            "",
            "## Ours vs a plain LangChain pipeline",
            "",
            "RecursiveCharacterTextSplitter(1000/200) → same embedder → Chroma → top-k chunks, "
            "mapped to the paragraphs they overlap (paragraph-level, same gold set).",
            "",
            "| metric | ours | LangChain | gain |",
            "|---|---:|---:|---:|",
        ]
        for name in COMPARED:
            gain = base["gain"].get(name)
            lines.append(
                f"| {name} | {fmt(report['metrics'].get(name))} | "
                f"{fmt(base['metrics'].get(name))} | {f'×{gain:.2f}' if gain else '–'} |"
            )
        lines += [
            "",
            f"Baseline chunk-level recall@5 (any gold paragraph inside the top-5 chunks, "
            f"~{fmt(base['metrics'].get('context_chars@5'), 'context_chars@5')} characters of "
            f"context): {fmt(base['metrics'].get('chunk_recall@5'))}.",
        ]
    judge = report["judge"]
    lines += [
        "",
        "## Support judge",
        "",
        f"{judge['n']} hand-labelled sentence–paragraph pairs: accuracy "
        f"{judge['accuracy']:.3f}, precision {judge['precision']:.3f}, recall "
        f"{judge['recall']:.3f}.",
    ]
    lines += [
        f"- `{e['id']}` (label {'supported' if e['label'] else 'unsupported'}, judge: "
        f"{e['verdict']}): {e['sentence']}"
        for e in judge["errors"]
    ]
    inj = report["corpus_injection"]
    lines += [
        "",
        "## Corpus injection",
        "",
        f"{'passed' if inj['passed'] else 'FAILED: ' + '; '.join(inj['problems'])} — "
        f"answer: {inj['answer']!r}",
        "",
        f"## Failures ({len(report['failures'])})",
        "",
    ]
    for failure in report["failures"]:
        lines += [
            f"### {failure['id']} ({failure['kind']})",
            "",
            f"- question: {failure['question']}",
            f"- problems: {'; '.join(failure['problems'])}",
            f"- expected: {', '.join(failure['expected']) or '(refusal)'}",
            f"- cited: {', '.join(failure['cited']) or '(none)'}",
            "- answer:",
            "",
            *[f"  > {line}" for line in failure["answer"].splitlines()],
            "",
        ]
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], run: EvalRun, path: Path) -> None:
    """latest.png: metrics by kind, ours vs baseline recall, latency distribution."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        1, 3, figsize=(17, 5.5), gridspec_kw={"width_ratios": [3, 1.4, 1.4]}
    )
    kinds = list(report["by_kind"])
    shown = (
        "recall@5", "citation_precision", "fact_accuracy", "refusal_accuracy",
        "injection_resistance", "pass_rate",
    )  # fmt: skip
    width = 0.8 / len(shown)
    for j, name in enumerate(shown):
        values = [report["by_kind"][k].get(name, float("nan")) for k in kinds]
        axes[0].bar([i + j * width for i in range(len(kinds))], values, width, label=name)
    axes[0].set_xticks([i + 0.4 - width / 2 for i in range(len(kinds))])
    axes[0].set_xticklabels(
        [f"{k}\n(n={report['by_kind'][k]['n']:.0f})" for k in kinds], fontsize=8
    )
    axes[0].set_ylim(0, 1.05)
    axes[0].set_title("Metrics by kind")
    axes[0].legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=len(shown))
    if report.get("baseline"):
        names = list(COMPARED)
        ours = [report["metrics"][n] for n in names]
        theirs = [report["baseline"]["metrics"][n] for n in names]
        xs = range(len(names))
        axes[1].bar([x - 0.2 for x in xs], ours, 0.4, label="ours")
        axes[1].bar([x + 0.2 for x in xs], theirs, 0.4, label="LangChain 1000/200")
        axes[1].set_xticks(list(xs))
        axes[1].set_xticklabels(names, fontsize=8, rotation=30)
        axes[1].set_ylim(0, 1.05)
        axes[1].legend(fontsize=7)
    axes[1].set_title("Paragraph retrieval")
    latencies = [1000 * i.seconds for i in run.items]
    axes[2].hist(latencies, bins=20, color="tab:gray")
    for q, style in ((0.5, "--"), (0.95, ":")):
        value = report["metrics"].get(f"latency_p{int(q * 100)}_ms")
        if value is not None:
            axes[2].axvline(value, linestyle=style, color="black", label=f"p{int(q * 100)}")
    axes[2].set_title("Latency per question (ms)")
    axes[2].legend(fontsize=7)
    figure.suptitle(f"commit {report['commit']} · {report['embedder']} · {report['date']}")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def write_report(report: dict[str, Any], run: EvalRun, out_dir: Path) -> None:
    """Write latest.json, latest.md and latest.png into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (out_dir / "latest.md").write_text(markdown(report), encoding="utf-8")
    plot(report, run, out_dir / "latest.png")
