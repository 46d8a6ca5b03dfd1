"""``python -m evals``: score the assistant on the gold set and write the report.

Examples::

    python -m evals                                  # bundled gold set, report in evals/reports
    python -m evals --json                           # the report as JSON on stdout
    python -m evals --set k_answer=8 --set min_support=0.9
    python -m evals --generator extractive           # = --set generator=extractive
    python -m evals --split test --no-corpus-b       # the test split only (the CI gate's core)

Headline metrics and bars are measured on held-out items: the test split of the gold set plus
the second corpus (``evals/data/gold_b.jsonl`` over ``evals/data/corpus_b/``, indexed in a
temporary store). The report also gives every metric per split and per language.
"""

from __future__ import annotations

import json
import os
import sys
import time
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer

from rag import Assistant, RagError, Settings  # first: sets the offline env

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


EVAL_TRANSLATION_TIMEOUT = 60.0


def parse_overrides(pairs: list[str], generator: str | None) -> dict[str, Any]:
    """``KEY=VALUE`` strings (plus ``--generator``) as Settings keyword arguments.

    Raises:
        typer.BadParameter: malformed pair or unknown setting.
    """
    fields = Settings.model_fields
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or not key:
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--set")
        if key not in fields:
            raise typer.BadParameter(
                f"unknown setting {key!r}; known: {', '.join(sorted(fields))}",
                param_hint="--set",
            )
        overrides[key] = value
    if generator is not None:
        overrides["generator"] = generator
    return overrides


def with_eval_defaults(overrides: dict[str, Any]) -> dict[str, Any]:
    """``overrides`` plus what evaluating changes by default: a translation waits
    ``EVAL_TRANSLATION_TIMEOUT`` per hop (one that times out on a busy machine would change
    answers from run to run), unless ``--set`` or ``RAG_TRANSLATION_TIMEOUT`` says otherwise."""
    if "RAG_TRANSLATION_TIMEOUT" not in os.environ:
        overrides.setdefault("translation_timeout", EVAL_TRANSLATION_TIMEOUT)
    return overrides


@app.command()
def main(
    gold: Annotated[Path | None, typer.Option(help="Gold set (JSON lines).")] = None,
    out: Annotated[Path | None, typer.Option(help="Report folder (latest.json/.md/.png).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    settings_set: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a setting, KEY=VALUE (repeatable)."),
    ] = None,
    generator: Annotated[
        str | None, typer.Option(help="Answer generator (sugar for --set generator=NAME).")
    ] = None,
    baseline: Annotated[bool, typer.Option(help="Also score the plain LangChain pipeline.")] = True,
    data_dir: Annotated[
        Path | None, typer.Option(help="Data dir of the index (default: RAG_DATA_DIR or .rag).")
    ] = None,
    split: Annotated[
        str, typer.Option(help="Splits of the gold set to ask: all, train or test.")
    ] = "all",
    corpus_b: Annotated[
        bool, typer.Option(help="Also index the second corpus and ask its gold set.")
    ] = True,
    gold_b: Annotated[Path | None, typer.Option(help="Second corpus's gold set.")] = None,
    corpus_b_dir: Annotated[Path | None, typer.Option(help="Second corpus's folder.")] = None,
) -> None:
    """Run the evaluation on the current index (built from the corpus if empty).

    Exits 1 when a metric misses its bar in evals/thresholds.toml.
    """
    from pydantic import ValidationError
    from rich.console import Console

    from evals.core import (
        DEFAULT_CORPUS_B,
        DEFAULT_GOLD,
        DEFAULT_GOLD_B,
        SPLITS,
        GoldSetError,
        load_questions,
        load_thresholds,
    )
    from evals.report import DEFAULT_OUT, run_all

    if split not in ("all", *SPLITS):
        raise typer.BadParameter(
            f"expected all, train or test, got {split!r}", param_hint="--split"
        )
    splits = SPLITS if split == "all" else (split,)
    second_gold = (gold_b or DEFAULT_GOLD_B) if corpus_b else None
    second_corpus = corpus_b_dir or DEFAULT_CORPUS_B
    overrides = with_eval_defaults(parse_overrides(settings_set or [], generator))
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    console = Console(stderr=True)
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise typer.BadParameter(str(exc), param_hint="--set") from exc
    gold_path = gold or DEFAULT_GOLD
    try:  # a bad gold set or thresholds file fails before the model is loaded
        load_questions(gold_path)
        if second_gold is not None and (gold_b is not None or second_gold.is_file()):
            load_questions(second_gold)  # asked for by name: must exist
            if not second_corpus.is_dir():
                raise OSError(f"second corpus folder not found: {second_corpus}")
        load_thresholds()
    except (GoldSetError, OSError, tomllib.TOMLDecodeError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    started = time.perf_counter()
    try:
        assistant = Assistant(settings)
        assistant.ask("Quel est le sujet des articles ?")  # first answer = end of cold start
        cold = time.perf_counter() - started
        with console.status("evaluating…") as status:
            report = run_all(
                assistant,
                gold=gold_path,
                splits=splits,
                gold_b=second_gold,
                corpus_b=second_corpus,
                out_dir=out or DEFAULT_OUT,
                baseline=baseline,
                cold_start_s=cold,
                stage=lambda _f, message: status.update(f"evaluating… {message}"),
            )
    except (RagError, GoldSetError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print_report(report, Console(width=None if sys.stdout.isatty() else 150))
        console.print(f"report: {(out or DEFAULT_OUT) / 'latest.md'}")
    if report["missed"]:
        raise typer.Exit(1)


SHORT = {
    "recall@5": "R@5", "mrr": "MRR", "citation_hit": "cit.hit", "fact_accuracy": "facts",
    "fact_accuracy_en": "facts en", "false_refusal_rate": "false ref.",
    "refusal_accuracy": "refusal", "answers_all_citations_hold": "all cit. hold",
    "cited_paragraphs_hold_answer": "cit. hold", "hallucinated_ids": "halluc.",
    "short_answer_accuracy": "short", "answer_sentence_hit": "ans. sent.", "pass_rate": "pass",
    "latency_p50_ms": "p50 ms",
}  # fmt: skip


def print_report(report: dict[str, Any], console: Any) -> None:
    """The rich tables: metrics with bars, per kind, baseline, failures."""
    from rich.table import Table

    from evals.report import KIND_COLUMNS, SPLIT_COLUMNS, bar_of, fmt

    bars = report["thresholds"]
    missed = {line.split(" ")[0] for line in report["missed"]}
    table = Table(
        title=f"Evaluation · commit {report['commit']} · {report['embedder']}",
        caption=f"metrics and bars: {report['scope']}",
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("bar")
    table.add_column("LangChain", justify="right")
    base = (report.get("baseline") or {}).get("metrics", {})
    for name, value in report["metrics"].items():
        style = "red" if name in missed else None
        table.add_row(
            name,
            fmt(value, name),
            bar_of(name, bars),
            fmt(base[name], name) if name in base and name != "latency_p50_ms" else "",
            style=style,
        )
    console.print(table)
    splits = Table(title="By split (test and corpus_b held out)")
    splits.add_column("split")
    for column in SPLIT_COLUMNS:
        splits.add_column(SHORT.get(column, column), justify="right")
    for group, values in report["by_split"].items():
        splits.add_row(group, *[fmt(values.get(c), c) for c in SPLIT_COLUMNS])
    for group, languages in report["by_language"].items():
        for language, values in languages.items():
            splits.add_row(f"{group} · {language}", *[fmt(values.get(c), c) for c in SPLIT_COLUMNS])
    console.print(splits)
    kinds = Table(title="By kind (held out)")
    kinds.add_column("kind")
    for column in KIND_COLUMNS:
        kinds.add_column(SHORT.get(column, column), justify="right")
    for kind, values in report["by_kind"].items():
        kinds.add_row(kind, *[fmt(values.get(c), c) for c in KIND_COLUMNS])
    console.print(kinds)
    if report.get("baseline"):
        gains = ", ".join(
            f"{k} ×{v:.2f}" for k, v in report["baseline"]["gain"].items() if v is not None
        )
        console.print(f"gain over LangChain baseline: {gains}")
    for failure in report["failures"]:
        console.print(
            f"[red]✗[/red] {failure['id']} ({failure['kind']}, {failure.get('split', 'test')}): "
            f"{'; '.join(failure['problems'])}"
            f" — expected {failure['expected']} cited {failure['cited']}",
            markup=True,
            highlight=False,
        )
    if report["missed"]:
        console.print("[red]bars missed:[/red] " + "; ".join(report["missed"]))


if __name__ == "__main__":
    app()
