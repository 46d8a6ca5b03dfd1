"""Gradio chat over the grounded news assistant: every answer cites its paragraphs.

Run it (offline; the first run converts the embedding model and indexes the corpus)::

    python app.py                        # http://127.0.0.1:7860
    RAG_HOST=0.0.0.0 RAG_API_KEYS=<long random key> RAG_PORT=8080 RAG_DATA_DIR=/var/lib/rag \
        python app.py

A non-loopback ``RAG_HOST`` is refused unless API keys are set (``RAG_API_KEYS`` or
``RAG_API_KEYS_FILE``); with keys, the page asks for one (any user name, the key as the
password) and so does every route. The same process serves the OpenAI-compatible API at
``/v1`` (see :mod:`rag.api.openai`), e.g. ``OpenAI(base_url="http://127.0.0.1:7860/v1",
api_key=KEY)``. ``RAG_ALLOW_UPLOADS=false`` / ``RAG_ALLOW_FEEDBACK=false`` switch uploads and
feedback off. Only deliberate routes answer (:class:`rag.RouteGuard`); request bodies are
capped by ``RAG_MAX_REQUEST_BYTES``.

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

*Index*: the indexed articles (title, date, paragraphs, bundled or uploaded), the removal of
an uploaded one, and an upload of new articles (``.txt``/``.md``, ``.html``, ``.pdf``,
``.docx``; the indexer's own checks)
indexed at once with a progress bar; a file is reported as added only once the index holds it,
otherwise refused with the reason.

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
    client.predict(api_name="/articles")    # [{"article_id", "title", "date", "paragraphs",
                                            #   "source": "bundled" | "uploaded"}, ...]
    client.predict("new", api_name="/remove")                       # "removed new …"
    client.predict(result["answer_id"], "up", "", api_name="/feedback")  # store a 👍

An empty or too long question raises ``gradio_client.exceptions.AppError`` whose message says
what is wrong. Over plain HTTP: ``POST /gradio_api/call/chat`` with
``{"data": [question, history]}`` (both values required; ``null`` or ``[]`` for no history)
returns ``{"event_id": ...}``; then ``GET /gradio_api/call/chat/<event_id>`` streams the
result as server-sent events (``event: complete`` with ``data: [answer_dict]``, or
``event: error`` with the message).

With keys: ``Client("http://127.0.0.1:7860/", auth=("any name", KEY))``. Feedback refers to
an answer by the ``answer_id`` that ``/chat`` returned; ``rating`` is ``"up"`` or ``"down"``.

``/respond`` is the endpoint the page itself uses (it streams the chat messages); prefer
``/chat`` in programs.
"""

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

# rag sets the offline environment (no hub, no analytics) before gradio is imported.
from rag import (
    ARTICLE_SUFFIXES,
    ERROR_MARK,
    Answer,
    Assistant,
    FeedbackError,
    FeedbackLog,
    InvalidQuestionError,
    IssuedAnswers,
    KeyLimiter,
    RagError,
    RouteGuard,
    Settings,
    check_exposure,
    create_api,
    escape,
    is_loopback,
    is_notice,
    load_api_keys,
    login_checker,
    plain_history,
    status_markdown,
    stream_messages,
)

# isort: split
import gradio as gr
from starlette.routing import Mount

from evals.ui import evaluation_tab

logger = logging.getLogger("app")

FEEDBACK_PER_MINUTE = 20
ASSISTANT_ID = "assistant"
INDEX_ID = "index"
EXAMPLES = [
    "De quoi parlent les articles ?",  # any corpus: each article's lead
    "Qui a rencontré Dmitriev à Miami ?",
    "Quand a eu lieu la deuxième conversation entre Ouchakov et Dmitriev ?",
    "Que prévoit le plan en 28 points ?",
    "Who is Kirill Dmitriev?",
    "What does the 28-point plan ask of Ukraine?",
]


def gradio_cache() -> Path:
    """Where Gradio keeps uploaded files (``GRADIO_TEMP_DIR`` or the system temp dir)."""
    folder = os.environ.get("GRADIO_TEMP_DIR") or str(Path(tempfile.gettempdir()) / "gradio")
    return Path(folder).resolve()


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
    (``/respond``), :meth:`upload` (``/upload``), :meth:`articles` (``/articles``),
    :meth:`remove` (``/remove``), :meth:`feedback` (``/feedback``).
    Rendering (markdown, escaping, history) lives in :mod:`rag.render`.
    """

    def __init__(
        self, assistant: Assistant, issued: IssuedAnswers | None = None, *, exposed: bool = False
    ) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self.feedback_log = FeedbackLog(self.settings.feedback_path)
        self.issued = issued or IssuedAnswers()
        self.exposed = exposed
        self.feedback_limiter = KeyLimiter(concurrency=2, per_minute=FEEDBACK_PER_MINUTE)

    @property
    def public_endpoints(self) -> list[str]:
        """The named endpoints callable over HTTP (``/gradio_api/call/<name>``)."""
        names = ["chat", "respond", "articles"]
        if self.settings.allow_uploads:
            names += ["upload", "remove"]
        if self.settings.allow_feedback:
            names.append("feedback")
        if not self.exposed:
            names.append("run_evaluation")
        return names

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
        result["answer_id"] = self.issued.add(message, answer)
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
            answer_id = self.issued.add(message, answer)
            for index in range(len(before) + 2, len(shown)):
                answers[str(index)] = answer_id
            yield shown, "", answers

    def rate(self, answers: dict[str, Any] | None, data: gr.LikeData) -> str:
        """Store a 👍/👎 on an answer (found by the id the server gave it)."""
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        answer_id = (answers or {}).get(str(index))
        if not isinstance(answer_id, str) or data.liked not in (True, False):
            return ""
        try:
            self.feedback_log.rate(self.issued, answer_id, "up" if data.liked else "down")
        except FeedbackError:
            return "This answer is too old to be rated."
        return "Thanks, your feedback was saved."

    def feedback(
        self,
        answer_id: str,
        rating: Literal["up", "down"],
        comment: str = "",
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        """Rate an answer returned by /chat: its `answer_id`, `rating` "up" (👍) or "down" (👎),
        and an optional `comment` (up to 2000 characters)."""
        client = request.client.host if request is not None and request.client else "unknown"
        try:
            self.feedback_limiter.acquire(f"feedback:{client}")
        except Exception as exc:
            raise gr.Error("Too much feedback: retry in a minute.", title="Slow down") from exc
        try:
            return self.feedback_log.rate(self.issued, answer_id, rating, comment)
        except FeedbackError as exc:
            raise gr.Error(str(exc), title="Invalid feedback") from exc
        finally:
            self.feedback_limiter.release(f"feedback:{client}")

    def upload(
        self,
        files: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, str]:
        """Check, save and index uploaded articles; returns a report line per file."""
        paths = [Path(f) for f in files or []]
        if not paths:
            return "Choose one or more article files first.", self.header()
        try:
            return self._add(paths, progress)
        finally:
            for path in paths:  # Gradio's temporary copies: indexed or refused, never kept
                if path.resolve().is_relative_to(gradio_cache()):
                    with contextlib.suppress(OSError):
                        path.unlink()
                        path.parent.rmdir()  # its per-upload folder, when now empty

    def _add(self, paths: list[Path], progress: gr.Progress) -> tuple[str, str]:
        progress(0, desc="Checking files")

        def step(done: int, total: int) -> None:
            progress((done, total), desc="Embedding paragraphs", unit="chunks")

        try:
            result, report = self.assistant.add_articles(paths, on_progress=step)
        except RagError as exc:
            return f"{ERROR_MARK}{escape(str(exc))}", self.header()
        # add_articles reports a file as added only once the index holds it; the others carry
        # the reason (the checks', or the index's) and were not kept.
        lines = [f"- {escape(line)}" for line in result.message.splitlines()]
        if report is not None and result.saved:
            lines.append(
                f"\nIndexed: {report.embedded_paragraphs} new paragraphs "
                f"({report.articles} articles in the index). You can ask about them now."
            )
        elif result.rejected:
            lines.append("\nThe index is unchanged.")
        return "\n".join(lines), self.header()

    def articles(self) -> list[dict[str, Any]]:
        """The indexed articles: ``article_id``, ``title``, ``date``, ``paragraphs`` and
        ``source`` (``"bundled"`` or ``"uploaded"``; only uploaded ones can be removed)."""
        try:
            return [info._asdict() for info in self.assistant.articles()]
        except RagError as exc:
            raise gr.Error(str(exc), title="Index unavailable") from exc

    def remove(self, article_id: str | None) -> tuple[str, str]:
        """Remove an uploaded article (file, paragraphs and search entries together)."""
        if not article_id:
            return "Choose an uploaded article to remove first.", self.header()
        try:
            report = self.assistant.remove_article(article_id)
        except RagError as exc:
            return f"{ERROR_MARK}{escape(str(exc))}", self.header()
        return (
            f"Removed `{escape(article_id)}` ({report.removed_chunks} chunks); "
            f"{report.articles} articles remain in the index.",
            self.header(),
        )

    def index_rows(self) -> tuple[list[list[Any]], list[tuple[str, str]]]:
        """The Index tab's table rows, and the (label, id) choices of removable articles."""
        try:
            found = self.assistant.articles()
        except RagError:
            found = []
        rows = [[a.title, a.date or "", a.paragraphs, a.source, a.article_id] for a in found]
        removable = [
            (f"{a.title[:70]} ({a.article_id})", a.article_id)
            for a in found
            if a.source == "uploaded"
        ]
        return rows, removable

    def index_view(self) -> tuple[list[list[Any]], Any]:
        """The Index tab's table and removal choices, refreshed."""
        rows, removable = self.index_rows()
        return rows, gr.Dropdown(choices=removable, value=None)

    def blocks(self) -> gr.Blocks:
        """The page: Chat, Index and Evaluation tabs, and every endpoint, queue configured."""
        settings = self.settings
        # Gradio's cached copies of uploads older than an hour are swept every 10 minutes.
        with gr.Blocks(title="News questions — cited answers", delete_cache=(600, 3600)) as demo:
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
                        feedback_options=(("Like", "Dislike") if settings.allow_feedback else None),
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
                    rows, removable = self.index_rows()
                    table = gr.Dataframe(
                        value=rows,
                        headers=["Title", "Date", "Paragraphs", "Source", "Article id"],
                        datatype=["str", "str", "number", "str", "str"],
                        interactive=False,
                        label="Indexed articles",
                        elem_id="articles-table",
                    )
                    if settings.allow_uploads:
                        with gr.Row():
                            choice = gr.Dropdown(
                                choices=removable,
                                value=None,
                                # Checked by the handler: the choices change with every upload.
                                allow_custom_value=True,
                                label="Uploaded article to remove",
                                elem_id="remove-choice",
                                scale=4,
                            )
                            remove = gr.Button(
                                "Remove from the index", variant="stop", elem_id="remove-button"
                            )
                        remove_report = gr.Markdown("", elem_id="remove-report")
                        gr.Markdown(
                            "Add articles: `.txt`/`.md` (paragraphs separated by a blank "
                            "line, the headline first), saved web pages `.html`, `.pdf` with a "
                            "text layer, Word `.docx`; up to "
                            f"{settings.max_file_bytes / 1_000_000:g} MB each, "
                            f"{settings.max_upload_files} at a time. They are indexed at once."
                        )
                        files = gr.File(
                            label="Articles",
                            file_count="multiple",
                            file_types=list(ARTICLE_SUFFIXES),
                            type="filepath",
                            elem_id="upload-files",
                        )
                        add = gr.Button(
                            "Add to the index", variant="primary", elem_id="upload-button"
                        )
                        upload_report = gr.Markdown("", elem_id="upload-report")
                    else:
                        gr.Markdown("Uploads and removals are switched off on this server.")
                with gr.Tab("Evaluation", id="evaluation"):
                    evaluation_tab(
                        self.assistant,
                        out_dir=settings.data_dir / "reports",
                        runnable=not self.exposed,
                    )
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
            if settings.allow_feedback:
                chatbot.like(self.rate, [answers], rated, queue=False, api_visibility="private")
            if settings.allow_uploads:
                add.click(
                    self.upload,
                    files,
                    [upload_report, header],
                    api_name="upload",
                    concurrency_id=INDEX_ID,
                    concurrency_limit=1,
                ).then(self.index_view, None, [table, choice], api_visibility="private")
                remove.click(
                    self.remove,
                    choice,
                    [remove_report, header],
                    api_name="remove",
                    concurrency_id=INDEX_ID,
                    concurrency_limit=1,
                ).then(self.index_view, None, [table, choice], api_visibility="private")
            gr.api(self.articles, api_name="articles", queue=False)
            gr.api(
                self.chat,
                api_name="chat",
                concurrency_id=ASSISTANT_ID,
                concurrency_limit=settings.chat_concurrency,
            )
            if settings.allow_feedback:
                gr.api(self.feedback, api_name="feedback", queue=False)
            demo.load(self.header, None, header, api_visibility="private", queue=False)
            if settings.allow_uploads:
                demo.load(self.index_view, None, [table, choice], api_visibility="private")
            else:
                demo.load(lambda: self.index_view()[0], None, table, api_visibility="private")
        demo.queue(
            max_size=settings.chat_queue_size, default_concurrency_limit=settings.chat_concurrency
        )
        return demo


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat page with its ``/respond`` (page), ``/chat`` (JSON), ``/upload``, ``/articles``,
    ``/remove`` and ``/feedback`` endpoints."""
    return ChatApp(assistant).blocks()


def server_app(chat_app: ChatApp, keys: list[str]) -> Any:
    """One ASGI app: the service API at ``/v1`` and the chat page at ``/``, behind the route
    allowlist and one body-size limit; with keys, the page asks for one (any user name, a
    key as the password).
    """
    settings = chat_app.settings
    demo = chat_app.blocks()
    root = create_api(chat_app.assistant, settings, issued=chat_app.issued)
    gr.mount_gradio_app(
        root,
        demo,
        path="/",
        auth=login_checker(keys) if keys else None,
        auth_message="Sign in with any user name and an API key as the password." if keys else None,
        show_error=False,  # our gr.Error messages still show; never an exception's text
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        footer_links=[],
        # Gradio stops huge uploads itself; smaller oversized ones get our specific message.
        max_file_size=max(2 * settings.max_file_bytes, 10_000_000),
    )
    gradio_app = next(route.app for route in root.routes if isinstance(route, Mount))

    def logged_in(cookies: dict[str, str]) -> bool:
        # Gradio keeps its login tokens in App.tokens, sent back as access-token-* cookies.
        tokens = getattr(gradio_app, "tokens", {})
        return any(k.startswith("access-token") and v in tokens for k, v in cookies.items())

    root.add_middleware(
        RouteGuard,
        logged_in=logged_in if keys else None,
        public_endpoints=chat_app.public_endpoints,
        uploads=settings.allow_uploads,
        upload_suffixes=ARTICLE_SUFFIXES,
        max_upload_bytes=settings.request_limit,
    )
    return root


def main() -> None:
    """Load the assistant (indexing the corpus on first run) and serve the chat and the API.

    A non-loopback ``RAG_HOST`` without API keys is refused before anything is loaded.
    """
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    try:
        keys = load_api_keys(settings)
        check_exposure(settings.host, keys)
    except RagError as exc:
        raise SystemExit(f"error: {exc}") from exc
    logger.info("loading the assistant (the first run builds the index)…")
    assistant = Assistant(settings)
    chat_app = ChatApp(assistant, exposed=not is_loopback(settings.host))
    uvicorn.run(
        server_app(chat_app, keys),
        host=settings.host,
        port=settings.port,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
