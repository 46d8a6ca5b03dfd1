"""The Evaluation tab: mounted in a real Gradio app, run through gradio_client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import free_port

from evals.ui import evaluation_tab, failures_markdown, load_report, metric_rows, summary_markdown


@pytest.mark.unit
def test_views_without_a_report(tmp_path: Path) -> None:
    assert load_report(tmp_path) is None
    assert "No evaluation report yet" in summary_markdown(None)
    assert metric_rows(None) == [] and failures_markdown(None) == ""
    (tmp_path / "latest.json").write_text("{not json", encoding="utf-8")
    assert load_report(tmp_path) is None


@pytest.mark.integration
def test_tab_runs_the_evaluation_through_the_api(assistant: Any, tmp_path: Path) -> None:
    import gradio as gr  # here, not at module level: the unit test above needs no gradio
    from gradio_client import Client

    with gr.Blocks() as demo, gr.Tab("Evaluation"):
        evaluation_tab(assistant, out_dir=tmp_path)
    port = free_port()
    demo.queue().launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, ssr_mode=False
    )
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=False)
        summary, metrics, kinds, plot, failures = client.predict(api_name="/run_evaluation")
    finally:
        demo.close()
    report = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert f"commit `{report['commit']}`" in summary
    rows = {row[0]: row for row in metrics["data"]}
    assert rows["recall@5"][1] == f"{report['metrics']['recall@5']:.3f}"
    assert rows["recall@5"][3] == f"{report['baseline']['metrics']['recall@5']:.3f}"
    assert [row[0] for row in kinds["data"]] == list(report["by_kind"])
    assert plot is not None
    for failure in report["failures"]:
        assert failure["id"] in failures
    # A fresh tab shows the saved report without running anything.
    assert metric_rows(load_report(tmp_path)) == [[str(c) for c in r] for r in metrics["data"]]
