"""One full evaluation run and its outputs: latest.json, latest.md and latest.png.

::

    from evals.report import run_all
    report = run_all(Assistant(), out_dir=Path("evals/reports"))
    report["metrics"]["recall@5"], report["baseline"]["gain"]["recall@5"]
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.baseline import evaluate_baseline
from evals.core import (
    DEFAULT_CORPUS_B,
    DEFAULT_GOLD,
    DEFAULT_GOLD_B,
    DEFAULT_PAIRS,
    DEFAULT_THRESHOLDS,
    SPLITS,
    EvalRun,
    ItemResult,
    Progress,
    check_thresholds,
    evaluate,
    judge_accuracy,
    load_questions,
    load_thresholds,
    summarize,
)
from evals.injection import check_corpus_injection
from rag import Assistant, SupportJudge

DEFAULT_OUT = Path(__file__).resolve().parent / "reports"
REPO = Path(__file__).resolve().parent.parent
# Metrics shown first, in this order (the rest follow).
HEADLINE = (
    "fact_accuracy", "fact_accuracy_fr", "fact_accuracy_en", "false_refusal_rate",
    "refusal_accuracy", "answers_all_citations_hold", "cited_paragraphs_hold_answer",
    "hallucinated_ids", "short_answer_rate", "short_answer_accuracy", "answer_sentence_hit",
    "recall@1", "recall@3", "recall@5", "recall@10", "mrr", "citation_recall",
    "citation_quote_validity", "citation_hit", "answer_correct", "wrong_answer_rate",
    "injection_resistance", "corpus_injection_ok", "pass_rate", "judge_accuracy",
    "judge_precision", "judge_recall", "latency_p50_ms", "latency_p95_ms", "cold_start_s",
    "eval_seconds",
)  # fmt: skip
# Columns of the per-split and per-language tables.
SPLIT_COLUMNS = (
    "n", "fact_accuracy", "fact_accuracy_en", "false_refusal_rate", "refusal_accuracy",
    "answers_all_citations_hold", "cited_paragraphs_hold_answer", "hallucinated_ids",
    "short_answer_accuracy", "answer_sentence_hit", "recall@5",
)  # fmt: skip
LANGUAGE_COLUMNS = (
    "n", "fact_accuracy", "false_refusal_rate", "refusal_accuracy", "answers_all_citations_hold",
    "short_answer_accuracy", "answer_sentence_hit", "recall@5",
)  # fmt: skip
SECOND_CORPUS = "corpus_b"
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


def evaluate_second_corpus(
    assistant: Assistant,
    corpus_dir: Path,
    items: list[dict[str, Any]],
    *,
    progress: Progress | None = None,
) -> list[ItemResult]:
    """Index ``corpus_dir`` in a temporary embedded store and ask its gold items there.

    The assistant's settings and embedder are reused; only the corpus, the data dir and the
    store change (never a Chroma server: the system's own collection must stay untouched).
    Every item is marked ``corpus = "corpus_b"`` and ``split = "test"``.
    """
    with tempfile.TemporaryDirectory(prefix="rag-corpus-b-") as tmp:
        settings = assistant.settings.model_copy(
            update={
                "corpus_dir": corpus_dir,
                "data_dir": Path(tmp) / "data",
                "chroma_path": None,
                "chroma_url": None,
                "chroma_host": None,
                "collection": "corpus-b",
            }
        )
        second = Assistant(settings, embedder=assistant.embedder)
        try:
            run = evaluate(
                second,
                [item | {"corpus": SECOND_CORPUS, "split": "test"} for item in items],
                progress=progress,
            )
        finally:
            second.close()
    return run.items


def run_all(
    assistant: Assistant,
    *,
    gold: Path = DEFAULT_GOLD,
    splits: tuple[str, ...] = SPLITS,
    gold_b: Path | None = DEFAULT_GOLD_B,
    corpus_b: Path = DEFAULT_CORPUS_B,
    pairs: Path = DEFAULT_PAIRS,
    thresholds: Path = DEFAULT_THRESHOLDS,
    out_dir: Path | None = DEFAULT_OUT,
    baseline: bool = True,
    cold_start_s: float | None = None,
    stage: Stage | None = None,
) -> dict[str, Any]:
    """Evaluate, compare with the LangChain baseline, judge the judge, write the report.

    Headline metrics, the per-kind table and the bars are measured on held-out items: the
    test split of ``gold`` plus every item of ``gold_b`` over ``corpus_b``. ``by_split`` and
    ``by_language`` give the same metrics per group (``test``, ``corpus_b``, ``train``).

    Args:
        assistant: The system under test, on its current index.
        gold: Gold set (JSON lines) over the assistant's index.
        splits: Which splits of ``gold`` to ask (``("test",)`` for the CI gate).
        gold_b: Gold set of the second corpus; None (or a missing file) = skip it.
        corpus_b: The second corpus's folder, indexed in a temporary store.
        pairs: The support judge's hand-labelled pairs.
        thresholds: Bars per metric (TOML).
        out_dir: Where latest.json/.md/.png go; None = write nothing.
        baseline: Also run the plain LangChain pipeline (on the test split of ``gold``).
        cold_start_s: Seconds from nothing to the first answer, when the caller measured it.
        stage: Called as ``stage(fraction_done, message)`` as the run advances.

    Returns:
        The report dict (what latest.json holds).
    """
    started = time.perf_counter()
    say = stage or (lambda _f, _m: None)
    items = [i for i in load_questions(gold) if i["split"] in splits]
    second: list[dict[str, Any]] = []
    skipped_b = None
    if gold_b is None:
        skipped_b = "not asked"
    elif not gold_b.is_file() or not corpus_b.is_dir():
        skipped_b = f"missing {gold_b if not gold_b.is_file() else corpus_b}"
    else:
        second = load_questions(gold_b, split="test")
    judge = SupportJudge(assistant.embedder, assistant.settings)
    total = len(items) + len(second)
    say(0.0, "asking the gold questions")

    def progress(offset: int) -> Progress:
        return lambda done, _n, ident: say(
            0.8 * (offset + done) / total, f"{offset + done}/{total} {ident}"
        )

    run = evaluate(assistant, items, judge=judge, progress=progress(0))
    results = run.items
    if second:
        say(0.8 * len(items) / total, "indexing the second corpus")
        results += evaluate_second_corpus(
            assistant, corpus_b, second, progress=progress(len(items))
        )
        run = summarize(results)
    say(0.8, "checking the support judge")
    judged = judge_accuracy(judge, pairs)
    run.metrics.update(judged.metrics())
    say(0.83, "corpus injection check")
    injection = check_corpus_injection(assistant.embedder, assistant.settings)
    run.metrics["corpus_injection_ok"] = float(injection.passed)
    base: dict[str, Any] | None = None
    if baseline:
        say(0.86, "LangChain baseline")
        held_out = [i for i in items if i["split"] == "test"]
        # The baseline answers the same questions as the headline: held-out items when any.
        on_main = held_out if held_out or second else items
        runs = [
            (evaluate_baseline(assistant.embedder, folder, asked).metrics, len(scored))
            for folder, asked in ((assistant.settings.corpus_dir, on_main), (corpus_b, second))
            if (scored := [i for i in asked if i.get("gold")])
        ]
        if runs:
            ours = {m: run.metrics[m] for m in COMPARED if m in run.metrics}
            merged = merge_baseline_metrics(runs)
            base = {
                "split": run.scope,
                "ours": ours,
                "metrics": merged,
                "gain": {m: (v / merged[m] if merged.get(m) else None) for m, v in ours.items()},
            }
    if cold_start_s is not None:
        run.metrics["cold_start_s"] = cold_start_s
    run.metrics["eval_seconds"] = time.perf_counter() - started
    bars = load_thresholds(thresholds)
    report = {
        "commit": git_commit(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "embedder": assistant.embedder.name,
        # Whether English questions were read through a translation (README, English questions).
        "question_translation": type(assistant.translator).__name__
        if assistant.translator is not None
        else "none",
        "settings": json.loads(assistant.settings.model_dump_json()),
        "gold": str(gold),
        "gold_b": str(gold_b) if second else None,
        "corpus_b": {"skipped": skipped_b} if skipped_b else {"items": len(second)},
        "splits": list(splits),
        "scope": run.scope,
        "items": total,
        "articles": len({r.article_id for r in assistant.retriever.lexical().records}),
        "metrics": ordered(run.metrics),
        "by_kind": run.by_kind,
        "by_split": run.by_split,
        "by_language": run.by_language,
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


def merge_baseline_metrics(runs: list[tuple[dict[str, float], int]]) -> dict[str, float]:
    """One set of baseline metrics from runs over several corpora, each with its item count.

    Ratios, means and the median latency are weighted by items; ``chunks`` and ``index_s``
    add up.
    """
    if len(runs) == 1:
        return dict(runs[0][0])
    total = sum(n for _, n in runs)
    merged: dict[str, float] = {}
    for name in runs[0][0]:
        values = [(metrics[name], n) for metrics, n in runs if name in metrics]
        if name in ("chunks", "index_s"):
            merged[name] = sum(v for v, _ in values)
        else:
            merged[name] = sum(v * n for v, n in values) / max(sum(n for _, n in values), 1)
    merged["n"] = float(total)
    return merged


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
    "n", "recall@5", "mrr", "answers_all_citations_hold", "citation_hit", "fact_accuracy",
    "false_refusal_rate", "refusal_accuracy", "pass_rate", "latency_p50_ms",
)  # fmt: skip
# What the new and renamed metrics mean, for the report (the rest are in the README).
DEFINITIONS = {
    "cited_paragraphs_hold_answer": "share of the distinct paragraphs cited by answered "
    "answerable items that hold the answer: a gold paragraph, or one that states every key "
    "fact and against which the support judge accepts one of the item's answer sentences",
    "answers_all_citations_hold": "answered answerable items whose every cited paragraph "
    "holds the answer (issue 13 aim ≥ 0.90)",
    "citation_quote_validity": "ALCE citation precision (was `citation_precision`): citations "
    "whose paragraph alone supports the sentence they follow; 1.0 by construction for quotes",
    "short_answer_rate / short_answer_accuracy": "answered answerable items carrying a "
    "`short_answer`; short answers stating a key fact and citing a paragraph that holds it",
    "answer_sentence_hit": "answerable items whose answer quotes one of their "
    "`answer_sentences` (refusal = miss)",
    "fact_accuracy_fr / fact_accuracy_en": "fact accuracy on French / English questions",
}


def markdown(report: dict[str, Any]) -> str:
    """latest.md."""
    bars = report["thresholds"]
    lines = [
        "# Evaluation report",
        "",
        f"- commit `{report['commit']}`, {report['date']}",
        f"- embedder `{report['embedder']}`; {report['articles']} articles indexed; "
        f"{report['items']} gold items (`{Path(report['gold']).name}`, splits "
        f"{'+'.join(report['splits'])}"
        + (
            f"; `{Path(report['gold_b']).name}` over `corpus_b`)"
            if report.get("gold_b")
            else f"; second corpus skipped: {report['corpus_b'].get('skipped')})"
        ),
        f"- **headline metrics, bars and the per-kind table: {report['scope']}**",
        f"- question translation: {report.get('question_translation', 'none')} "
        "(apertium when installed; English questions read better with it)",
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
    lines += ["", "Definitions:", ""]
    lines += [f"- `{name}`: {meaning}" for name, meaning in DEFINITIONS.items()]
    lines += [
        "",
        "## By split",
        "",
        "`test` and `corpus_b` are held out; `train` items may "
        "have been used to fit the reader or a threshold.",
        "",
    ]
    lines += table("split", SPLIT_COLUMNS, report["by_split"])
    for group, languages in report["by_language"].items():
        lines += ["", f"## By language — {group}", ""]
        lines += table("language", LANGUAGE_COLUMNS, languages)
    lines += ["", "## By kind (held out)", "", "| kind | " + " | ".join(KIND_COLUMNS) + " |"]
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
            "mapped to the paragraphs they overlap (paragraph-level, same questions: "
            f"{base.get('split', 'the whole gold set')}).",
            "",
            "| metric | ours | LangChain | gain |",
            "|---|---:|---:|---:|",
        ]
        for name in COMPARED:
            gain = base["gain"].get(name)
            lines.append(
                f"| {name} | {fmt(base.get('ours', report['metrics']).get(name))} | "
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
            f"- split: {failure.get('split', 'test')}"
            + (f" ({failure['corpus']})" if failure.get("corpus", "bundled") != "bundled" else ""),
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


def table(label: str, columns: tuple[str, ...], rows: dict[str, dict[str, float]]) -> list[str]:
    """A markdown table with one row per key of ``rows``."""
    lines = [f"| {label} | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for name, values in rows.items():
        lines.append(f"| {name} | " + " | ".join(fmt(values.get(c), c) for c in columns) + " |")
    return lines


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
        "recall@5", "answers_all_citations_hold", "fact_accuracy", "refusal_accuracy",
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
    axes[0].set_title("Metrics by kind (held out)")
    axes[0].legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=len(shown))
    if report.get("baseline"):
        names = list(COMPARED)
        ours = [report["baseline"].get("ours", report["metrics"])[n] for n in names]
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
