"""What the indexed articles are about: each article's lead.

A reader's first question is often about the collection as a whole (« De quoi parlent les
articles ? », "Summarize the articles."), which no one sentence answers: each article's lead
does, the first sentence of its first citable paragraph that says something (not a dateline
such as « (Rome, 19 novembre 2025). »). The most recent articles come first.

::

    leads = article_leads(lexical.records, limit=5)
    for passage, sentence in leads:
        print(passage.title, sentence, passage.article_id, passage.paragraph)
"""

from __future__ import annotations

from collections.abc import Iterable

from index.sentences import citable_sentences
from rag.lexical import ParagraphRecord
from rag.types import Passage

# At most this many articles' leads answer an overview request (the most recent first).
OVERVIEW_ARTICLES = 5
# A lead sentence says something: at least this many words (« (Rome, 19 novembre 2025). » has 4).
LEAD_MIN_WORDS = 6


def lead_sentence(text: str) -> str | None:
    """The first citable sentence of a paragraph with at least ``LEAD_MIN_WORDS`` words.

    >>> lead_sentence("(Rome, 19 novembre 2025). Un plan de paix secret refait surface à Kiev.")
    'Un plan de paix secret refait surface à Kiev.'
    >>> lead_sentence("Sandra Marschner") is None
    True
    """
    for _, sentence in citable_sentences(text):
        if len(sentence.split()) >= LEAD_MIN_WORDS:
            return sentence
    return None


def article_leads(
    records: Iterable[ParagraphRecord], limit: int = OVERVIEW_ARTICLES
) -> list[tuple[Passage, str]]:
    """Each article's lead: its first citable paragraph holding a lead sentence, as a passage,
    with that sentence. At most ``limit`` articles, the most recent first (undated ones last,
    then by article id). Sentences are split only for the articles shown, from their first
    paragraph on, so a large corpus costs one pass over its records.

    Raises:
        ValueError: ``limit`` is below 1.
    """
    if limit < 1:
        raise ValueError("limit must be >= 1")
    by_article: dict[str, list[ParagraphRecord]] = {}
    for record in records:
        by_article.setdefault(record.article_id, []).append(record)
    ordered = sorted(by_article)
    ordered.sort(key=lambda article: by_article[article][0].date or "", reverse=True)
    leads: list[tuple[Passage, str]] = []
    for article in ordered:
        for record in sorted(by_article[article], key=lambda r: r.paragraph):
            sentence = lead_sentence(record.text)
            if sentence is not None:
                leads.append((record.passage(), sentence))
                break
        if len(leads) == limit:
            break
    return leads
