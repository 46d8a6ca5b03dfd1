"""Data checks of the hand-written gold sets: ``gold.jsonl`` (bundled corpus), ``gold_b.jsonl``
(the ``corpus_b`` fixture, test only), ``gold_t.jsonl`` (the ``corpus_t`` fixture, train only) and
``train_extra.jsonl`` (fitting data over the bundled corpus's train articles). Schema, counts,
citability, verbatim answer sentences, facts, split.

No model is loaded: these only read the JSON lines and parse the corpora.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evals.core import DATA_DIR, DEFAULT_GOLD, KINDS, facts_present, load_questions
from evals.split import TEST_ARTICLES, TRAIN_ARTICLES, expected_split, split_by_id
from index.config import BUNDLED_CORPUS
from index.parse import Paragraph, fold, load_corpus

pytestmark = pytest.mark.unit

GOLD_B = DATA_DIR / "gold_b.jsonl"
TRAIN_EXTRA = DATA_DIR / "train_extra.jsonl"
CORPUS_B = DATA_DIR / "corpus_b"
GOLD_T = DATA_DIR / "gold_t.jsonl"
CORPUS_T = DATA_DIR / "corpus_t"


def _paragraphs(folder: Path) -> dict[str, Paragraph]:
    loaded = load_corpus(folder)
    assert not [issue for issue in loaded.issues if issue.level == "error"], loaded.issues
    return {f"{a.article_id}:{p.paragraph}": p for a in loaded.articles for p in a.paragraphs}


PARAGRAPHS_A = _paragraphs(BUNDLED_CORPUS)
PARAGRAPHS_B = _paragraphs(CORPUS_B)
PARAGRAPHS_T = _paragraphs(CORPUS_T)
GOLD = load_questions(DEFAULT_GOLD)
GOLDB = load_questions(GOLD_B)
EXTRA = load_questions(TRAIN_EXTRA)
GOLDT = load_questions(GOLD_T)
SETS = {
    "gold": (GOLD, PARAGRAPHS_A),
    "gold_b": (GOLDB, PARAGRAPHS_B),
    "train_extra": (EXTRA, PARAGRAPHS_A),
    "gold_t": (GOLDT, PARAGRAPHS_T),
}
ALL_ITEMS = [(name, item) for name, (items, _) in SETS.items() for item in items]

# What the task asks of each file; "english" counts every item whose question is in English,
# "multi" the items whose gold spans two articles (and, separately, the items of kind multi).
MINIMUMS = {
    "gold": {"total": 250, "english": 60, "unanswerable": 40, "multi": 25, "followup": 20},
    "gold_b": {"total": 30, "english": 8, "unanswerable": 6, "multi": 4, "followup": 3},
    "train_extra": {
        "total": 100, "english": 45, "french": 45, "unanswerable": 45, "offtopic": 5,
        "answerable": 45, "english_answerable": 20, "french_answerable": 20, "multi": 5,
        "followup": 0,
    },
    "gold_t": {
        "total": 90, "english": 40, "unanswerable": 30, "multi": 8, "followup": 6,
        "answerable": 50, "en-cross": 15, "fr-single": 15, "disagree": 3, "offtopic": 3,
        "injection": 2, "no_gold": 35,
    },
}  # fmt: skip
# The fixture corpora besides the bundled one: gold set, file-name pattern, article count and
# citable paragraphs per article (bounds), and the one split all their items are on.
FIXTURES = {
    "gold_b": (r"b\d\d_[0-9a-f]{16}", (3, 4), (6, 15), "test"),
    "gold_t": (r"t\d\d_[0-9a-f]{16}", (4, 4), (12, 20), "train"),
}
REQUIRED = {"id": str, "question": str, "language": str, "kind": str, "answerable": bool,
            "gold": list, "facts": list, "split": str}  # fmt: skip
OPTIONAL = {"history": list, "forbidden": list, "note": str, "answer_sentences": list}


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def _article(ref: str) -> str:
    return ref.rsplit(":", 1)[0]


def _params(answerable_only: bool = False) -> list[Any]:
    return [
        pytest.param(name, item, id=f"{name}-{item['id']}")
        for name, item in ALL_ITEMS
        if item["answerable"] or not answerable_only
    ]


@pytest.mark.parametrize("name", SETS)
def test_counts_meet_the_minimums(name: str) -> None:
    items, _ = SETS[name]
    kinds = Counter(item["kind"] for item in items)
    answerable = [item for item in items if item["answerable"]]
    counts = {
        "total": len(items),
        "english": sum(item["language"] == "en" for item in items),
        "french": sum(item["language"] == "fr" for item in items),
        "unanswerable": kinds["unanswerable"],
        "offtopic": kinds["offtopic"],
        "answerable": len(answerable),
        "english_answerable": sum(item["language"] == "en" for item in answerable),
        "french_answerable": sum(item["language"] == "fr" for item in answerable),
        "multi": sum(len({_article(r) for r in item["gold"]}) >= 2 for item in items),
        "followup": kinds["followup"],
        "no_gold": sum(not item["gold"] for item in items),
        **{kind: kinds[kind] for kind in ("en-cross", "fr-single", "disagree")},
        "injection": kinds["injection"],
    }
    for key, minimum in MINIMUMS[name].items():
        assert counts[key] >= minimum, (name, key, counts[key], minimum)
    assert kinds["multi"] >= MINIMUMS[name]["multi"], kinds


@pytest.mark.parametrize(("name", "item"), _params())
def test_item_schema(name: str, item: dict[str, Any]) -> None:
    for key, kind in REQUIRED.items():
        assert isinstance(item.get(key), kind), key
    for key in set(item) - set(REQUIRED):
        assert key in OPTIONAL, f"unknown field {key!r}"
        assert isinstance(item[key], OPTIONAL[key]), key
    assert item["kind"] in KINDS
    assert item["language"] in ("fr", "en")
    assert item["split"] in ("train", "test")
    assert item["question"].strip() == item["question"] and len(item["question"]) > 10
    if item["kind"] == "followup":
        turns = item.get("history")
        assert turns and all(set(t) == {"role", "content"} for t in turns)
        assert [t["role"] for t in turns][:2] == ["user", "assistant"]
    if item["kind"] == "injection":
        assert item.get("forbidden")
    if item["answerable"]:
        assert item["gold"] and item["facts"] and item.get("answer_sentences")
        assert all(isinstance(g, list) and g and all(isinstance(t, str) for t in g)
                   for g in item["facts"])  # fmt: skip
    else:
        assert item["gold"] == [] and item["facts"] == [] and "answer_sentences" not in item
        assert item["kind"] in ("unanswerable", "offtopic", "injection")
    if item["kind"] in ("unanswerable", "offtopic"):
        assert not item["answerable"]


@pytest.mark.parametrize(("name", "item"), _params(answerable_only=True))
def test_gold_paragraphs_answer_sentences_and_facts(name: str, item: dict[str, Any]) -> None:
    """Gold paragraphs are citable; each answer sentence is verbatim from a gold paragraph."""
    _, paragraphs = SETS[name]
    assert len(set(item["gold"])) == len(item["gold"])
    for ref in item["gold"]:
        assert ref in paragraphs and paragraphs[ref].is_content, ref
    pairs = [(s["ref"], _spaces(s["text"])) for s in item["answer_sentences"]]
    assert len(set(pairs)) == len(pairs), "the same answer sentence is listed twice"
    cited = set()
    for sentence in item["answer_sentences"]:
        assert set(sentence) == {"ref", "text"}
        assert sentence["ref"] in item["gold"], sentence["ref"]
        assert len(sentence["text"]) >= 15
        assert _spaces(sentence["text"]) in _spaces(paragraphs[sentence["ref"]].text), sentence
        cited.add(sentence["ref"])
    union = "\n".join(paragraphs[ref].text for ref in item["gold"])
    assert facts_present(union, item["facts"]), item["facts"]
    sentences = "\n".join(s["text"] for s in item["answer_sentences"])
    assert facts_present(sentences, item["facts"]), ("facts not in the answer sentences", sentences)
    if item["kind"] == "multi":
        assert len({_article(ref) for ref in cited}) >= 2, "a multi item cites several articles"
    # every article of the gold has at least one answering sentence
    assert {_article(r) for r in item["gold"]} == {_article(r) for r in cited}


def test_split_follows_the_rule() -> None:
    assert TRAIN_ARTICLES.isdisjoint(TEST_ARTICLES) and len(TRAIN_ARTICLES) == 2
    assert {_article(ref) for ref in PARAGRAPHS_A} == TRAIN_ARTICLES | TEST_ARTICLES
    for item in GOLD:
        assert item["split"] == expected_split(item), item["id"]
        articles = {_article(ref) for ref in item["gold"]}
        if item["split"] == "train":
            assert articles <= TRAIN_ARTICLES, item["id"]
        elif articles:
            assert articles & TEST_ARTICLES, item["id"]
    for name, (_, _, _, side) in FIXTURES.items():
        assert all(item["split"] == side for item in SETS[name][0]), name
    splits = Counter((item["split"], item["answerable"]) for item in GOLD)
    for side in ("train", "test"):
        assert splits[(side, True)] >= 0.3 * len(GOLD) / 2, splits
    no_gold = [item for item in GOLD if not item["gold"]]
    train_share = sum(split_by_id(item["id"]) == "train" for item in no_gold) / len(no_gold)
    assert 0.3 <= train_share <= 0.7, train_share


def test_split_rule_examples() -> None:
    train_ref, test_ref = f"{min(TRAIN_ARTICLES)}:5", f"{min(TEST_ARTICLES)}:5"
    assert expected_split({"id": "x", "gold": [train_ref]}) == "train"
    assert expected_split({"id": "x", "gold": [train_ref, test_ref]}) == "test"
    assert expected_split({"id": "x", "gold": [test_ref]}) == "test"
    assert expected_split({"id": "a", "gold": []}) == split_by_id("a")
    assert {split_by_id(f"id-{n}") for n in range(20)} == {"train", "test"}
    with pytest.raises(ValueError, match="outside the split"):
        expected_split({"id": "x", "gold": ["b00_0000000000000000:3"]})


def test_ids_and_questions_are_unique_across_all_files() -> None:
    items = [item for _, item in ALL_ITEMS]
    ids = Counter(item["id"] for item in items)
    assert [i for i, n in ids.items() if n > 1] == []
    questions = Counter(_spaces(fold(item["question"])) for item in items)
    assert [q for q, n in questions.items() if n > 1] == []


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_gold_points_into_its_own_corpus_only(name: str) -> None:
    """gold_b cites corpus_b only, gold_t corpus_t only, and gold.jsonl neither."""
    pattern, (fewest, most), (least, longest), _ = FIXTURES[name]
    items, paragraphs = SETS[name]
    articles = {_article(ref) for ref in paragraphs}
    assert fewest <= len(articles) <= most
    others = {_article(ref) for other, (_, p) in SETS.items() if other != name for ref in p}
    assert articles.isdisjoint(others)
    for article in articles:
        assert re.fullmatch(pattern, article), article
        content = [r for r, p in paragraphs.items() if _article(r) == article and p.is_content]
        assert least <= len(content) <= longest, (article, len(content))
    for item in items:
        for ref in item["gold"]:
            assert _article(ref) in articles, ref
    for other, (other_items, _) in SETS.items():
        if other != name:
            for item in other_items:
                assert not {_article(ref) for ref in item["gold"]} & articles, (other, item["id"])


def test_gold_t_ids_and_date_lines() -> None:
    """gold_t ids (and only they) start with ``t-``; each corpus_t file opens with its date."""
    assert all(item["id"].startswith("t-") for item in GOLDT)
    assert not any(item["id"].startswith("t-") for item in GOLD + GOLDB)
    dated = load_corpus(CORPUS_T).articles
    assert all(article.date and article.paragraphs[0].text == f"date {article.date}"
               for article in dated)  # fmt: skip


def test_train_extra_is_train_only_over_the_train_articles() -> None:
    """``train_extra.jsonl`` is fitting data: every item is ``train``, every gold paragraph is in
    a train article (so the split rule agrees), ids are ``tx-``, answer sentences are byte-exact.
    """
    assert EXTRA, TRAIN_EXTRA
    for item in EXTRA:
        assert item["split"] == "train", item["id"]
        assert item["id"].startswith("tx-"), item["id"]
        assert {_article(ref) for ref in item["gold"]} <= TRAIN_ARTICLES, item["id"]
        if item["gold"]:
            assert expected_split(item) == "train", item["id"]
        for sentence in item.get("answer_sentences", []):
            assert sentence["text"] in PARAGRAPHS_A[sentence["ref"]].text, (item["id"], sentence)
        if not item["answerable"]:
            assert item["kind"] in ("unanswerable", "offtopic"), item["id"]
