"""Gradio chat over the grounded news assistant: every answer cites its paragraphs.

Run it (offline; the first run converts the embedding model and indexes the corpus)::

    python app.py                        # http://127.0.0.1:7860
    RAG_HOST=0.0.0.0 RAG_PORT=8080 RAG_DATA_DIR=/var/lib/rag python app.py

Settings come from ``RAG_*`` environment variables (see :class:`rag.Settings`).

The page shows one chat: each answer is followed by a collapsible "Sources" block giving, for
every citation, the article title, date, paragraph number and the full paragraph text (the
quoted sentence in bold). Refusals start with a bold "Pas de réponse" / "No answer" and have
no sources.

API
---
``/chat`` answers one question, statelessly: the conversation so far is passed in by the
caller, so concurrent clients never share history. It returns the assistant's JSON answer
(``Answer.to_dict()``) plus ``sources``, the cited paragraphs in full::

    from gradio_client import Client

    client = Client("http://127.0.0.1:7860/")
    result = client.predict("Qui a rencontré Dmitriev à Miami ?", api_name="/chat")
    result["answer"]       # sentences, each followed by "[article_id ¶n]"
    result["refused"]      # True when the articles do not answer the question
    result["citations"]    # [{"article_id", "paragraph", "title", "quote"}, ...]
    result["sources"]      # [{"article_id", "paragraph", "title", "date", "text"}, ...]

    first = client.predict("Qui est Dan Driscoll ?", api_name="/chat")
    history = [
        {"role": "user", "content": "Qui est Dan Driscoll ?"},
        {"role": "assistant", "content": first["answer"]},
    ]
    follow_up = client.predict("Et qui est-il par rapport à Vance ?", history, api_name="/chat")
    follow_up["query"]     # the standalone question retrieved with (completed from history)

An empty or too long question raises ``gradio_client.exceptions.AppError`` whose message says
what is wrong. Over plain HTTP: ``POST /gradio_api/call/chat`` with
``{"data": [question, history]}`` (both values required; ``null`` or ``[]`` for no history)
returns ``{"event_id": ...}``; then ``GET /gradio_api/call/chat/<event_id>`` streams the
result as server-sent events (``event: complete`` with ``data: [answer_dict]``, or
``event: error`` with the message).

``/respond`` is the endpoint the page itself uses (question and chat messages in Gradio's
format in; updated messages, HTML-escaped markdown, and the new textbox value out); prefer
``/chat`` in programs.
"""

import html
import logging
from collections.abc import Mapping, Sequence
from typing import Any

# rag sets the offline environment (no hub, no analytics) before gradio is imported.
from rag import Answer, Assistant, InvalidQuestionError, RagError, Settings
from rag.history import validate_history

# isort: split
import gradio as gr

logger = logging.getLogger("app")

REFUSED_MARKS = {"fr": "**Pas de réponse** — ", "en": "**No answer** — "}
INVALID_MARK = "**Invalid question** — "
ERROR_MARK = "**Error** — "
NOTICE_MARKS = (INVALID_MARK, ERROR_MARK)
SOURCES_TITLE = "Sources"
CONCURRENCY_ID = "assistant"
EXAMPLES = [
    "Qui a rencontré Dmitriev à Miami ?",
    "Quand a eu lieu la deuxième conversation entre Ouchakov et Dmitriev ?",
    "Que prévoit le plan en 28 points ?",
]


def escape(text: str) -> str:
    """Text made safe for the chat's markdown: HTML shows as text, images do not load.

    Reversible with :func:`unescape`.
    """
    return html.escape(text, quote=False).replace("![", "!&#91;")


def unescape(text: str) -> str:
    """Inverse of :func:`escape`."""
    return html.unescape(text)


def message_text(content: Any) -> str:
    """The text of a chat message's content (a string or Gradio's list of content parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        text = content.get("text")
        return text if isinstance(text, str) else ""
    if isinstance(content, Sequence):
        return "\n".join(t for t in (message_text(part) for part in content) if t)
    return ""


def plain_history(messages: Any, *, from_ui: bool) -> list[dict[str, str]]:
    """The user/assistant text turns of a conversation, as ``Assistant.ask`` expects them.

    Titled messages (the "Sources" blocks) and non-text content are dropped. Messages from the
    page are unescaped and lose the refusal marker; messages from API callers are kept as
    given.

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


def sources(answer: Answer) -> list[dict[str, Any]]:
    """The cited paragraphs in full, in citation order (see :meth:`Answer.sources`)."""
    return answer.sources()


def _quote_block(text: str, quote: str) -> str:
    """The paragraph as a markdown block quote, the quoted sentence in bold."""
    start = text.find(quote) if quote else -1
    if start < 0 or not quote.strip():
        body = escape(text)
    else:
        end = start + len(quote)
        body = f"{escape(text[:start])}**{escape(quote)}**{escape(text[end:])}"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in body.splitlines())


def sources_markdown(answer: Answer) -> str:
    """Markdown of the cited paragraphs: title, date, ¶ number, reference and full text."""
    blocks = []
    for number, source in enumerate(sources(answer), start=1):
        title = escape(source["title"] or source["article_id"])
        heading = f"**{number}. {title}**"
        if source["date"]:
            heading += f" · {escape(str(source['date']))}"
        heading += f" · ¶{source['paragraph']}  \n`{source['article_id']} ¶{source['paragraph']}`"
        blocks.append(f"{heading}\n\n{_quote_block(source['text'], source['quote'])}")
    return "\n\n".join(blocks)


def answer_messages(answer: Answer) -> list[dict[str, Any]]:
    """The chat messages showing an answer: its text, then a collapsible Sources block."""
    if answer.refused:
        mark = REFUSED_MARKS.get(answer.language, REFUSED_MARKS["en"])
        return [{"role": "assistant", "content": mark + escape(answer.answer)}]
    count = len(answer.citations)
    return [
        {"role": "assistant", "content": escape(answer.answer)},
        {
            "role": "assistant",
            "content": sources_markdown(answer),
            "metadata": {
                "title": SOURCES_TITLE,
                "log": f"{count} paragraph{'s' if count != 1 else ''}",
            },
        },
    ]


def notice(mark: str, error: Exception) -> dict[str, Any]:
    """An assistant message telling the reader what went wrong (left out of the history)."""
    return {"role": "assistant", "content": mark + escape(str(error))}


def header_markdown(assistant: Assistant) -> str:
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


def _ask(assistant: Assistant, question: str, history: list[dict[str, str]]) -> Answer:
    """``assistant.ask``, logged."""
    answer = assistant.ask(question, history=history)
    logger.info(
        "answered in %.2f s (refused=%s, %d citations)",
        answer.seconds,
        answer.refused,
        len(answer.citations),
    )
    return answer


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat page with its ``/respond`` (page) and ``/chat`` (JSON) endpoints."""

    def chat(message: str, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Answer `message` from the articles, citing paragraphs; `history` holds earlier
        {"role": "user"|"assistant", "content": str} turns. Returns the answer, `refused`,
        `citations` and the cited paragraphs in full (`sources`)."""
        try:
            turns = plain_history(history, from_ui=False)
        except ValueError as exc:
            raise gr.Error(f"Invalid history: {exc}", title="Invalid history") from exc
        try:
            answer = _ask(assistant, message, turns)
        except InvalidQuestionError as exc:
            raise gr.Error(f"Invalid question: {exc}", title="Invalid question") from exc
        except RagError as exc:
            logger.exception("the assistant failed")
            raise gr.Error(str(exc), title="The assistant failed") from exc
        result = answer.to_dict()
        result["sources"] = [
            {k: v for k, v in source.items() if k != "quote"} for source in sources(answer)
        ]
        return result

    def respond(
        message: str, messages: list[dict[str, Any]] | None
    ) -> tuple[list[dict[str, Any]], str]:
        """Add the question and its answer to the chat and clear the textbox.

        An invalid question adds a notice instead and stays in the textbox to be fixed.
        """
        messages = list(messages or [])
        try:
            answer = _ask(assistant, message, plain_history(messages, from_ui=True))
        except InvalidQuestionError as exc:
            return [*messages, notice(INVALID_MARK, exc)], message
        except RagError as exc:
            logger.exception("the assistant failed")
            return [*messages, notice(ERROR_MARK, exc)], message
        question = {"role": "user", "content": escape(message.strip())}
        return [*messages, question, *answer_messages(answer)], ""

    with gr.Blocks(title="News questions — cited answers") as demo:
        gr.Markdown(
            "## News questions, cited answers\n"
            "Ask in French or English. Every answer sentence is quoted from an indexed article and "
            "cited as `article ¶paragraph`; when the articles do not say, the assistant refuses."
        )
        header = gr.Markdown(header_markdown(assistant))
        chatbot = gr.Chatbot(
            label="Chat",
            height=560,
            sanitize_html=True,
            render_markdown=True,
            latex_delimiters=[],
            feedback_options=None,
            group_consecutive_messages=False,
            buttons=["copy"],
            placeholder="Ask a question about the articles.",
        )
        textbox = gr.Textbox(
            label="Question",
            show_label=False,
            placeholder="e.g. Qui a rencontré Dmitriev à Miami ?",
            submit_btn=True,
            max_lines=6,
            autofocus=True,
        )
        with gr.Row():
            gr.Examples(EXAMPLES, inputs=textbox, label="Examples")
            gr.ClearButton([textbox, chatbot], value="New conversation", scale=0)
        textbox.submit(
            respond,
            [textbox, chatbot],
            [chatbot, textbox],
            api_name="respond",
            show_progress="minimal",
            concurrency_id=CONCURRENCY_ID,
            concurrency_limit=1,
        )
        gr.api(chat, api_name="chat", concurrency_id=CONCURRENCY_ID, concurrency_limit=1)
        demo.load(
            lambda: header_markdown(assistant), None, header, api_visibility="private", queue=False
        )
    return demo


def main() -> None:
    """Load the assistant (indexing the corpus on first run) and serve the chat."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    logger.info("loading the assistant (the first run builds the index)…")
    assistant = Assistant(settings)
    demo = build_app(assistant)
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        show_error=True,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
    )


if __name__ == "__main__":
    main()
