"""Chat rendering (rag/render.py): answers as escaped markdown messages, history back to turns.

No model and no server: answers are built by hand.
"""

from __future__ import annotations

import pytest

from rag import Answer, Citation, Passage, render
from rag.answer import AnswerSentence

pytestmark = pytest.mark.unit


def html_answer() -> Answer:
    text = 'Intro <img src=x onerror="alert(1)">. Dmitriev a rencontré Witkoff à Miami. Fin ![x](http://e/x.png).'
    quote = "Dmitriev a rencontré Witkoff à Miami."
    return Answer(
        answer=f"{quote} [a1 ¶2]",
        refused=False,
        citations=[Citation("a1", 2, "Titre <b>gras</b>", quote, "2025-11-19")],
        passages=[Passage("a1", 2, text, 1.0, title="Titre <b>gras</b>", date="2025-11-19")],
    )


def test_sources_show_the_full_paragraph_escaped() -> None:
    rendered = render.answer_messages(html_answer())
    assert [m.get("metadata", {}).get("title") for m in rendered] == [None, render.SOURCES_TITLE]
    sources = rendered[1]["content"]
    assert "<img" not in sources and "<b>" not in sources
    assert '&lt;img src=x onerror="alert(1)"&gt;' in sources
    assert "Titre &lt;b&gt;gras&lt;/b&gt;" in sources
    assert "2025-11-19" in sources and "¶2" in sources
    assert "**Dmitriev a rencontré Witkoff à Miami.**" in sources  # the quote, in bold
    assert "![" not in sources  # no remote image loads from a document


def test_sources_fall_back_to_the_quote() -> None:
    answer = html_answer()
    answer.passages = []
    [source] = answer.sources()
    assert source["text"] == answer.citations[0].quote


def test_refusal_has_a_marker_and_no_sources() -> None:
    refusal = Answer(answer="Je ne trouve pas.", refused=True, language="fr")
    [message] = render.answer_messages(refusal)
    assert message["content"] == render.REFUSED_MARKS["fr"] + "Je ne trouve pas."
    assert "metadata" not in message


def test_plain_history_keeps_text_turns_only() -> None:
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "a &lt;b&gt; &amp;amp;"}]},
        {"role": "assistant", "content": "réponse [x ¶1]"},
        {"role": "assistant", "content": "paragraphes", "metadata": {"title": "Sources"}},
        {"role": "assistant", "content": render.INVALID_MARK + "the question is empty"},
        {"role": "assistant", "content": render.REFUSED_MARKS["fr"] + "Je ne trouve pas."},
        {"role": "system", "content": "ignored"},
    ]
    assert render.plain_history(messages, from_ui=True) == [
        {"role": "user", "content": "a <b> &amp;"},
        {"role": "assistant", "content": "réponse [x ¶1]"},
        {"role": "assistant", "content": "Je ne trouve pas."},
    ]
    assert render.plain_history(None, from_ui=False) == []
    with pytest.raises(ValueError):
        render.plain_history("nope", from_ui=False)


def test_escape_round_trips() -> None:
    for text in ["<script>", "a & b", "&lt;", "![img](u)", "l'été « x »", "\\*"]:
        assert render.unescape(render.escape(text)) == text


def test_refusal_offers_related_passages_marked_as_not_evidence() -> None:
    passage = Passage("a1", 3, "Witkoff a parlé <b>longtemps</b>.", 0.5, title="Titre")
    refusal = Answer(answer="Je ne trouve pas.", refused=True, language="fr", related=[passage])
    answer, related = render.answer_messages(refusal)
    assert answer["content"].startswith(render.REFUSED_MARKS["fr"])
    assert related["metadata"]["title"] == render.RELATED_TITLE
    assert "not evidence" in related["content"]
    assert "&lt;b&gt;longtemps&lt;/b&gt;" in related["content"]


def two_article_answer(
    first_quote: str, second_quote: str, *, differs: bool = False, corroborates: bool = False
) -> Answer:
    """An answer quoting ``a1 ¶2`` then ``b2 ¶5``, the second sentence flagged as asked."""
    first = Citation("a1", 2, "Premier article", first_quote)
    other = Citation("b2", 5, "Second article", second_quote)
    flagged = AnswerSentence(
        other.quote,
        [other],
        0.95,
        corroborates=corroborates,
        differs_from=first if differs else None,
    )
    return Answer(
        answer=f"{first.quote} [a1 ¶2]\n{other.quote} [b2 ¶5]",
        refused=False,
        citations=[first, other],
        sentences=[
            AnswerSentence(first.quote, [first], 1.0),
            flagged,
        ],
    )


def test_differing_accounts_are_pointed_out() -> None:
    answer = two_article_answer(
        "La réunion a eu lieu le 14 octobre.",
        "La réunion a eu lieu le 15 octobre.",
        differs=True,
    )
    text = render.answer_messages(answer)[0]["content"]
    assert "Premier article ¶2" in text and "Second article ¶5" in text
    assert render.DIFFERENCE_NOTES["fr"].split(":")[0] in text


def test_same_fact_sources_say_also_reported_by() -> None:
    answer = two_article_answer(
        "Le plan compte 28 points.", "Le plan compte bien 28 points.", corroborates=True
    )
    sources = render.answer_messages(answer)[1]["content"]
    assert "*Also reported by* Second article ¶5" in sources
    assert "*Also reported by* Premier article ¶2" in sources


def _sourced_answer(url: str | None, page: int | None = None) -> Answer:
    quote = "Dmitriev a rencontré Witkoff à Miami."
    passage = Passage(
        "a1", 2, f"Intro. {quote}", 1.0, title="Titre", url=url, author="Ana Mol", page=page
    )
    return Answer(
        answer=f"{quote} [a1 ¶2]",
        refused=False,
        citations=[Citation.of(passage, quote)],
        passages=[passage],
    )


def test_sources_link_the_article_url_and_show_the_pdf_page() -> None:
    url = "https://www.example.org/monde/plan(28)?a=1&b=2"
    sources = render.sources_markdown(_sourced_answer(url, page=3))
    assert "[source ↗](https://www.example.org/monde/plan%2828%29?a=1&b=2)" in sources
    assert "p. 3" in sources and "Ana Mol" in sources
    [citation] = _sourced_answer(url, page=3).to_dict()["citations"]
    assert (citation["url"], citation["author"], citation["page"]) == (url, "Ana Mol", 3)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "JAVASCRIPT:alert(1)",
        "https://example.org/x) [evil](javascript:alert(1)",
    ],
)
def test_sources_never_link_a_url_that_is_not_plain_http(url: str) -> None:
    sources = render.sources_markdown(_sourced_answer(url))
    assert "](javascript" not in sources.lower() and "](data:" not in sources
    assert "javascript:" not in render.source_link(url).lower()


def test_citations_without_origin_keep_the_old_shape() -> None:
    [citation] = html_answer().to_dict()["citations"]
    assert set(citation) == {"article_id", "paragraph", "title", "quote", "date"}
    assert "url" not in citation and "page" not in citation


@pytest.mark.unit
def test_labels_are_distinct_even_when_headlines_and_id_prefixes_collide() -> None:
    from rag import unique_labels

    titles = {
        "001_8070831bbb14d085": "Plan de paix pour l'Ukraine",
        "001_8070aaaa00000000": "Plan de paix pour l'Ukraine",
        "001_8070bbbb00000000": "Plan de paix pour l'Ukraine",
        "002_85cd408fc1a49feb": "Plan de paix pour l'Ukraine (001_8070aaaa)",
        "003_a146349f20264553": "",
    }
    labels = unique_labels(titles)
    assert set(labels) == set(titles)
    assert len(set(labels.values())) == len(titles), labels
    assert labels["003_a146349f20264553"] == "003_a146349f20264553"
    assert all(labels[a].startswith("Plan de paix") for a in list(titles)[:3])
