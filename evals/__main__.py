"""``python -m evals [QUESTIONS.jsonl]``: score the assistant on a question set."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from index import offline  # noqa: F401  (offline env before heavy imports)

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(
    questions: Annotated[Path | None, typer.Argument(help="JSON-lines question set.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON.")] = False,
) -> None:
    """Run the evaluation on the current index (built from the settings' corpus if empty)."""
    from rich.console import Console
    from rich.table import Table

    from evals.core import DEFAULT_QUESTIONS, evaluate, load_questions
    from rag.assistant import Assistant

    started = time.perf_counter()
    assistant = Assistant()
    cold = time.perf_counter() - started
    report = evaluate(assistant, load_questions(questions or DEFAULT_QUESTIONS))
    report.metrics["cold_start_s"] = cold
    if as_json:
        typer.echo(
            json.dumps(
                {"metrics": report.metrics, "failures": report.failures},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    table = Table(title="Evaluation")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in report.metrics.items():
        table.add_row(name, f"{value:.3f}")
    console = Console()
    console.print(table)
    for failure in report.failures:
        console.print(
            f"[red]✗[/red] {failure['id']}: gold {failure['gold']} cited {failure['cited']}"
        )


app()
