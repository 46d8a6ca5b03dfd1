"""Offline translation of questions (rag.translate): names, policies, the apertium pipelines.

The apertium tests run Debian's real apertium (``apt-get install apertium apertium-en-es
apertium-fr-es``; ``.ci/run`` installs it) and are skipped, saying so, where it is absent.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from rag.translate import (
    ApertiumTranslator,
    question_names,
    terms_query,
    translator_for,
)

ROOT = Path(__file__).resolve().parent.parent
APERTIUM = ApertiumTranslator.installed()
needs_apertium = pytest.mark.skipif(
    not APERTIUM,
    reason="apertium is not installed (apt-get install apertium apertium-en-es apertium-fr-es)",
)


class WordForWord:
    """A stand-in translator for the unit tests (they may start no process)."""

    def __init__(self, table: dict[str, str] | None) -> None:
        self.table = table
        self.calls: list[tuple[str, str, str]] = []

    def supports(self, source: str, target: str) -> bool:
        return (source, target) == ("en", "fr")

    def translate(self, text: str, source: str, target: str) -> str | None:
        self.calls.append((text, source, target))
        if self.table is None:
            return None
        return " ".join(self.table.get(w.strip("?").lower(), w) for w in text.split())


@pytest.mark.unit
def test_question_names_are_capitalised_words_inside_the_question() -> None:
    assert question_names("What is Trump's plan for Ukraine?") == ["Trump", "Ukraine"]
    # "And" starts a sentence: not a name.
    assert question_names("Who met Witkoff in Miami? And Dmitriev?") == [
        "Witkoff",
        "Miami",
        "Dmitriev",
    ]
    assert question_names("How many points are there?") == []


@pytest.mark.unit
def test_terms_query_is_the_translation_followed_by_the_names() -> None:
    translator = WordForWord({"who": "qui", "met": "a rencontré", "in": "à"})
    got = terms_query(translator, "Who met Trump in Miami?", "en", "fr")
    assert got == "qui a rencontré Trump à Miami? Trump Miami"
    assert translator.calls == [("Who met Trump in Miami?", "en", "fr")]


@pytest.mark.unit
def test_a_name_translated_as_a_word_the_corpus_never_uses_is_dropped() -> None:
    # apertium reads "Trump" as the noun trump (atout, triomphe); the name follows as written.
    translator = WordForWord({"who": "qui", "met": "a rencontré", "trump": "Triomphe", "in": "à"})
    corpus_words = {"qui", "rencontré", "trump", "russie", "miami"}
    got = terms_query(
        translator, "Who met Trump in Miami?", "en", "fr", known=lambda w: w.lower() in corpus_words
    )
    assert got is not None
    assert "Triomphe" not in got
    assert got.split() == ["qui", "a", "rencontré", "à", "Miami?", "Trump", "Miami"]
    # Without the corpus's words, nothing is dropped.
    assert "Triomphe" in (terms_query(translator, "Who met Trump in Miami?", "en", "fr") or "")


@pytest.mark.unit
def test_only_capitalised_words_inside_the_translation_are_dropped() -> None:
    translator = WordForWord({"when": "Quand", "did": "", "russia": "Russie", "react": "réagit"})
    got = terms_query(translator, "When did Russia react?", "en", "fr", known=lambda w: False)
    # "Quand" opens the translation (not a name); "réagit" is not capitalised: both stay.
    assert got is not None and got.split() == ["Quand", "réagit", "Russia"]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("question", "sent"),
    [
        ("How did the Kremlin react to the leak?", "How the Kremlin react to the leak?"),
        ("Does Russia feel left out?", "Russia feel left out?"),
        ("What did he say about it?", "What he say about it?"),
        ("What does Dmitriev's fund do?", "What Dmitriev's fund do?"),
        # "do" as the main verb, or not before a subject, stays
        ("What did the envoys do in Miami?", "What the envoys do in Miami?"),
        ("Who did it?", "Who did it?"),
        ("What do officials expect?", "What do officials expect?"),
    ],
)
def test_an_english_question_is_translated_without_do_support(question: str, sent: str) -> None:
    translator = WordForWord({})
    terms_query(translator, question, "en", "fr")
    assert translator.calls == [(sent, "en", "fr")]


@pytest.mark.unit
def test_terms_query_is_none_when_nothing_is_to_translate_or_it_fails() -> None:
    translator = WordForWord({})
    assert terms_query(translator, "Qui a rencontré Witkoff ?", "fr", "fr") is None
    assert terms_query(translator, "Qui a rencontré Witkoff ?", "fr", "en") is None  # no pair
    assert terms_query(None, "Who met Witkoff?", "en", "fr") is None
    assert translator.calls == []
    assert terms_query(WordForWord(None), "Who met Witkoff?", "en", "fr") is None


@pytest.mark.unit
def test_translator_policies(tmp_path: Path) -> None:
    assert translator_for("off") is None
    with pytest.raises(ValueError, match="unknown question_translation"):
        translator_for("google")
    empty = tmp_path / "modes"
    empty.mkdir()
    assert translator_for("auto", modes_dir=empty) is None
    with pytest.raises(ValueError, match="apt-get install apertium"):
        translator_for("apertium", modes_dir=empty)
    assert not ApertiumTranslator(modes_dir=empty).supports("en", "fr")
    assert ApertiumTranslator(modes_dir=empty).translate("Who?", "en", "fr") is None
    with pytest.raises(ValueError, match="timeout"):
        ApertiumTranslator(timeout=0)


@pytest.mark.unit
def test_the_setting_is_validated() -> None:
    from pydantic import ValidationError

    from rag.config import Settings

    assert Settings().question_translation == "auto"
    with pytest.raises(ValidationError):
        Settings(question_translation="google")


@pytest.mark.integration
@needs_apertium
def test_apertium_translates_english_questions_into_french() -> None:
    translator = ApertiumTranslator()
    try:
        got = translator.translate("How many points does the peace plan include?", "en", "fr")
        assert got is not None
        assert "points" in got and "plan de paix" in got
        # apertium's stream format escapes these characters: they come back as written.
        odd = translator.translate("Is the [draft] plan 50/50 <final>?", "en", "fr")
        assert odd is not None and "[" in odd and "50/50" in odd and "\\" not in odd
        started = time.perf_counter()
        again = translator.translate("How many points does the peace plan include?", "en", "fr")
        assert again == got and time.perf_counter() - started < 0.05  # from the cache
        assert translator.translate("Qui dirige les négociations ?", "fr", "en")
    finally:
        translator.close()


@pytest.mark.integration
@needs_apertium
def test_a_translation_does_not_depend_on_the_questions_before_it(tmp_path: Path) -> None:
    """apertium's tagger carries state from one question to the next (after ~150 questions
    some were translated differently): the same questions in the opposite order translate the
    same, and a pipeline killed between questions is started again."""
    questions = []
    for path in sorted((ROOT / "evals" / "data").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item.get("language") == "en":
                questions.append(item["question"])
    questions = list(dict.fromkeys(questions))
    assert len(questions) >= 200
    forward = ApertiumTranslator(cache_size=0)
    backward = ApertiumTranslator(cache_size=0)
    try:
        in_order = [forward.translate(q, "en", "fr") for q in questions]
        reversed_order = [backward.translate(q, "en", "fr") for q in reversed(questions)][::-1]
        assert all(in_order)
        pairs = zip(questions, in_order, reversed_order, strict=True)
        differ = [(q, a, b) for q, a, b in pairs if a != b]
        assert differ == []
        stream = forward._pipelines["eng-spa"]._before
        assert stream is not None and stream._process is not None
        os.killpg(stream._process.pid, signal.SIGKILL)
        stream._process.wait()
        assert forward.translate(questions[0] + " Again?", "en", "fr")
        tagger = forward._pipelines["es-fr"]._tagger
        assert tagger is not None and tagger._next is not None
        waiting = tagger._next.result()  # started for the next question, not used yet
        assert waiting.poll() is None
        waiting.kill()
        waiting.wait()
        assert forward.translate(questions[1] + " Again?", "en", "fr")
    finally:
        forward.close()
        backward.close()
    # A mode whose transducer file is missing: the hop fails, the question stays untranslated.
    modes = tmp_path / "modes"
    modes.mkdir()
    for name in ("eng-spa", "es-fr"):
        (modes / f"{name}.mode").write_text(f"lt-proc '{tmp_path / 'missing.bin'}'\n")
    broken = ApertiumTranslator(modes_dir=modes, timeout=2.0)
    assert broken.supports("en", "fr")
    assert broken.translate("Who leads the talks?", "en", "fr") is None
    broken.close()
    # A tagger whose model is missing fails the same way.
    automorf = "/usr/share/apertium/apertium-eng-spa/eng-spa.automorf.bin"
    for name in ("eng-spa", "es-fr"):
        (modes / f"{name}.mode").write_text(
            f"lt-proc '{automorf}' | apertium-tagger -g $2 '{tmp_path / 'missing.prob'}'\n"
        )
    broken = ApertiumTranslator(modes_dir=modes, timeout=2.0)
    assert broken.translate("Who leads the talks?", "en", "fr") is None
    broken.close()


@pytest.mark.integration
@needs_apertium
def test_english_question_coverage_reads_the_translation(
    assistant: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The term coverage of an English question over the French articles comes from its
    translation: the sentence stating the plan's points covers more of it. The assistant
    translates in a worker thread, while the question is embedded and searched."""
    from rag import Assistant

    assert isinstance(assistant, Assistant)
    assert assistant.translator is not None
    question = "How many points does the peace plan include?"
    vector = assistant.embedder.encode_queries([question])[0]
    passages = assistant.retriever.retrieve(question, 6, query_vector=vector)
    lexical = assistant.retriever.lexical()
    translated = terms_query(assistant.translator, question, "en", lexical.analyzer.language)
    assert translated is not None and "points" in translated
    plain = assistant.answerer.score(question, vector, passages, lexical)
    read = assistant.answerer.score(question, vector, passages, lexical, terms_query=translated)
    assert max(c.coverage for c in read) > max(c.coverage for c in plain)
    bar = assistant.answerer.bar(question, lexical, translated=True)
    assert bar == assistant.settings.min_support_translated
    assert assistant.answerer.bar(question, lexical) == assistant.settings.min_support_cross_lingual
    threads: list[str] = []

    def spy(*args: Any, **kwargs: Any) -> str | None:
        threads.append(threading.current_thread().name)
        return terms_query(*args, **kwargs)

    monkeypatch.setattr("rag.assistant.terms_query", spy)
    answer = assistant.ask(question)
    assert not answer.refused and "28" in answer.answer
    assert len(threads) == 1 and threads[0].startswith("translate")
    assert not assistant.ask("Combien de points compte le plan ?").refused
    assert len(threads) == 1  # a question in the corpus's language is not translated


@pytest.mark.integration
@needs_apertium
def test_an_english_question_typed_in_lower_case_is_translated_once_cased(
    assistant: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typed in lower case, "turkey" is a bird to the translator and the question has no names
    to keep: once the retrieved paragraphs and the English proper words have given the
    question its capitals, the cased question is what is translated for the term coverage.
    It is then answered as the same question typed with capitals is."""
    from rag import Assistant

    assert isinstance(assistant, Assistant)
    translated: list[str] = []

    def spy(*args: Any, **kwargs: Any) -> str | None:
        translated.append(args[1])
        return terms_query(*args, **kwargs)

    monkeypatch.setattr("rag.assistant.terms_query", spy)
    typed = assistant.ask("what was supposed to happen in turkey on 19 november")
    assert translated[-1] == "What was supposed to happen in Turkey on 19 November?"
    cased = assistant.ask("What was supposed to happen in Turkey on 19 November?")
    assert not typed.refused and "Turquie" in typed.answer
    assert typed.to_dict()["citations"] == cased.to_dict()["citations"]


@needs_apertium
@pytest.mark.unit
def test_the_translator_waits_as_long_as_settings_say() -> None:
    translator = translator_for("auto", timeout=7.5)
    assert isinstance(translator, ApertiumTranslator) and translator.timeout == 7.5
    default = translator_for("auto")
    assert isinstance(default, ApertiumTranslator) and default.timeout == 2.0
