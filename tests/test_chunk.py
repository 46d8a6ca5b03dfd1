"""Token-bounded chunking with tiktoken loaded offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.chunk import chunk_article, count_tokens, encoding, sentence_spans, split_sentences
from index.parse import parse_article
from index.sentences import ABBREVIATIONS
from rag.verify import split_units

pytestmark = pytest.mark.unit


def test_cl100k_base_loads_offline() -> None:
    assert encoding().name == "cl100k_base"
    assert count_tokens("Bonjour le monde") > 0


def test_long_paragraph_becomes_several_chunks_with_its_number() -> None:
    sentence = "Les négociateurs se sont retrouvés à Miami pour discuter du plan en détail. "
    text = "Titre de l'article\n\nIntro courte.\n\n" + sentence * 40
    article = parse_article("long", text, Path("long.txt"))
    chunks = [c for c in chunk_article(article, max_tokens=64) if c.paragraph == 3]
    assert len(chunks) > 3
    assert all(count_tokens(c.text) <= 64 for c in chunks)
    assert [c.part for c in chunks] == list(range(len(chunks)))
    assert [c.chunk_id for c in chunks][:2] == ["long:3:0", "long:3:1"]
    assert all(c.embed_text.startswith(article.title) for c in chunks)


def test_sentences_are_exact_substrings_and_abbreviations_hold() -> None:
    text = "Un allié du vice-président J.D. Vance est arrivé. M. Ouchakov a réagi !\nNouvelle ligne"
    sentences = split_sentences(text)
    assert sentences == [
        "Un allié du vice-président J.D. Vance est arrivé.",
        "M. Ouchakov a réagi !",
        "Nouvelle ligne",
    ]
    assert all(text[a:b] == s for (a, b), s in zip(sentence_spans(text), sentences, strict=True))


@pytest.mark.parametrize("word", [*sorted(ABBREVIATIONS), "J", "MM", "Mme", "No"])
def test_chunker_and_answer_splitter_share_one_abbreviation_list(word: str) -> None:
    abbreviation = word if word != word.casefold() else word.capitalize()
    text = f"Hier {abbreviation}. Dupont a parlé longtemps. Puis il est parti sans rien dire."
    assert split_sentences(text) == [
        f"Hier {abbreviation}. Dupont a parlé longtemps.",
        "Puis il est parti sans rien dire.",
    ]
    units, rest = split_units(text, final=True)
    assert units == split_sentences(text) and rest == ""
