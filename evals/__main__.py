"""``python -m evals``: score the assistant on the gold set and write the report.

Examples::

    python -m evals                                  # bundled gold set, report in evals/reports
    python -m evals --json                           # the report as JSON on stdout
    python -m evals --set k_answer=8 --set min_support=0.9
    python -m evals --generator extractive           # = --set generator=extractive
"""

from __future__ import annotations

import json
import sys
import time
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer

from rag import Assistant, RagError, Settings  # first: sets the offline env

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


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
) -> None:
    """Run the evaluation on the current index (built from the corpus if empty).

    Exits 1 when a metric misses its bar in evals/thresholds.toml.
    """
    from pydantic import ValidationError
    from rich.console import Console

    from evals.core import DEFAULT_GOLD, GoldSetError, load_questions, load_thresholds
    from evals.report import DEFAULT_OUT, run_all

    overrides = parse_overrides(settings_set or [], generator)
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
    "recall@5": "R@5", "mrr": "MRR", "citation_precision": "cit.prec", "citation_hit": "cit.hit",
    "fact_accuracy": "facts", "false_refusal_rate": "false ref.", "refusal_accuracy": "refusal",
    "pass_rate": "pass", "latency_p50_ms": "p50 ms",
}  # fmt: skip


def print_report(report: dict[str, Any], console: Any) -> None:
    """The rich tables: metrics with bars, per kind, baseline, failures."""
    from rich.table import Table

    from evals.report import KIND_COLUMNS, bar_of, fmt

    bars = report["thresholds"]
    missed = {line.split(" ")[0] for line in report["missed"]}
    table = Table(title=f"Evaluation · commit {report['commit']} · {report['embedder']}")
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
    kinds = Table(title="By kind")
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
            f"[red]✗[/red] {failure['id']} ({failure['kind']}): {'; '.join(failure['problems'])}"
            f" — expected {failure['expected']} cited {failure['cited']}",
            markup=True,
            highlight=False,
        )
    if report["missed"]:
        console.print("[red]bars missed:[/red] " + "; ".join(report["missed"]))


if __name__ == "__main__":
    app()
