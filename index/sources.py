"""One ingestion path: which folders are indexed, the one sync, listing and removing articles.

Every entry point (``python -m rag index``, ``Assistant.index()`` and ``add_articles()``, the
app's upload, the evaluation) indexes :attr:`IndexSettings.source_dirs`, the corpus folder then
the folder of uploaded articles, through :func:`sync_sources`. Indexing another corpus folder
(``rag index FOLDER``) replaces the corpus articles and keeps the uploaded ones.

Removing an uploaded article is crash-safe like indexing (:func:`remove_uploaded`)::

    uploads/x.txt --rename--> uploads/.removing/<token>/x.txt      (1: the file leaves the sources)
    sync: x's rows are retired in a new committed generation           (2: rows and BM25 go)
    uploads/.removing/<token>/ deleted                               (3: done)

A process killed between 1 and 3 leaves the file under ``.removing``: the next
:func:`sync_sources` (any entry point; ``Assistant()`` runs one at start when removals are
pending) completes the removal, since a committed sync that did not read the file no longer
holds its rows. A sync that fails instead puts the file back, so nothing is lost.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from index.config import IndexSettings
from index.errors import ArticleRemovalError
from index.ids import id_key
from index.parse import article_files

if TYPE_CHECKING:
    from index.store import ArticleStore, IndexReport

logger = logging.getLogger(__name__)

REMOVING = ".removing"

ArticleSource = Literal["bundled", "uploaded"]


class ArticleInfo(NamedTuple):
    """One indexed article, for listings."""

    article_id: str
    title: str
    date: str | None
    paragraphs: int
    source: ArticleSource


def index_folders(settings: IndexSettings, folder: Path | str | None = None) -> list[Path]:
    """The folders an index run reads: ``folder`` (default the corpus folder), then uploads.

    The upload folder is left out while it does not exist (nothing was ever uploaded).
    """
    corpus, uploads = settings.source_dirs
    folders = [Path(folder).expanduser() if folder is not None else corpus]
    if uploads.is_dir() and uploads.resolve() != folders[0].resolve():
        folders.append(uploads)
    return folders


def pending_removals(settings: IndexSettings) -> list[Path]:
    """Removals started and not finished (one folder each under ``uploads/.removing``)."""
    root = settings.upload_dir / REMOVING
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def sync_sources(
    store: ArticleStore,
    settings: IndexSettings,
    folder: Path | str | None = None,
    *,
    rebuild: bool = False,
    progress: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> IndexReport:
    """The one index run: sync ``store`` with :func:`index_folders` and finish removals.

    Removals pending before the sync started are completed once it has committed (their files
    were not read, so their rows are gone), and reported in ``report.completed_removals``.

    Args:
        store: The store to update.
        settings: Gives the corpus and upload folders.
        folder: Another corpus folder (``rag index FOLDER``); uploads are still indexed.
        rebuild: Build a fresh collection and swap it in (see ``ArticleStore.sync``).
        progress: Show a progress bar on stderr.
        on_progress: Called with (chunks embedded, chunks to embed).
    """
    pending = pending_removals(settings)  # listed before the sync reads the folders
    folders = index_folders(settings, folder)
    report = store.sync(folders, rebuild=rebuild, progress=progress, on_progress=on_progress)
    completed = []
    for entry in pending:
        completed += [p.stem for p in entry.iterdir()] if entry.is_dir() else []
        shutil.rmtree(entry, ignore_errors=True)
        logger.info("completed the removal %s", entry.name)
    report.completed_removals = sorted(completed)
    return report


def uploaded_file(settings: IndexSettings, article_id: str) -> Path | None:
    """The file of an uploaded article, if ``article_id`` names one."""
    uploads = settings.upload_dir
    if not uploads.is_dir():
        return None
    return next((p for p in article_files(uploads) if p.stem == article_id), None)


def remove_uploaded(
    store: ArticleStore,
    settings: IndexSettings,
    article_id: str,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> IndexReport:
    """Remove an uploaded article: its file, its rows and its BM25 entries, together.

    Raises:
        ArticleRemovalError: ``article_id`` is not an uploaded article (a corpus article, or
            unknown); nothing changed.
        RagError: the sync failed; the file was put back and the index is unchanged.
    """
    path = uploaded_file(settings, article_id)
    if path is None:
        corpus = settings.corpus_dir
        in_corpus = corpus.is_dir() and any(p.stem == article_id for p in article_files(corpus))
        if in_corpus:
            raise ArticleRemovalError(
                f"'{article_id}' is part of the corpus folder {corpus}, not an uploaded article; "
                "only uploaded articles can be removed here. To drop it, delete its file from "
                "that folder and run `python -m rag index`."
            )
        similar = [
            p.stem
            for p in (article_files(settings.upload_dir) if settings.upload_dir.is_dir() else [])
            if id_key(p.stem) == id_key(article_id)
        ]
        hint = f" (did you mean '{similar[0]}'?)" if similar else ""
        raise ArticleRemovalError(
            f"no uploaded article '{article_id}'{hint}; `python -m rag articles` lists them"
        )
    entry = settings.upload_dir / REMOVING / uuid.uuid4().hex
    entry.mkdir(parents=True)
    moved = entry / path.name
    os.replace(path, moved)  # atomic: from here the article is out of the sources
    _fsync_dir(path.parent)
    logger.info("removal: %s moved to %s", path.name, entry)
    try:
        report = sync_sources(store, settings, on_progress=on_progress)
    except BaseException:
        if not path.exists():
            os.replace(moved, path)  # the sync did not commit: the article stays
        shutil.rmtree(entry, ignore_errors=True)
        logger.info("removal: sync failed, %s put back", path.name)
        raise
    shutil.rmtree(entry, ignore_errors=True)  # already done by sync_sources, unless raced
    logger.info("removal: done")
    return report


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - not every platform opens folders
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def list_articles(store: ArticleStore, settings: IndexSettings) -> list[ArticleInfo]:
    """Every indexed article (the committed generation), by id, with where it comes from.

    ``source`` is ``"uploaded"`` when the upload folder holds the article's file, else
    ``"bundled"`` (the corpus folder). ``paragraphs`` counts every numbered block, citable or
    not, as ``python -m rag status`` does.
    """
    from index.store import visible_filter

    generation = store.generation()
    if not generation:
        return []
    got = store.get_all(where=visible_filter(generation), include=["metadatas"])
    heads: dict[str, tuple[str, str | None]] = {}
    numbers: dict[str, set[int]] = {}
    for meta in got["metadatas"]:
        m = dict(meta or {})
        article_id = str(m.get("article_id"))
        heads.setdefault(article_id, (str(m.get("title") or ""), str(m.get("date") or "") or None))
        numbers.setdefault(article_id, set()).add(int(m.get("paragraph", 0)))
    uploads = settings.upload_dir
    uploaded = {p.stem for p in article_files(uploads)} if uploads.is_dir() else set()
    return [
        ArticleInfo(
            article_id=article_id,
            title=title,
            date=date,
            paragraphs=len(numbers[article_id]),
            source="uploaded" if article_id in uploaded else "bundled",
        )
        for article_id, (title, date) in sorted(heads.items())
    ]


def describe_folder_switch(
    settings: IndexSettings, folder: Path | str, default_corpus: Path
) -> str:
    """What an index run of ``folder`` instead of the configured corpus does, for the reader.

    The uploaded articles stay indexed; later runs that name no folder (the app, ``remove``,
    ``index`` without argument) index the configured corpus folder again.
    """
    uploads = settings.upload_dir
    count = len(article_files(uploads)) if uploads.is_dir() else 0
    kept = (
        f"the {count} uploaded article(s) in {uploads} stay indexed next to {folder} "
        "(`python -m rag remove ARTICLE_ID` removes one)"
        if count
        else f"articles uploaded later are indexed next to {folder}"
    )
    again = (
        ""
        if Path(folder).expanduser().resolve() == default_corpus.resolve()
        else f"; runs that name no folder (the app, `remove`, `index`) index {default_corpus} "
        "again: set RAG_CORPUS_DIR to keep this folder"
    )
    return f"note: {kept}{again}"


__all__: Sequence[str] = [
    "ArticleInfo",
    "index_folders",
    "list_articles",
    "pending_removals",
    "remove_uploaded",
    "sync_sources",
]
