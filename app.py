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

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# rag sets the offline environment (no hub, no analytics) before gradio is imported.
from rag import (
    ERROR_MARK,
    Answer,
    Assistant,
    FeedbackLog,
    InvalidQuestionError,
    RagError,
    Settings,
    escape,
    is_notice,
    plain_history,
    status_markdown,
    stream_messages,
)

# isort: split
import gradio as gr

from evals.ui import evaluation_tab

logger = logging.getLogger("app")

ASSISTANT_ID = "assistant"
INDEX_ID = "index"
EXAMPLES = [
    "Qui a rencontré Dmitriev à Miami ?",
    "Quand a eu lieu la deuxième conversation entre Ouchakov et Dmitriev ?",
    "Que prévoit le plan en 28 points ?",
    "Who is Kirill Dmitriev?",
    "What does the 28-point plan ask of Ukraine?",
]


def log_answer(answer: Answer) -> None:
    """Log how long an answer took and what it cites."""
    logger.info(
        "answered in %.2f s (refused=%s, %d citations)",
        answer.seconds,
        answer.refused,
        len(answer.citations),
    )


class ChatApp:
    """The page's handlers over one :class:`rag.Assistant`; :meth:`blocks` wires them up.

    Each public handler is an endpoint: :meth:`chat` (``/chat``), :meth:`respond`
    (``/respond``), :meth:`upload` (``/upload``), :meth:`feedback` (``/feedback``).
    Rendering (markdown, escaping, history) lives in :mod:`rag.render`.
    """

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self.feedback_log = FeedbackLog(self.settings.feedback_path)

    def header(self) -> str:
        """The line about the index shown above the tabs."""
        return status_markdown(self.assistant)

    def chat(self, message: str, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Answer `message` from the articles, citing paragraphs; `history` holds earlier
        {"role": "user"|"assistant", "content": str} turns. Returns the answer, `refused`,
        `citations` and the cited paragraphs in full (`sources`)."""
        try:
            turns = plain_history(history, from_ui=False)
        except ValueError as exc:
            raise gr.Error(f"Invalid history: {exc}", title="Invalid history") from exc
        try:
            answer = self.assistant.ask(message, history=turns)
        except InvalidQuestionError as exc:
            raise gr.Error(f"Invalid question: {exc}", title="Invalid question") from exc
        except RagError as exc:
            logger.exception("the assistant failed")
            raise gr.Error(str(exc), title="The assistant failed") from exc
        log_answer(answer)
        result = answer.to_dict()
        result["sources"] = [
            {k: v for k, v in source.items() if k != "quote"} for source in answer.sources()
        ]
        return result

    def respond(
        self, message: str, messages: list[dict[str, Any]] | None, answers: dict[str, Any] | None
    ) -> Iterator[tuple[list[dict[str, Any]], str, dict[str, Any]]]:
        """Stream the question's answer into the chat and clear the textbox.

        An invalid question adds a notice instead and stays in the textbox to be fixed.
        ``answers`` maps the index of each message showing an answer to its question and
        answer dict, for 👍/👎.
        """
        answers = dict(answers or {})
        before = list(messages or [])
        for shown, answer in stream_messages(self.assistant, message, before):
            if answer is None:
                yield shown, message if is_notice(shown[-1]) else "", answers
                continue
            log_answer(answer)
            # The messages after the question and the search step show this answer.
            record = {"question": message, "answer": answer.to_dict()}
            for index in range(len(before) + 2, len(shown)):
                answers[str(index)] = record
            yield shown, "", answers

    def rate(self, answers: dict[str, Any] | None, data: gr.LikeData) -> str:
        """Store a 👍/👎 on an answer with its question and citations."""
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        record = (answers or {}).get(str(index))
        if record is None or data.liked not in (True, False):
            return ""
        self.feedback_log.record(record["question"], record["answer"], liked=bool(data.liked))
        return "Thanks, your feedback was saved."

    def feedback(
        self, question: str, answer: dict[str, Any], liked: bool, comment: str = ""
    ) -> dict[str, Any]:
        """Store a rating of an answer returned by /chat: `liked` True for 👍, False for 👎."""
        try:
            return self.feedback_log.record(question, answer, liked=liked, comment=comment)
        except ValueError as exc:
            raise gr.Error(str(exc), title="Invalid feedback") from exc

    def upload(
        self,
        files: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, str]:
        """Check, save and index uploaded .txt/.md articles; returns a report line per file."""
        paths = [Path(f) for f in files or []]
        if not paths:
            return "Choose one or more .txt or .md files first.", self.header()
        progress(0, desc="Checking files")

        def step(done: int, total: int) -> None:
            progress((done, total), desc="Embedding paragraphs", unit="chunks")

        try:
            result, report = self.assistant.add_articles(paths, on_progress=step)
        except RagError as exc:
            return f"{ERROR_MARK}{escape(str(exc))}", self.header()
        lines = [f"- {escape(line)}" for line in result.message.splitlines()]
        if report is not None:
            lines.append(
                f"\nIndexed: {report.embedded_paragraphs} new paragraphs "
                f"({report.articles} articles in the index). You can ask about them now."
            )
        return "\n".join(lines), self.header()

    def blocks(self) -> gr.Blocks:
        """The page: Chat, Index and Evaluation tabs, and every endpoint, queue configured."""
        settings = self.settings
        with gr.Blocks(title="News questions — cited answers") as demo:
            gr.Markdown(
                "## News questions, cited answers\n"
                "Ask in French or English. Every answer sentence is quoted from an indexed "
                "article and cited as `[headline ¶paragraph]`; when the articles do not say, "
                "the assistant refuses."
            )
            header = gr.Markdown(self.header(), elem_id="index-header")
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
                        f"Add articles: `.txt` or `.md`, up to "
                        f"{settings.max_upload_bytes // 1000} kB each, "
                        f"{settings.max_upload_files} at a time. Paragraphs are separated by a "
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
                    evaluation_tab(self.assistant)
            textbox.submit(
                self.respond,
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
            chatbot.like(self.rate, [answers], rated, queue=False, api_visibility="private")
            add.click(
                self.upload,
                files,
                [upload_report, header],
                api_name="upload",
                concurrency_id=INDEX_ID,
                concurrency_limit=1,
            )
            gr.api(
                self.chat,
                api_name="chat",
                concurrency_id=ASSISTANT_ID,
                concurrency_limit=settings.chat_concurrency,
            )
            gr.api(self.feedback, api_name="feedback", queue=False)
            demo.load(self.header, None, header, api_visibility="private", queue=False)
        demo.queue(
            max_size=settings.chat_queue_size, default_concurrency_limit=settings.chat_concurrency
        )
        return demo


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat page with its ``/respond`` (page), ``/chat`` (JSON), ``/upload`` and
    ``/feedback`` endpoints."""
    return ChatApp(assistant).blocks()


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
