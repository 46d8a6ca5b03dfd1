"""Answers as chat messages (markdown), and chat messages back to plain turns; no UI library.

A front end (the Gradio page in ``app.py``, an HTTP API) shows an :class:`~rag.Answer` with
:func:`answer_messages`: the answer text with readable references ``[short headline ¶n]``,
then a collapsible "Sources" block (every cited paragraph in full, the quote in bold, which
other articles report the same fact). Where two articles give different figures, a note under
the answer says so; a refusal starts with a bold "Pas de réponse" / "No answer", has no
Sources block and may list "Related passages", marked as not evidence.

Messages are ``{"role", "content"}`` dicts, plus ``"metadata": {"title", "status", "log"}``
for the collapsible blocks (Gradio's chat message format). Everything taken from an article or
a question is escaped (:func:`escape`): HTML shows as text and no image loads. The reverse,
:func:`plain_history`, turns the chat shown on a page back into the ``[{"role", "content"}]``
turns :meth:`rag.Assistant.ask` expects.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from index.errors import RagError
from index.formats import safe_url
from rag.assistant import Assistant
from rag.errors import InvalidQuestionError
from rag.history import validate_history
from rag.refs import format_ref, neutralise_refs, relabel_refs
from rag.types import Answer, Citation, Passage

logger = logging.getLogger(__name__)

REFUSED_MARKS = {"fr": "**Pas de réponse** — ", "en": "**No answer** — "}
SHORT_QUOTES = {"fr": ("« ", " »"), "en": ("“", "”")}
INVALID_MARK = "**Invalid question** — "
ERROR_MARK = "**Error** — "
NOTICE_MARKS = (INVALID_MARK, ERROR_MARK)
SOURCES_TITLE = "Sources"
RELATED_TITLE = "Related passages — not evidence"
SEARCH_TITLE = "Searching the articles…"
SEARCHED_TITLE = "Searched the articles"
DIFFERENCE_NOTES = {
    "fr": "⚠ Les articles ne donnent pas les mêmes chiffres : {a} et {b}.",
    "en": "⚠ The articles give different figures here: {a} and {b}.",
}

Message = dict[str, Any]


def escape(text: str) -> str:
    """Text made safe for the chat's markdown: HTML shows as text, images do not load.

    Reversible with :func:`unescape`.
    """
    return html.escape(text, quote=False).replace("![", "!&#91;")


def unescape(text: str) -> str:
    """Inverse of :func:`escape`."""
    return html.unescape(text)


def message_text(content: Any) -> str:
    """The text of a chat message's content (a string or a list of content parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        text = content.get("text")
        return text if isinstance(text, str) else ""
    if isinstance(content, Sequence):
        return "\n".join(t for t in (message_text(part) for part in content) if t)
    return ""


def is_notice(message: Mapping[str, Any]) -> bool:
    """Whether a message tells the reader what went wrong (see :func:`notice`)."""
    return message_text(message.get("content")).startswith(NOTICE_MARKS)


def plain_history(messages: Any, *, from_ui: bool) -> list[dict[str, str]]:
    """The user/assistant text turns of a conversation, as ``Assistant.ask`` expects them.

    Titled messages (search steps, "Sources" blocks) and non-text content are dropped.
    Messages from the page (``from_ui``) are unescaped and lose the refusal marker, and
    notices are dropped; messages from API callers are kept as given.

    Raises:
        ValueError: ``messages`` is neither None nor a list of messages.
    """
    turns: list[dict[str, str]] = []
    for message in validate_history(messages):
        role = message.get("role")
        metadata = message.get("metadata")
        if role not in ("user", "assistant") or (
            isinstance(metadata, Mapping) and metadata.get("title")
        ):
            continue
        text = message_text(message.get("content"))
        if from_ui:
            text = unescape(text)
            if role == "assistant":
                if text.startswith(NOTICE_MARKS):
                    continue  # an error shown to the reader, not a turn of the conversation
                for mark in REFUSED_MARKS.values():
                    text = text.removeprefix(mark)
        if text.strip():
            turns.append({"role": role, "content": text})
    return turns


def _quote_block(text: str, quote: str) -> str:
    """The paragraph as a markdown block quote, the quoted sentence in bold."""
    start = text.find(quote) if quote else -1
    if start < 0 or not quote.strip():
        body = escape(text)
    else:
        end = start + len(quote)
        body = f"{escape(text[:start])}**{escape(quote)}**{escape(text[end:])}"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in body.splitlines())


def _ref(citation: Citation | Passage, labels: Mapping[str, str]) -> str:
    return escape(
        format_ref(labels.get(citation.article_id, citation.article_id), citation.paragraph)
    )


# Characters percent-encoded in a link target so the markdown link cannot be broken out of.
_LINK_UNSAFE = {c: f"%{ord(c):02X}" for c in "()<>[]\"'` \\"}


def source_link(url: object, text: str = "source ↗") -> str:
    """A markdown link to an article's http(s) URL, or "" for any other URL.

    The chat's markdown renderer opens such links in a new tab with
    ``rel="noopener noreferrer"``; ``javascript:``, ``data:`` and other schemes never become
    links.
    """
    safe = safe_url(url)
    if safe is None:
        return ""
    target = "".join(_LINK_UNSAFE.get(c, c) for c in safe)
    return f"[{escape(text)}]({target})"


def sources_markdown(answer: Answer, labels: Mapping[str, str] | None = None) -> str:
    """Markdown of the cited paragraphs: title, date, author, ¶ number and PDF page, a link to
    the article's URL, the full text and same-fact reports."""
    labels = labels if labels is not None else answer.labels()
    also = answer.also_reported_by()
    blocks = []
    for number, source in enumerate(answer.sources(), start=1):
        title = escape(source["title"] or source["article_id"])
        heading = f"**{number}. {title}**"
        if source["date"]:
            heading += f" · {escape(str(source['date']))}"
        if source.get("author"):
            heading += f" · {escape(str(source['author']))}"
        ref = format_ref(source["article_id"], source["paragraph"])
        heading += f" · ¶{source['paragraph']}"
        if source.get("page") is not None:
            heading += f" · p. {int(source['page'])}"
        if link := source_link(source.get("url")):
            heading += f" · {link}"
        heading += f"  \n`{ref}`"
        block = f"{heading}\n\n{_quote_block(source['text'], source['quote'])}"
        others = also.get((source["article_id"], source["paragraph"]), [])
        if others:
            block += "\n\n*Also reported by* " + ", ".join(_ref(c, labels) for c in others)
        blocks.append(block)
    return "\n\n".join(blocks)


def related_markdown(passages: Sequence[Passage]) -> str:
    """Markdown of the paragraphs closest to a refused question, marked as not evidence."""
    lines = [
        "*These paragraphs are close to the question but do not answer it; they are not "
        "evidence for an answer.*"
    ]
    for passage in passages:
        heading = f"**{escape(passage.title or passage.article_id)}** · ¶{passage.paragraph}"
        heading += f"  \n`{format_ref(passage.article_id, passage.paragraph)}`"
        lines.append(f"{heading}\n\n{_quote_block(passage.text, '')}")
    return "\n\n".join(lines)


def short_answer_line(answer: Answer, labels: Mapping[str, str]) -> str | None:
    """``**« 28 points »** — « quote » [headline ¶7]`` for an answer with a short answer.

    Quotation marks follow the question's language (« » in French, “ ” in English).
    """
    short = answer.short_answer
    if short is None or answer.refused:
        return None
    opening, closing = SHORT_QUOTES.get(answer.language, SHORT_QUOTES["en"])
    quote = neutralise_refs(short.citation.quote)
    return (
        f"**{opening}{escape(short.text)}{closing}** — {opening}{escape(quote)}{closing} "
        f"[{_ref(short.citation, labels)}]"
    )


def answer_text(answer: Answer, labels: Mapping[str, str]) -> str:
    """The answer's markdown: the short answer first, readable citations, disagreements."""
    if answer.refused:
        mark = REFUSED_MARKS.get(answer.language, REFUSED_MARKS["en"])
        return mark + escape(answer.answer)
    lines = answer.answer.split("\n")
    shown = [escape(relabel_refs(line, dict(labels))) for line in lines]
    first = short_answer_line(answer, labels)
    if first is not None and answer.short_answer is not None:
        # The sentence holding the short answer is shown once, led by it.
        quote = answer.short_answer.citation.quote
        index = next(
            (i for i, s in enumerate(answer.sentences) if s.text == quote),
            None,
        )
        if index is not None and len(lines) == len(answer.sentences):
            shown.pop(index)
        shown.insert(0, first)
    text = "\n".join(shown)
    note = DIFFERENCE_NOTES.get(answer.language, DIFFERENCE_NOTES["en"])
    for claim, other in answer.differences():
        text += "\n\n" + note.format(a=_ref(claim, labels), b=_ref(other, labels))
    if answer.notice:  # the LLM failed: extractive fallback or a partial answer
        text += f"\n\n*⚠ {escape(answer.notice)}*"
    return text


def answer_messages(answer: Answer, labels: Mapping[str, str] | None = None) -> list[Message]:
    """The chat messages showing an answer: its text, then a collapsible Sources block.

    A refusal has no Sources block; its closest paragraphs, if any, come in a block titled as
    related passages that are not evidence.

    Args:
        answer: The assistant's answer.
        labels: Readable label per article id (default: the answer's own, see
            :meth:`Answer.labels`); pass :meth:`Assistant.article_labels` to label articles
            the same way in every answer.
    """
    labels = labels if labels is not None else answer.labels()
    messages: list[Message] = [{"role": "assistant", "content": answer_text(answer, labels)}]
    if answer.refused:
        if answer.related:
            messages.append(
                {
                    "role": "assistant",
                    "content": related_markdown(answer.related),
                    "metadata": {"title": RELATED_TITLE, "status": "done"},
                }
            )
        return messages
    count = len(answer.citations)
    messages.append(
        {
            "role": "assistant",
            "content": sources_markdown(answer, labels),
            "metadata": {
                "title": SOURCES_TITLE,
                "log": f"{count} paragraph{'s' if count != 1 else ''}",
                "status": "done",
            },
        }
    )
    return messages


def notice(mark: str, error: Exception) -> Message:
    """An assistant message telling the reader what went wrong (left out of the history)."""
    return {"role": "assistant", "content": mark + escape(str(error))}


def status_markdown(assistant: Assistant) -> str:
    """One line about the index: articles, paragraphs, embedder, last indexing."""
    try:
        status = assistant.status()
    except RagError as exc:
        return f"**Index unavailable**: {escape(str(exc))}"
    line = (
        f"**Index**: {status.articles} articles · {status.paragraphs} paragraphs "
        f"({status.content_paragraphs} citable) · embedder `{status.embedder}`"
    )
    if status.last_indexed:
        line += f" · indexed {escape(status.last_indexed)}"
    return line


def stream_messages(
    assistant: Assistant, message: str, messages: Sequence[Message]
) -> Iterator[tuple[list[Message], Answer | None]]:
    """The chat after ``message``, step by step: search step, growing answer, final answer.

    ``messages`` is the chat shown so far (escaped, as this module renders it); the history
    passed to the assistant is :func:`plain_history` of it.

    Yields ``(messages, answer)`` where ``answer`` is set on the last step only. An invalid
    question or a failure yields the chat with a notice instead (``answer`` None).
    """
    messages = list(messages)
    try:
        events = assistant.stream(message, plain_history(messages, from_ui=True))
    except (InvalidQuestionError, ValueError) as exc:
        yield [*messages, notice(INVALID_MARK, exc)], None
        return
    question = {"role": "user", "content": escape(message.strip())}
    search: Message = {
        "role": "assistant",
        "content": "",
        "metadata": {"title": SEARCH_TITLE, "status": "pending"},
    }
    yield [*messages, question, search], None
    done = {**search, "metadata": {"title": SEARCHED_TITLE, "status": "done"}}
    labels: dict[str, str] = {}
    text = ""
    try:
        for event in events:
            if event.kind == "status":
                search = {**search, "content": f"Query: {escape(event.text)}"}
                done = {**search, "metadata": {"title": SEARCHED_TITLE, "status": "done"}}
                labels = assistant.article_labels()
                yield [*messages, question, search], None
            elif event.kind == "notice":
                shown = {"role": "assistant", "content": f"*⚠ {escape(event.text)}*"}
                yield [*messages, question, done, shown], None
            elif event.kind == "delta":
                text += event.text
                partial = {"role": "assistant", "content": escape(relabel_refs(text, labels))}
                yield [*messages, question, done, partial], None
            elif event.answer is not None:
                answer = event.answer
                labels = labels or answer.labels()
                yield [*messages, question, done, *answer_messages(answer, labels)], answer
    except RagError as exc:
        logger.exception("the assistant failed")
        yield [*messages, question, notice(ERROR_MARK, exc)], None
