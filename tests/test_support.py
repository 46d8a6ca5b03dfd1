"""The support judge (rag/support.py) on real paragraphs of the bundled corpus."""

from __future__ import annotations

from typing import Any

import pytest

from index.config import BUNDLED_CORPUS
from index.parse import load_corpus
from rag.config import Settings
from rag.support import SupportJudge, Verdict, missing_facts, names, strip_markers

PARAGRAPHS = {
    (a.article_id[:3], p.paragraph): p.text
    for a in load_corpus(BUNDLED_CORPUS).articles
    for p in a.paragraphs
}
UMEROV = PARAGRAPHS[("002", 11)]
FIRST_CALL = PARAGRAPHS[("003", 4)]
MIAMI = PARAGRAPHS[("001", 5)]


@pytest.fixture(scope="module")
def judge(embedder: Any) -> SupportJudge:
    return SupportJudge(embedder, Settings())


@pytest.mark.unit
def test_markers_are_stripped() -> None:
    assert strip_markers("Il a dit oui [001_abc ¶5; 002_d ¶3].") == "Il a dit oui ."
    assert strip_markers("It was in May [2].") == "It was in May ."


@pytest.mark.unit
def test_names_skip_common_capitalised_words() -> None:
    assert names("The envoy Witkoff met Rustem Umerov in Miami.") == [
        "Witkoff", "Rustem", "Umerov", "Miami"
    ]  # fmt: skip
    assert names("Le plan compte des points.") == []
    assert names("However, he also met President Zelensky.") == ["Zelensky"]
    assert names("Toutefois, Peskov a démenti.") == ["Peskov"]


@pytest.mark.unit
def test_missing_facts_folds_and_matches_transliterations() -> None:
    assert missing_facts("Ushakov spoke on October 14.", FIRST_CALL) == []
    assert missing_facts("Ouchakov parlait le 15 octobre.", FIRST_CALL) == ["15"]
    assert missing_facts("The NATO question", PARAGRAPHS[("001", 8)]) == []
    assert missing_facts("Witkoff met Umerov in Paris.", UMEROV) == ["Paris"]


@pytest.mark.integration
def test_a_quote_is_supported(judge: SupportJudge) -> None:
    sentence = "Il a néanmoins rencontré Rustem Umerov, secrétaire du Conseil national"
    verdict = judge.judge(f"{sentence.upper()} [002_85cd408fc1a49feb ¶11]", UMEROV)
    assert verdict == Verdict(True, 1.0, "quote")


@pytest.mark.integration
def test_paraphrases_french_and_english_are_supported(judge: SupportJudge) -> None:
    pairs = [
        ("Witkoff a vu Rustem Umerov à Miami plus tôt dans la semaine.", UMEROV),
        ("Witkoff met Rustem Umerov in Miami earlier that week.", UMEROV),
        ("The first call between Witkoff and Ushakov took place on October 14, 2025.", FIRST_CALL),
        ("Dmitriev said he spent three days in Miami with Witkoff.", MIAMI),
    ]
    verdicts = judge.judge_many(pairs)
    assert all(v.supported and v.reason == "similar" for v in verdicts), verdicts
    assert all(0 < v.score <= 1 for v in verdicts)


@pytest.mark.integration
def test_hard_negatives_are_rejected(judge: SupportJudge) -> None:
    wrong_date = judge.judge("The first Witkoff–Ushakov call took place on October 29.", FIRST_CALL)
    assert not wrong_date.supported and wrong_date.reason == "missing: 29"
    wrong_place = judge.judge("Dmitriev a passé trois jours à Budapest avec Witkoff.", MIAMI)
    assert not wrong_place.supported and "Budapest" in wrong_place.reason
    off_topic = judge.judge("La recette de la tarte tatin demande des pommes.", UMEROV)
    assert not off_topic.supported and off_topic.reason.startswith("dissimilar")
    assert judge.judge("", UMEROV) == Verdict(False, 0.0, "empty")


@pytest.mark.integration
def test_judge_many_agrees_with_judge(judge: SupportJudge) -> None:
    pairs = [("Witkoff met Umerov in Miami.", UMEROV), ("Witkoff met Umerov in Miami.", MIAMI)]
    assert judge.judge_many(pairs) == [judge.judge(s, p) for s, p in pairs]
    assert judge.judge_many([]) == []


@pytest.mark.integration
def test_constructor_validates(embedder: Any) -> None:
    with pytest.raises(ValueError, match="Settings"):
        SupportJudge(embedder, {})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Embedder"):
        SupportJudge(object(), Settings())  # type: ignore[arg-type]
