"""Gradio chat over the grounded news assistant: every answer cites its paragraphs.

Run it (offline; the first run converts the embedding model and indexes the corpus)::

    python app.py                        # http://127.0.0.1:7860
    RAG_HOST=0.0.0.0 RAG_PORT=8080 RAG_DATA_DIR=/var/lib/rag python app.py

Settings come from ``RAG_*`` environment variables (see :class:`rag.Settings`).

The page
--------
*Chat*: answers stream in after a "Searching the articles" step (which shows the query
actually searched, completed from the conversation for a follow-up). Citations read
``[short headline ¶n]``; under each answer a collapsible "Sources" block gives, for every
cited paragraph, the article title, date, paragraph number and the full paragraph text with
the quoted sentence in bold, and which other articles report the same fact. When two articles
give different figures for the same fact, the answer quotes both and says so. Refusals start
with a bold "Pas de réponse" / "No answer", cite nothing, and may offer "Related passages",
marked as not evidence. 👍/👎 under an answer are stored in ``<data dir>/feedback.jsonl``.
"New conversation" clears the chat.

*Index*: what is indexed, and an upload of new ``.txt``/``.md`` articles (type, size and
content checked) indexed at once with a progress bar.

*Evaluation*: the latest ``python -m evals`` report (metrics against their bars, by kind,
plot, failures with their answers) and a button that re-runs it on the current index.

API
---
``/chat`` answers one question, statelessly: the conversation so far is passed in by the
caller, so concurrent clients never share history. It returns the assistant's JSON answer
(``Answer.to_dict()``) plus ``sources``, the cited paragraphs in full::

    from gradio_client import Client, handle_file

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

    client.predict([handle_file("new.txt")], api_name="/upload")    # "added new.txt …"
    client.predict("Qui …?", result, True, "", api_name="/feedback")  # store a 👍

An empty or too long question raises ``gradio_client.exceptions.AppError`` whose message says
what is wrong. Over plain HTTP: ``POST /gradio_api/call/chat`` with
``{"data": [question, history]}`` (both values required; ``null`` or ``[]`` for no history)
returns ``{"event_id": ...}``; then ``GET /gradio_api/call/chat/<event_id>`` streams the
result as server-sent events (``event: complete`` with ``data: [answer_dict]``, or
``event: error`` with the message).

``/respond`` is the endpoint the page itself uses (it streams the chat messages); prefer
``/chat`` in programs.
"""

import html
import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

# rag sets the offline environment (no hub, no analytics) before gradio is imported.
from rag import Answer, Assistant, InvalidQuestionError, RagError, Settings
from rag.feedback import FeedbackLog
from rag.history import validate_history
from rag.refs import relabel_refs
from rag.types import Citation, Passage

# isort: split
import gradio as gr

from evals.ui import evaluation_tab

logger = logging.getLogger("app")

REFUSED_MARKS = {"fr": "**Pas de réponse** — ", "en": "**No answer** — "}
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
ASSISTANT_ID = "assistant"
INDEX_ID = "index"
EXAMPLES = [
    "Qui a rencontré Dmitriev à Miami ?",
    "Quand a eu lieu la deuxième conversation entre Ouchakov et Dmitriev ?",
    "Que prévoit le plan en 28 points ?",
    "Who is Kirill Dmitriev?",
    "What does the 28-point plan ask of Ukraine?",
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

    Titled messages (search steps, "Sources" blocks) and non-text content are dropped.
    Messages from the page are unescaped and lose the refusal marker; messages from API
    callers are kept as given.

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


def _ref(citation: Citation | Passage, labels: Mapping[str, str]) -> str:
    return f"{escape(labels.get(citation.article_id, citation.article_id))} ¶{citation.paragraph}"


def sources_markdown(answer: Answer, labels: Mapping[str, str] | None = None) -> str:
    """Markdown of the cited paragraphs: title, date, ¶ number, full text, same-fact reports."""
    labels = labels if labels is not None else answer.labels()
    also = answer.also_reported_by()
    blocks = []
    for number, source in enumerate(sources(answer), start=1):
        title = escape(source["title"] or source["article_id"])
        heading = f"**{number}. {title}**"
        if source["date"]:
            heading += f" · {escape(str(source['date']))}"
        heading += f" · ¶{source['paragraph']}  \n`{source['article_id']} ¶{source['paragraph']}`"
        block = f"{heading}\n\n{_quote_block(source['text'], source['quote'])}"
        others = also.get((source["article_id"], source["paragraph"]), [])
        if others:
            block += "\n\n*Also reported by* " + ", ".join(_ref(c, labels) for c in others)
        blocks.append(block)
    return "\n\n".join(blocks)


def related_markdown(passages: Sequence[Passage], labels: Mapping[str, str]) -> str:
    """Markdown of the paragraphs closest to a refused question, marked as not evidence."""
    lines = [
        "*These paragraphs are close to the question but do not answer it; they are not "
        "evidence for an answer.*"
    ]
    for passage in passages:
        heading = f"**{escape(passage.title or passage.article_id)}** · ¶{passage.paragraph}"
        heading += f"  \n`{passage.article_id} ¶{passage.paragraph}`"
        lines.append(f"{heading}\n\n{_quote_block(passage.text, '')}")
    return "\n\n".join(lines)


def answer_text(answer: Answer, labels: Mapping[str, str]) -> str:
    """The answer's markdown: readable citations, and where the articles disagree."""
    if answer.refused:
        mark = REFUSED_MARKS.get(answer.language, REFUSED_MARKS["en"])
        return mark + escape(answer.answer)
    text = escape(relabel_refs(answer.answer, dict(labels)))
    note = DIFFERENCE_NOTES.get(answer.language, DIFFERENCE_NOTES["en"])
    for claim, other in answer.differences():
        text += "\n\n" + note.format(a=_ref(claim, labels), b=_ref(other, labels))
    if answer.notice:  # the LLM failed: extractive fallback or a partial answer
        text += f"\n\n*⚠ {escape(answer.notice)}*"
    return text


def answer_messages(
    answer: Answer, labels: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The chat messages showing an answer: its text, then a collapsible Sources block.

    A refusal has no Sources block; its closest paragraphs, if any, come in a block titled as
    related passages that are not evidence.
    """
    labels = labels if labels is not None else answer.labels()
    messages: list[dict[str, Any]] = [{"role": "assistant", "content": answer_text(answer, labels)}]
    if answer.refused:
        if answer.related:
            messages.append(
                {
                    "role": "assistant",
                    "content": related_markdown(answer.related, labels),
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


def _log_answer(answer: Answer) -> None:
    logger.info(
        "answered in %.2f s (refused=%s, %d citations)",
        answer.seconds,
        answer.refused,
        len(answer.citations),
    )


def stream_messages(
    assistant: Assistant, message: str, messages: list[dict[str, Any]]
) -> Iterator[tuple[list[dict[str, Any]], Answer | None]]:
    """The chat after ``message``, step by step: search step, growing answer, final answer.

    Yields ``(messages, answer)`` where ``answer`` is set on the last step only. An invalid
    question or a failure yields the chat with a notice instead (``answer`` None).
    """
    try:
        events = assistant.stream(message, plain_history(messages, from_ui=True))
    except (InvalidQuestionError, ValueError) as exc:
        yield [*messages, notice(INVALID_MARK, exc)], None
        return
    question = {"role": "user", "content": escape(message.strip())}
    search: dict[str, Any] = {
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
                _log_answer(answer)
                labels = labels or answer.labels()
                yield [*messages, question, done, *answer_messages(answer, labels)], answer
    except RagError as exc:
        logger.exception("the assistant failed")
        yield [*messages, question, notice(ERROR_MARK, exc)], None


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat page with its ``/respond`` (page), ``/chat`` (JSON), ``/upload`` and
    ``/feedback`` endpoints."""
    settings = assistant.settings
    feedback_log = FeedbackLog(settings.feedback_path)

    def chat(message: str, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Answer `message` from the articles, citing paragraphs; `history` holds earlier
        {"role": "user"|"assistant", "content": str} turns. Returns the answer, `refused`,
        `citations` and the cited paragraphs in full (`sources`)."""
        try:
            turns = plain_history(history, from_ui=False)
        except ValueError as exc:
            raise gr.Error(f"Invalid history: {exc}", title="Invalid history") from exc
        try:
            answer = assistant.ask(message, history=turns)
        except InvalidQuestionError as exc:
            raise gr.Error(f"Invalid question: {exc}", title="Invalid question") from exc
        except RagError as exc:
            logger.exception("the assistant failed")
            raise gr.Error(str(exc), title="The assistant failed") from exc
        _log_answer(answer)
        result = answer.to_dict()
        result["sources"] = [
            {k: v for k, v in source.items() if k != "quote"} for source in sources(answer)
        ]
        return result

    def respond(
        message: str, messages: list[dict[str, Any]] | None, answers: dict[str, Any] | None
    ) -> Iterator[tuple[list[dict[str, Any]], str, dict[str, Any]]]:
        """Stream the question's answer into the chat and clear the textbox.

        An invalid question adds a notice instead and stays in the textbox to be fixed.
        """
        answers = dict(answers or {})
        shown = list(messages or [])
        for shown, answer in stream_messages(assistant, message, list(messages or [])):
            if answer is None:
                yield (
                    shown,
                    message if shown[-1]["content"].startswith(NOTICE_MARKS) else "",
                    answers,
                )
                continue
            # Remember which messages show this answer (after the question and the search
            # step), for 👍/👎.
            first = len(messages or []) + 2
            record = {"question": message, "answer": answer.to_dict()}
            for index in range(first, len(shown)):
                answers[str(index)] = record
            yield shown, "", answers

    def rate(answers: dict[str, Any] | None, data: gr.LikeData) -> str:
        """Store a 👍/👎 on an answer with its question and citations."""
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        record = (answers or {}).get(str(index))
        if record is None or data.liked not in (True, False):
            return ""
        feedback_log.record(record["question"], record["answer"], liked=bool(data.liked))
        return "Thanks, your feedback was saved."

    def feedback(
        question: str, answer: dict[str, Any], liked: bool, comment: str = ""
    ) -> dict[str, Any]:
        """Store a rating of an answer returned by /chat: `liked` True for 👍, False for 👎."""
        try:
            return feedback_log.record(question, answer, liked=liked, comment=comment)
        except ValueError as exc:
            raise gr.Error(str(exc), title="Invalid feedback") from exc

    def upload(
        files: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, str]:
        """Check, save and index uploaded .txt/.md articles; returns a report line per file."""
        paths = [Path(f) for f in files or []]
        if not paths:
            return "Choose one or more .txt or .md files first.", header_markdown(assistant)
        progress(0, desc="Checking files")

        def step(done: int, total: int) -> None:
            progress((done, total), desc="Embedding paragraphs", unit="chunks")

        try:
            result, report = assistant.add_articles(paths, on_progress=step)
        except RagError as exc:
            return f"{ERROR_MARK}{escape(str(exc))}", header_markdown(assistant)
        lines = [f"- {escape(line)}" for line in result.message.splitlines()]
        if report is not None:
            lines.append(
                f"\nIndexed: {report.embedded_paragraphs} new paragraphs "
                f"({report.articles} articles in the index). You can ask about them now."
            )
        return "\n".join(lines), header_markdown(assistant)

    with gr.Blocks(title="News questions — cited answers") as demo:
        gr.Markdown(
            "## News questions, cited answers\n"
            "Ask in French or English. Every answer sentence is quoted from an indexed article and "
            "cited as `[headline ¶paragraph]`; when the articles do not say, the assistant refuses."
        )
        header = gr.Markdown(header_markdown(assistant), elem_id="index-header")
        answers = gr.State({})
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chatbot = gr.Chatbot(
                    label="Chat",
                    elem_id="chat",
                    height=640,
                    sanitize_html=True,
                    render_markdown=True,
                    latex_delimiters=[],
                    feedback_options=("Like", "Dislike"),
                    group_consecutive_messages=False,
                    buttons=["copy"],
                    placeholder="Ask a question about the articles.",
                )
                textbox = gr.Textbox(
                    label="Question",
                    show_label=False,
                    elem_id="question",
                    placeholder="e.g. Qui a rencontré Dmitriev à Miami ?",
                    submit_btn=True,
                    max_lines=6,
                    autofocus=True,
                )
                rated = gr.Markdown("", elem_id="feedback-status")
                with gr.Row():
                    gr.Examples(EXAMPLES, inputs=textbox, label="Examples")
                    new = gr.Button("New conversation", scale=0, elem_id="new-conversation")
            with gr.Tab("Index", id="index"):
                gr.Markdown(
                    f"Add articles: `.txt` or `.md`, up to {settings.max_upload_bytes // 1000} kB "
                    f"each, {settings.max_upload_files} at a time. Paragraphs are separated by a "
                    "blank line; the headline comes first. They are indexed at once."
                )
                files = gr.File(
                    label="Articles",
                    file_count="multiple",
                    file_types=[".txt", ".md"],
                    type="filepath",
                    elem_id="upload-files",
                )
                add = gr.Button("Add to the index", variant="primary", elem_id="upload-button")
                upload_report = gr.Markdown("", elem_id="upload-report")
            with gr.Tab("Evaluation", id="evaluation"):
                evaluation_tab(assistant)
        textbox.submit(
            respond,
            [textbox, chatbot, answers],
            [chatbot, textbox, answers],
            api_name="respond",
            show_progress="hidden",
            concurrency_id=ASSISTANT_ID,
            concurrency_limit=settings.chat_concurrency,
        )
        new.click(
            lambda: ([], "", {}, ""),
            None,
            [chatbot, textbox, answers, rated],
            queue=False,
            api_visibility="private",
        )
        chatbot.like(rate, [answers], rated, queue=False, api_visibility="private")
        add.click(
            upload,
            files,
            [upload_report, header],
            api_name="upload",
            concurrency_id=INDEX_ID,
            concurrency_limit=1,
        )
        gr.api(
            chat,
            api_name="chat",
            concurrency_id=ASSISTANT_ID,
            concurrency_limit=settings.chat_concurrency,
        )
        gr.api(feedback, api_name="feedback", queue=False)
        demo.load(
            lambda: header_markdown(assistant), None, header, api_visibility="private", queue=False
        )
    demo.queue(
        max_size=settings.chat_queue_size, default_concurrency_limit=settings.chat_concurrency
    )
    return demo


def launch(demo: gr.Blocks, settings: Settings, **kwargs: Any) -> Any:
    """Serve the app on ``settings.host``/``settings.port`` with offline-safe options."""
    return demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        show_error=True,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        # Gradio stops huge uploads itself; smaller oversized ones get our specific message.
        max_file_size=max(2 * settings.max_upload_bytes, 10_000_000),
        **kwargs,
    )


def main() -> None:
    """Load the assistant (indexing the corpus on first run) and serve the chat."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    logger.info("loading the assistant (the first run builds the index)…")
    assistant = Assistant(settings)
    launch(build_app(assistant), settings)


if __name__ == "__main__":
    main()
