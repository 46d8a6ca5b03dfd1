"""The reader's spaCy annotations of the corpus's sentences, computed at index time.

The reader annotates every candidate sentence of the retrieved paragraphs (lemmas, entities,
parts of speech: :class:`rag.reader.annotate.Annotation`); a sentence the process has not met
yet costs ~2.5 ms of spaCy, so a first-time question over a large corpus spent more on its
candidates' analysis than on its retrieval. :meth:`AnnotationStore.fill` annotates every
citable sentence of the index once, after a sync (:meth:`rag.Assistant.index`), and
:class:`~rag.reader.annotate.Annotator` reads this store before running spaCy, the way
:class:`rag.vectors.SentenceVectors` reads the index-time sentence vectors.

An annotation is a function of its text, of the spaCy pipeline and of our code that reads the
pipeline's output; the file's name carries a fingerprint of all three
(:func:`annotation_fingerprint`), so a new spaCy model or an edit of the reader's annotation
code starts a new file and never reads an annotation made under other rules
(``data_dir/annotations/<model>-<fingerprint>.sqlite``; files of other fingerprints are
removed when a new one is filled).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import sys
import time
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from index.store.keyed import TextKeyedStore
from rag.reader.annotate import SPACY_MODEL, Annotation, Entity, fold_word, text_words

if TYPE_CHECKING:
    from rag.config import Settings
    from rag.reader.annotate import Annotator

logger = logging.getLogger(__name__)

# The layout of a stored annotation (see encode_annotation); part of the fingerprint.
ANNOTATION_FORMAT = "1"
# The modules whose code turns spaCy's output into an Annotation (folding, stop words, entity
# cleaning, regex dates and numbers, the lemma tables' lookup).
ANNOTATION_MODULES = ("rag.reader.annotate", "rag.reader.lookups", "rag.text", "index.parse")
# Texts annotated per spaCy pass and per write when filling the store.
FILL_BATCH = 512


@functools.cache
def annotation_fingerprint(model: str = SPACY_MODEL) -> str:
    """A digest of what decides an annotation: spaCy's version, the pipeline package's
    ``meta.json`` files and the source of :data:`ANNOTATION_MODULES`."""
    digest = hashlib.sha256(ANNOTATION_FORMAT.encode())
    digest.update(importlib.metadata.version("spacy").encode())
    spec = importlib.util.find_spec(model)
    if spec is not None and spec.origin is not None:
        for meta in sorted(Path(spec.origin).parent.rglob("meta.json")):
            digest.update(meta.read_bytes())
    for name in ANNOTATION_MODULES:
        module = sys.modules.get(name) or importlib.import_module(name)
        if module.__file__:
            digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def encode_annotation(annotation: Annotation) -> bytes:
    """``annotation`` as compressed JSON; the words and the tokens' folded texts are left out
    (they are read again from the text by :func:`decode_annotation`)."""
    payload = [
        sorted(annotation.lemmas),
        [[e.text, e.label, e.start, e.end] for e in annotation.entities],
        [[tag, start, end] for _, tag, start, end in annotation.pos],
        sorted(annotation.verbs),
    ]
    return zlib.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())


def decode_annotation(text: str, blob: bytes) -> Annotation:
    """The annotation of ``text`` stored as ``blob`` by :func:`encode_annotation`."""
    lemmas, entities, pos, verbs = json.loads(zlib.decompress(blob))
    return Annotation(
        words=text_words(text),
        lemmas=frozenset(lemmas),
        entities=tuple(Entity(t, label, start, end) for t, label, start, end in entities),
        pos=tuple((fold_word(text[start:end]), tag, start, end) for tag, start, end in pos),
        verbs=frozenset(verbs),
    )


class AnnotationStore(TextKeyedStore):
    """Annotations of texts by text hash, in one SQLite file per fingerprint (thread-safe).

    ::

        store = AnnotationStore.for_data_dir(Path(".rag"))
        store.fill(["Le plan comprend 28 points."], annotator, revision="r1")
        store.get(["Le plan comprend 28 points."])  # {text: Annotation}

    Args:
        path: The SQLite file (created with its folder on first write).
    """

    TABLE = "annotations"
    COLUMN = "annotation"
    WHAT = "sentence annotations"

    @classmethod
    def for_data_dir(cls, data_dir: Path, model: str = SPACY_MODEL) -> AnnotationStore:
        """The store of ``model`` under ``data_dir``, for this code's fingerprint."""
        folder = Path(data_dir) / "annotations"
        return cls(folder / f"{model}-{annotation_fingerprint(model)}.sqlite")

    @classmethod
    def for_settings(cls, settings: Settings) -> AnnotationStore | None:
        """The store ``settings`` fill and read: None when ``reader_annotations`` is off or
        no answer is ever read by the reader (``generator="extractive"``)."""
        if not settings.reader_annotations or settings.generator == "extractive":
            return None
        return cls.for_data_dir(settings.data_dir)

    def get(self, texts: Iterable[str]) -> dict[str, Annotation]:
        """The stored annotations of those texts that have one."""
        found: dict[str, Annotation] = {}
        for text, blob in self.get_blobs(texts).items():
            try:
                found[text] = decode_annotation(text, blob)
            except (ValueError, TypeError, zlib.error):  # damaged row: annotated live instead
                continue
        return found

    def put(self, texts: Sequence[str], annotations: Sequence[Annotation]) -> None:
        """Store one annotation per text."""
        if len(texts) != len(annotations):
            raise ValueError(f"{len(texts)} texts but {len(annotations)} annotations")
        self.put_blobs([(t, encode_annotation(a)) for t, a in zip(texts, annotations, strict=True)])

    def revision(self) -> str | None:
        """The index revision whose every citable sentence this store holds, or None."""
        return self.meta("revision")

    def holds(self, revision: str | None) -> bool:
        """Whether this store holds every citable sentence of the index at ``revision``."""
        return revision is not None and self.revision() == revision

    def fill(self, texts: Iterable[str], annotator: Annotator, *, revision: str | None) -> int:
        """Annotate and store the texts the store lacks, then record ``revision`` as complete
        and remove the files of other fingerprints; returns how many texts were annotated.

        Args:
            texts: Every citable sentence of the index at ``revision``.
            annotator: The annotator whose pipeline annotates (its cache is left alone).
            revision: The index revision ``texts`` come from (None: record nothing).
        """
        clock = time.perf_counter()
        todo = self.missing(texts)
        for start in range(0, len(todo), FILL_BATCH):
            batch = todo[start : start + FILL_BATCH]
            self.put(batch, annotator.annotate_uncached(batch))
        if revision is not None:
            self.set_meta("revision", revision)
        self._remove_other_fingerprints()
        if todo:
            logger.info(
                "annotated %d sentences for the reader in %.1f s",
                len(todo),
                time.perf_counter() - clock,
            )
        return len(todo)

    def _remove_other_fingerprints(self) -> None:
        prefix = self.path.name.rsplit("-", 1)[0] + "-"
        for path in self.path.parent.glob(f"{prefix}*.sqlite*"):
            if not path.name.startswith(self.path.name):
                path.unlink(missing_ok=True)


__all__ = [
    "ANNOTATION_FORMAT",
    "AnnotationStore",
    "annotation_fingerprint",
    "decode_annotation",
    "encode_annotation",
]
