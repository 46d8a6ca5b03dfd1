"""Command line: ``python -m rag index | ask | status | articles | remove | serve``.

Exit codes: 0 success, 1 error (message on stderr), 2 usage error, 3 indexed but some files
were skipped.
"""

from __future__ import annotations

import atexit
import gc
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from index import offline  # noqa: F401  (offline env before heavy imports)
from index.errors import RagError
from rag.config import Settings

app = typer.Typer(
    name="rag",
    help="Grounded question answering over news articles, cited to article and paragraph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data folder (default: $RAG_DATA_DIR or .rag).")
]
EXIT_ERROR = 1
EXIT_PARTIAL = 3


def _settings(data_dir: Path | None, **overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(**values)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


def _annotate_for_questions(settings: Any, store: Any, embedder: Any) -> int:
    """What :meth:`rag.Assistant.index` does after a sync, when the index changed since the
    reader's annotations were made: the BM25 side for the new revision (saved for the app) and
    the annotation of every citable sentence. Returns how many sentences were annotated."""
    from rag.assistant import Assistant
    from rag.reader.annotation_store import AnnotationStore

    annotations = AnnotationStore.for_settings(settings)
    revision = store.revision()
    if annotations is None or revision is None or annotations.holds(revision):
        return 0  # off, nothing indexed, or an unchanged index: nothing to load
    quiet = settings.model_copy(update={"auto_index": False})
    return Assistant(quiet, embedder=embedder).annotate_corpus()


@app.command()
def index(
    path: Annotated[
        Path | None, typer.Argument(help="Folder of articles (.txt, .md, .html, .pdf, .docx).")
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Drop the index and re-embed all.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Index the corpus folder (default: the bundled corpus) and the uploaded articles.

    Only changed paragraphs are re-embedded. Uploaded articles stay indexed whatever folder is
    given (`remove` takes one out).
    """
    from index.embed import Embedder
    from index.errors import StoreError
    from index.sources import describe_folder_switch, sync_sources
    from index.store import ArticleStore, quarantine_store

    settings = _settings(data_dir, corpus_dir=path)
    try:
        embedder = Embedder.from_settings(settings)
        try:
            store = ArticleStore(settings, embedder)
        except StoreError:
            if not rebuild:
                raise
            moved = quarantine_store(settings)  # unopenable: keep it aside, start afresh
            typer.echo(f"warning: moved the unreadable store to {moved}", err=True)
            store = ArticleStore(settings, embedder)
        report = sync_sources(store, settings, rebuild=rebuild, progress=sys.stderr.isatty())
        annotated = _annotate_for_questions(settings, store, embedder)
    except RagError as exc:
        raise _fail(str(exc)) from exc
    for issue in report.issues:
        typer.echo(f"{issue.level}: {issue.path.name}: {issue.message}", err=True)
    typer.echo(
        f"indexed {report.articles} articles, {report.paragraphs} paragraphs "
        f"({report.chunks} chunks) "
        f"from {report.folder} in {report.seconds:.1f}s: re-embedded {report.embedded_paragraphs} "
        f"paragraphs, removed {report.removed_chunks} chunks"
        + (f" (articles {', '.join(report.removed_articles)})" if report.removed_articles else "")
    )
    if path is not None:
        typer.echo(describe_folder_switch(settings, path, _settings(data_dir).corpus_dir), err=True)
    if report.completed_removals:
        typer.echo(
            f"note: completed the interrupted removal of {', '.join(report.completed_removals)}",
            err=True,
        )
    if annotated:
        typer.echo(f"annotated {annotated} sentences for the reader", err=True)
    if report.lock_wait_seconds >= 1:
        typer.echo(
            f"note: waited {report.lock_wait_seconds:.1f}s for another indexer to finish", err=True
        )
    if any(issue.level == "error" for issue in report.issues):
        raise typer.Exit(EXIT_PARTIAL)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in French or English.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    history: Annotated[
        Path | None, typer.Option("--history", help="JSON file: [{'role': ..., 'content': ...}].")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Answer a question from the indexed articles, with citations (or refuse)."""
    from rag.assistant import Assistant

    messages: list[dict[str, Any]] | None = None
    if history is not None:
        try:
            messages = json.loads(history.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise _fail(f"cannot read history file {history}: {exc}") from exc
    try:
        answer = Assistant(_settings(data_dir)).ask(question, history=messages)
    except (RagError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    if answer.short_answer is not None:
        short = answer.short_answer
        opening, closing = ("« ", " »") if answer.language == "fr" else ("“", "”")
        typer.echo(f"{opening}{short.text}{closing} [{short.citation.ref}]")
    typer.echo(answer.answer)
    for citation in answer.citations:
        typer.echo(f"  [{citation.ref}] {citation.title}")


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Show what the index holds: articles, paragraphs, embedder, location, last indexed."""
    from index.embed import Embedder
    from index.store import ArticleStore

    settings = _settings(data_dir)
    try:
        info = ArticleStore(settings, Embedder.deferred(settings)).status()
    except RagError as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(info.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"articles: {info.articles}\n"
        f"paragraphs: {info.paragraphs} ({info.content_paragraphs} citable)\n"
        f"chunks: {info.chunks}\nembedder: {info.embedder}\nindex: {info.location} "
        f"(collection {info.collection})\nlast indexed: {info.last_indexed or 'never'}"
    )


@app.command()
def articles(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """List the indexed articles: id, date, paragraphs, bundled or uploaded, title."""
    from index.embed import Embedder
    from index.sources import list_articles
    from index.store import ArticleStore

    settings = _settings(data_dir)
    try:
        found = list_articles(ArticleStore(settings, Embedder.deferred(settings)), settings)
    except RagError as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps([a._asdict() for a in found], ensure_ascii=False, indent=2))
        return
    for info in found:
        typer.echo(
            f"{info.article_id}\t{info.date or '-'}\t{info.paragraphs} ¶\t{info.source}\t"
            f"{info.title}"
        )


@app.command()
def remove(
    article_id: Annotated[str, typer.Argument(help="Id of an uploaded article (`articles`).")],
    data_dir: DataDir = None,
) -> None:
    """Remove an uploaded article: its file, its paragraphs and its search entries, together."""
    from index.embed import Embedder
    from index.sources import remove_uploaded
    from index.store import ArticleStore

    settings = _settings(data_dir)
    try:
        store = ArticleStore(settings, Embedder.from_settings(settings))
        report = remove_uploaded(store, settings, article_id)
    except RagError as exc:
        raise _fail(str(exc)) from exc
    others = [a for a in report.removed_articles if a != article_id]
    typer.echo(
        f"removed {article_id}: {report.removed_chunks} chunks; "
        f"{report.articles} articles remain indexed"
        + (
            f" (the corpus folder {settings.corpus_dir} replaced {', '.join(others)})"
            if others
            else ""
        )
    )


@app.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option("--host", help="Address to bind (default: $RAG_HOST or 127.0.0.1)."),
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port (default: $RAG_PORT or 7860).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Serve the OpenAI-compatible API (/v1/chat/completions, /v1/models, /v1/retrieve).

    A non-loopback address is refused unless API keys are set (RAG_API_KEYS or
    RAG_API_KEYS_FILE).
    """
    import logging

    from rag.api import serve as serve_api

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        serve_api(_settings(data_dir), host=host, port=port)
    except RagError as exc:
        raise _fail(str(exc)) from exc


def main() -> None:
    """Console entry point."""
    # At exit, skip the collector's final passes over every object of the loaded models (spaCy,
    # Chroma): ~0.5-1 s after the answer is printed. Memory is the OS's to reclaim by then.
    atexit.register(gc.freeze)
    app()
