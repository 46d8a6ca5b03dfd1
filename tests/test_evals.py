"""The evaluation: gold-set sanity, the CI gate on evals/thresholds.toml, CLI options."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evals.core import (
    DEFAULT_GOLD,
    DEFAULT_PAIRS,
    check_thresholds,
    facts_present,
    judge_accuracy,
    load_questions,
    load_questions_pairs,
    load_thresholds,
)
from index.config import BUNDLED_CORPUS, Settings
from index.parse import load_corpus
from rag.support import SupportJudge

PARAGRAPHS = {
    f"{a.article_id}:{p.paragraph}": p
    for a in load_corpus(BUNDLED_CORPUS).articles
    for p in a.paragraphs
}
MINIMUMS = {
    "fr-single": 80, "en-cross": 45, "multi": 25, "disagree": 6, "unanswerable": 40,
    "offtopic": 6, "followup": 20, "injection": 5,
}  # fmt: skip
GOLD = load_questions(DEFAULT_GOLD)


@pytest.mark.unit
def test_gold_set_has_every_kind_in_number() -> None:
    counts = Counter(item["kind"] for item in GOLD)
    assert len(GOLD) >= 80
    for kind, minimum in MINIMUMS.items():
        assert counts[kind] >= minimum, (kind, counts[kind])
    assert len({item["id"] for item in GOLD}) == len(GOLD)
    assert all(item.get("history") for item in GOLD if item["kind"] == "followup")
    assert {item["language"] for item in GOLD} == {"fr", "en"}


@pytest.mark.unit
@pytest.mark.parametrize("item", [i for i in GOLD if i["answerable"]], ids=lambda i: i["id"])
def test_gold_paragraphs_exist_and_hold_the_facts(item: dict[str, Any]) -> None:
    """Every gold paragraph is citable, and the facts are stated in the gold paragraphs."""
    assert item["facts"], "an answerable item needs facts"
    for ref in item["gold"]:
        assert ref in PARAGRAPHS and PARAGRAPHS[ref].is_content, ref
    union = "\n".join(PARAGRAPHS[ref].text for ref in item["gold"])
    assert facts_present(union, item["facts"]), item["facts"]


@pytest.mark.unit
def test_unanswerable_items_have_no_gold() -> None:
    for item in GOLD:
        if not item["answerable"]:
            assert item["gold"] == [] and item["kind"] in ("unanswerable", "offtopic", "injection")


@pytest.mark.unit
def test_support_pairs_are_labelled_both_ways() -> None:
    pairs = load_questions_pairs(DEFAULT_PAIRS)
    labels = Counter(p["supported"] for p in pairs)
    assert len(pairs) >= 40 and labels[True] >= 15 and labels[False] >= 15


@pytest.mark.unit
def test_thresholds_check_reports_misses() -> None:
    bars: dict[str, dict[str, float]] = {"min": {"recall@5": 0.95}, "max": {"hallucinated_ids": 0}}
    assert check_thresholds({"recall@5": 0.96, "hallucinated_ids": 0}, bars) == []
    missed = check_thresholds({"recall@5": 0.9, "hallucinated_ids": 2}, bars)
    assert missed == ["recall@5 = 0.9 < 0.95", "hallucinated_ids = 2 > 0"]
    assert check_thresholds({}, bars)[0].startswith("recall@5 = None")


@pytest.mark.integration
def test_judge_accuracy_on_the_labelled_pairs(embedder: Any) -> None:
    judged = judge_accuracy(SupportJudge(embedder, Settings()))
    bars = load_thresholds()["min"]
    assert judged.accuracy >= bars["judge_accuracy"], judged.errors
    assert judged.precision >= bars["judge_precision"], judged.errors


@pytest.mark.integration
def test_eval_on_the_bundled_corpus_meets_every_bar(assistant: Any, tmp_path: Path) -> None:
    """The CI gate: run the whole evaluation and fail when a metric misses its bar."""
    from evals.report import run_all

    report = run_all(assistant, out_dir=tmp_path)
    assert report["missed"] == [], report["missed"]
    assert report["metrics"]["hallucinated_ids"] == 0
    assert report["baseline"]["gain"]["recall@5"] > 1.0
    assert set(report["by_kind"]) == set(MINIMUMS)
    saved = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert saved["metrics"] == report["metrics"] and saved["commit"]
    text = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert "## By kind" in text and "LangChain" in text and "## Failures" in text
    assert (tmp_path / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report["corpus_injection"]["passed"], report["corpus_injection"]


@pytest.mark.unit
def test_cli_rejects_bad_overrides_before_loading_anything() -> None:
    from evals.__main__ import app

    runner = CliRunner()
    result = runner.invoke(app, ["--set", "no_such_knob=1"])
    assert result.exit_code == 2 and "unknown setting 'no_such_knob'" in result.output
    result = runner.invoke(app, ["--set", "k_answer"])
    assert result.exit_code == 2 and "KEY=VALUE" in result.output
    result = runner.invoke(app, ["--set", "k_answer=zero"])
    assert result.exit_code == 2 and "k_answer" in result.output
    result = runner.invoke(app, ["--generator", "no_such_generator"])
    assert result.exit_code == 2 and "generator" in result.output


@pytest.mark.unit
def test_cli_reports_a_bad_gold_file_before_loading_the_model(tmp_path: Path) -> None:
    from evals.__main__ import app

    runner = CliRunner()
    result = runner.invoke(app, ["--gold", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2 and "missing.jsonl" in result.output
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "a", "question": "q", "kind": "x", "answerable": true}\n')
    result = runner.invoke(app, ["--gold", str(broken)])
    assert result.exit_code == 2 and "needs gold paragraphs" in result.output


@pytest.mark.unit
def test_cli_overrides_are_parsed() -> None:
    from evals.__main__ import parse_overrides

    assert parse_overrides(["k_answer=8", "MIN-SUPPORT=0.9"], None) == {
        "k_answer": "8",
        "min_support": "0.9",
    }
    assert parse_overrides(["generator=openai"], "extractive") == {"generator": "extractive"}
