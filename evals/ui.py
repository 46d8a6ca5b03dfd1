"""The chat app's "Evaluation" tab: the latest report and a button that re-runs it.

Built inside the caller's current Gradio context (a ``gr.Tab`` of the app)::

    import gradio as gr
    from evals.ui import evaluation_tab

    with gr.Blocks() as demo:
        with gr.Tab("Chat"):
            ...
        with gr.Tab("Evaluation"):
            evaluation_tab(assistant)

The button runs the whole evaluation on the assistant's current index (so a user who added
articles sees whether answers stay grounded) with a progress bar, then shows the new report;
it is also the ``/run_evaluation`` API endpoint.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from evals.report import DEFAULT_OUT, bar_of, fmt, run_all
from rag import Assistant

MAX_SOURCE_CHARS = 600


def load_report(out_dir: Path = DEFAULT_OUT) -> dict[str, Any] | None:
    """The report of the last run (``latest.json``), or None when there is none yet."""
    path = out_dir / "latest.json"
    if not path.exists():
        return None
    try:
        report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return report


def summary_markdown(report: dict[str, Any] | None) -> str:
    """Header: commit, date, thresholds verdict, baseline gain."""
    if report is None:
        return "No evaluation report yet: press **Run the evaluation**."
    verdict = (
        "✅ every metric meets its bar"
        if not report["missed"]
        else "❌ bars missed: " + "; ".join(f"`{m}`" for m in report["missed"])
    )
    lines = [
        f"**Last run** {report['date']} · commit `{report['commit']}` · embedder "
        f"`{report['embedder']}` · {report['articles']} articles · {report['items']} questions",
        "",
        verdict,
    ]
    base = report.get("baseline")
    if base:
        gain = base["gain"].get("recall@5")
        lines += [
            "",
            f"Paragraph recall@5 {fmt(base.get('ours', report['metrics']).get('recall@5'))} vs "
            f"{fmt(base['metrics'].get('recall@5'))} for a plain LangChain pipeline"
            + (f" (×{gain:.2f})." if gain else "."),
        ]
    return "\n".join(lines)


def metric_rows(report: dict[str, Any] | None) -> list[list[str]]:
    """Rows ``[metric, value, bar, LangChain]`` for the metrics table."""
    if report is None:
        return []
    base = (report.get("baseline") or {}).get("metrics", {})
    compared = {"recall@1", "recall@3", "recall@5", "recall@10", "mrr"}
    return [
        [
            name,
            fmt(value, name),
            bar_of(name, report["thresholds"]),
            fmt(base[name], name) if name in compared and name in base else "",
        ]
        for name, value in report["metrics"].items()
    ]


def kind_rows(report: dict[str, Any] | None) -> list[list[str]]:
    """Rows of the per-kind table."""
    from evals.report import KIND_COLUMNS

    if report is None:
        return []
    return [
        [kind, *[fmt(values.get(c), c) for c in KIND_COLUMNS]]
        for kind, values in report["by_kind"].items()
    ]


def failures_markdown(report: dict[str, Any] | None) -> str:
    """Each failed item with its problems, expected and cited paragraphs, answer and sources."""
    if report is None:
        return ""
    failures = report["failures"]
    if not failures:
        return "### Failures\nNone."
    parts = [f"### Failures ({len(failures)})"]
    for failure in failures:
        sources = "".join(
            f"<blockquote><b>{escape(s['ref'])}</b> {escape(s['title'])}<br>"
            f"{escape(s['text'][:MAX_SOURCE_CHARS])}</blockquote>"
            for s in failure.get("sources", [])
        )
        parts.append(
            f"<details><summary><b>{escape(failure['id'])}</b> ({escape(failure['kind'])}): "
            f"{escape('; '.join(failure['problems']))}</summary>\n\n"
            f"**Question:** {escape(failure['question'])}  \n"
            f"**Expected:** {escape(', '.join(failure['expected']) or '(a refusal)')}  \n"
            f"**Cited:** {escape(', '.join(failure['cited']) or '(none)')}  \n"
            f"**Answer:** {escape(failure['answer'])}\n\n"
            f"{sources}\n</details>"
        )
    return "\n\n".join(parts)


def plot_path(report: dict[str, Any] | None, out_dir: Path) -> str | None:
    """The report's PNG, when present."""
    path = out_dir / "latest.png"
    return str(path) if report is not None and path.exists() else None


def evaluation_tab(
    assistant: Assistant, *, out_dir: Path | None = None, runnable: bool = True
) -> None:
    """Build the Evaluation tab's components in the current Gradio context.

    The report is loaded when the page loads (not written into the page's config, which
    anyone can read); until a run writes one to ``out_dir``, the report of ``evals/reports``
    (``python -m evals``) is shown.

    Args:
        assistant: The assistant whose current index is evaluated.
        out_dir: Where runs write their reports; default ``evals/reports``.
        runnable: Whether the tab has the button that runs the evaluation.
    """
    import gradio as gr

    from evals.report import KIND_COLUMNS

    folder = out_dir or DEFAULT_OUT

    def views(report: dict[str, Any] | None, where: Path = folder) -> tuple[Any, ...]:
        return (
            summary_markdown(report),
            metric_rows(report),
            kind_rows(report),
            plot_path(report, where),
            failures_markdown(report),
        )

    def refresh() -> tuple[Any, ...]:
        report = load_report(folder)
        if report is None and folder != DEFAULT_OUT:  # nothing run here yet: the CLI's report
            return views(load_report(DEFAULT_OUT), DEFAULT_OUT)
        return views(report)

    def run(progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        progress(0.0, desc="starting")
        report = run_all(
            assistant, out_dir=folder, stage=lambda done, message: progress(done, desc=message)
        )
        return views(report)

    summary = gr.Markdown(summary_markdown(None))
    button = gr.Button(
        "Run the evaluation on the current index", variant="primary", visible=runnable
    )
    with gr.Row():
        metrics = gr.Dataframe(
            value=[],
            headers=["metric", "value", "bar", "LangChain"],
            label="Metrics",
            interactive=False,
            wrap=True,
        )
        plot = gr.Image(value=None, type="filepath", label="Metrics by kind and latency")
    kinds = gr.Dataframe(
        value=[],
        headers=["kind", *KIND_COLUMNS],
        label="By kind",
        interactive=False,
    )
    failures = gr.Markdown("", sanitize_html=True)
    outputs = [summary, metrics, kinds, plot, failures]
    if runnable:
        button.click(
            run, None, outputs, api_name="run_evaluation", concurrency_limit=1, show_progress="full"
        )
    # A report written by `python -m evals` meanwhile shows up on page reload.
    root = gr.context.Context.root_block
    if root is not None:
        root.load(refresh, None, outputs, api_visibility="private", queue=False)
