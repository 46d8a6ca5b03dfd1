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
from index.config import BUNDLED_CORPUS
from index.parse import load_corpus
from rag.config import Settings
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
    """The CI gate: the test split of the gold set and the second corpus (when present) must
    meet every bar of evals/thresholds.toml; the train split is not asked."""
    from evals.core import DEFAULT_CORPUS_B, DEFAULT_GOLD_B, HELD_OUT, HELD_OUT_TEST
    from evals.report import run_all

    report = run_all(assistant, splits=("test",), out_dir=tmp_path)
    assert report["missed"] == [], report["missed"]
    second = DEFAULT_GOLD_B.is_file() and DEFAULT_CORPUS_B.is_dir()
    assert report["scope"] == (HELD_OUT if second else HELD_OUT_TEST)
    assert report["metrics"]["hallucinated_ids"] == 0
    assert report["baseline"]["gain"]["recall@5"] > 1.0
    assert report["baseline"]["split"] == report["scope"]
    assert report["baseline"]["ours"]["recall@5"] == report["metrics"]["recall@5"]
    test_items = [i for i in GOLD if i["split"] == "test"]
    held_out = test_items + (load_questions(DEFAULT_GOLD_B) if second else [])
    assert report["metrics"]["n"] == len(held_out)
    assert set(report["by_kind"]) == {i["kind"] for i in held_out}
    assert "train" not in report["by_split"] and report["by_split"]["test"]["n"] == len(test_items)
    assert ("corpus_b" in report["by_split"]) == second
    assert all(r["split"] == "test" for r in report["results"])
    saved = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert saved["metrics"] == report["metrics"] and saved["commit"]
    assert saved["by_language"]["test"]["fr"]["n"] > 0
    text = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert "## By kind" in text and "LangChain" in text and "## Failures" in text
    assert "## By split" in text and "answers_all_citations_hold" in text
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
    result = runner.invoke(app, ["--split", "dev"])
    assert result.exit_code == 2 and "expected all, train or test" in result.output
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


@pytest.mark.unit
def test_evals_wait_for_a_slow_translation_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from evals.__main__ import EVAL_TRANSLATION_TIMEOUT, with_eval_defaults
    from rag import Settings

    monkeypatch.delenv("RAG_TRANSLATION_TIMEOUT", raising=False)
    assert Settings().translation_timeout == 2.0  # the product's own default
    waited = Settings(**with_eval_defaults({}))
    assert waited.translation_timeout == EVAL_TRANSLATION_TIMEOUT > 2.0
    assert with_eval_defaults({"translation_timeout": "3"})["translation_timeout"] == "3"
    monkeypatch.setenv("RAG_TRANSLATION_TIMEOUT", "5")
    assert Settings(**with_eval_defaults({})).translation_timeout == 5.0


# --- The metric functions on made-up answers ---------------------------------------------------

PLAN_SENTENCE = "Le plan de paix comprend 28 points, selon Axios."
PLAN_ITEM: dict[str, Any] = {
    "id": "made-up-plan",
    "gold": ["axios:3"],
    "facts": [["28 points"]],
    "answer_sentences": [PLAN_SENTENCE],
}


def made_up_result(
    item_id: str,
    *,
    language: str = "fr",
    answerable: bool = True,
    refused: bool = False,
    facts_ok: bool = False,
    holding: list[str] | None = None,
    not_holding: list[str] | None = None,
    split: str = "test",
    corpus: str = "bundled",
    short_answer_ok: bool | None = None,
    answer_sentence_hit: bool | None = None,
) -> Any:
    from evals.core import ItemResult

    return ItemResult(
        id=item_id, kind="fr-single" if answerable else "unanswerable", language=language,
        question="?", answerable=answerable, gold=["a:1"] if answerable else [], split=split,
        corpus=corpus, refused=refused, facts_ok=facts_ok, holding=holding or [],
        not_holding=not_holding or [], short_answer_ok=short_answer_ok,
        answer_sentence_hit=answer_sentence_hit,
    )  # fmt: skip


@pytest.mark.unit
def test_citation_holding_metrics_count_paragraphs_and_answers() -> None:
    from evals.core import aggregate

    metrics = aggregate(
        [
            made_up_result("all-hold", holding=["a:1", "b:2"], facts_ok=True),
            made_up_result("padded", holding=["a:1"], not_holding=["c:9", "d:4"], facts_ok=True),
            made_up_result("wrong", not_holding=["e:1"], language="en"),
            made_up_result("refused", refused=True, language="en"),
            made_up_result("refused-unanswerable", answerable=False, refused=True),
        ]
    )
    # 3 of the 6 distinct cited paragraphs hold the answer; 1 of 3 answered items is clean.
    assert metrics["cited_paragraphs_hold_answer"] == pytest.approx(3 / 6)
    assert metrics["answers_all_citations_hold"] == pytest.approx(1 / 3)
    assert metrics["fact_accuracy"] == pytest.approx(2 / 4)
    assert metrics["fact_accuracy_fr"] == pytest.approx(1.0)
    assert metrics["fact_accuracy_en"] == 0.0
    assert metrics["false_refusal_rate"] == pytest.approx(1 / 4)
    assert metrics["refusal_accuracy"] == 1.0
    assert "short_answer_accuracy" not in metrics and metrics["short_answer_rate"] == 0.0


@pytest.mark.unit
def test_an_answer_citing_nothing_does_not_count_as_all_citations_hold() -> None:
    from evals.core import aggregate

    metrics = aggregate([made_up_result("uncited"), made_up_result("ok", holding=["a:1"])])
    assert metrics["answers_all_citations_hold"] == pytest.approx(1 / 2)


@pytest.mark.unit
def test_short_answer_and_answer_sentence_rates() -> None:
    from evals.core import aggregate

    metrics = aggregate(
        [
            made_up_result("short-right", short_answer_ok=True, answer_sentence_hit=True),
            made_up_result("short-wrong", short_answer_ok=False, answer_sentence_hit=False),
            made_up_result("no-short", answer_sentence_hit=False),
            made_up_result("no-sentences"),
        ]
    )
    assert metrics["short_answer_rate"] == pytest.approx(2 / 4)
    assert metrics["short_answer_accuracy"] == pytest.approx(1 / 2)
    assert metrics["answer_sentence_hit"] == pytest.approx(1 / 3)


@pytest.mark.unit
def test_summary_headline_is_held_out_only() -> None:
    from evals.core import HELD_OUT, HELD_OUT_SECOND, HELD_OUT_TEST, summarize

    run = summarize(
        [
            made_up_result("train-right", split="train", facts_ok=True, holding=["a:1"]),
            made_up_result("test-wrong", not_holding=["b:1"]),
            made_up_result("b-right", corpus="corpus_b", facts_ok=True, holding=["a:1"]),
            made_up_result("b-en", corpus="corpus_b", language="en", refused=True),
        ]
    )
    assert run.scope == HELD_OUT
    assert summarize(run.items[1:2]).scope == HELD_OUT_TEST
    assert summarize(run.items[2:]).scope == HELD_OUT_SECOND
    assert run.metrics["n"] == 3 and run.metrics["fact_accuracy"] == pytest.approx(1 / 3)
    assert list(run.by_split) == ["held_out", "test", "corpus_b", "train"]
    assert run.by_split["train"]["fact_accuracy"] == 1.0
    assert run.by_split["test"]["answers_all_citations_hold"] == 0.0
    assert run.by_language["corpus_b"]["en"]["false_refusal_rate"] == 1.0
    assert set(run.by_language["train"]) == {"fr"}
    only_train = summarize([made_up_result("t", split="train")])
    assert only_train.scope != HELD_OUT and only_train.metrics["n"] == 1


@pytest.mark.unit
def test_quotes_answer_sentence_ignores_markers_case_and_cut_sentences() -> None:
    from evals.core import answer_sentence_texts, quotes_answer_sentence

    wanted = ["Le plan de paix comprend 28 points, selon Axios."]
    assert quotes_answer_sentence(
        "le plan de paix comprend 28 points selon axios [axios ¶3]", wanted
    )
    # The answerer cut the sentence at the comma: most of it is still quoted.
    assert quotes_answer_sentence("Le plan de paix comprend 28 points. [axios ¶3]", wanted)
    assert not quotes_answer_sentence("Le plan a été discuté à Miami. [axios ¶5]", wanted)
    assert not quotes_answer_sentence("Le plan. [axios ¶3]", wanted)  # too small a piece
    assert not quotes_answer_sentence("", wanted) and not quotes_answer_sentence("x", [])
    assert answer_sentence_texts(
        {"answer_sentences": [{"ref": "a:1", "text": "A."}, "B.", {}]}
    ) == [
        "A.",
        "B.",
    ]


@pytest.mark.unit
def test_short_answer_is_read_from_either_shape_and_absent_is_none() -> None:
    from evals.core import short_answer_correct, short_answer_of

    nested = {"text": "28 points", "citation": {"article_id": "axios", "paragraph": 3}}
    assert short_answer_of({"short_answer": nested}) == ("28 points", "axios:3")
    flat = {"text": "Witkoff", "article_id": "axios", "paragraph": "7"}
    assert short_answer_of({"short_answer": flat}) == ("Witkoff", "axios:7")
    assert short_answer_of({"short_answer": {"text": "avril"}}) == ("avril", None)
    assert short_answer_of({"answer": "…"}) is None
    assert short_answer_of({"short_answer": None}) is None
    assert short_answer_of({"short_answer": {"text": "  "}}) is None
    assert short_answer_correct("« 28 Points »", [["28 points", "vingt-huit points"]])
    assert not short_answer_correct("30 points", [["28 points"]])


@pytest.mark.integration
def test_a_cited_paragraph_holds_the_answer_only_when_it_states_it(embedder: Any) -> None:
    from evals.core import paragraph_holds_answer

    judge = SupportJudge(embedder, Settings())
    other_article = "Selon Axios, le plan de paix comprend 28 points et prévoit un cessez-le-feu."
    assert paragraph_holds_answer("axios:3", "", PLAN_ITEM, judge)  # gold
    assert paragraph_holds_answer("other:2", other_article, PLAN_ITEM, judge)
    # Same topic, without the key fact: padding.
    padding = "Witkoff a rencontré Oumierov à Miami pour discuter du plan de paix."
    assert not paragraph_holds_answer("other:5", padding, PLAN_ITEM, judge)
    # The key fact's words, said of something else: the judge rejects the answer sentence.
    unrelated = "Le marathon de Berlin a rapporté 28 points au classement mondial de Kipchoge."
    assert not paragraph_holds_answer("sport:1", unrelated, PLAN_ITEM, judge)
    # Answer sentences as written in gold.jsonl: {"ref", "text"}.
    shaped = PLAN_ITEM | {"answer_sentences": [{"ref": "axios:3", "text": PLAN_SENTENCE}]}
    assert paragraph_holds_answer("other:2", other_article, shaped, judge)
    assert not paragraph_holds_answer("sport:1", unrelated, shaped, judge)
    # Without answer sentences, the answer's own sentences are the claims.
    bare = {k: v for k, v in PLAN_ITEM.items() if k != "answer_sentences"}
    assert paragraph_holds_answer("other:2", other_article, bare, judge, [other_article])
    assert not paragraph_holds_answer("other:2", other_article, bare, judge)


@pytest.mark.unit
def test_baseline_runs_over_two_corpora_merge_by_item_count() -> None:
    from evals.report import merge_baseline_metrics

    merged = merge_baseline_metrics(
        [({"recall@5": 0.6, "chunks": 10.0}, 3), ({"recall@5": 1.0, "chunks": 4.0}, 1)]
    )
    assert merged == {"recall@5": pytest.approx(0.7), "chunks": 14.0, "n": 4.0}
    assert merge_baseline_metrics([({"mrr": 0.5}, 7)]) == {"mrr": 0.5}


@pytest.mark.unit
def test_gold_split_defaults_to_test_and_rejects_unknown_splits(tmp_path: Path) -> None:
    from evals.core import GoldSetError

    path = tmp_path / "gold.jsonl"
    base = {"question": "q", "kind": "unanswerable", "answerable": False}
    lines = [base | {"id": "a"}, base | {"id": "b", "split": "train"}]
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    assert [i["split"] for i in load_questions(path)] == ["test", "train"]
    assert [i["split"] for i in load_questions(path, split="test")] == ["test", "test"]
    path.write_text(json.dumps(base | {"id": "c", "split": "dev"}), encoding="utf-8")
    with pytest.raises(GoldSetError, match="split must be one of train, test"):
        load_questions(path)
