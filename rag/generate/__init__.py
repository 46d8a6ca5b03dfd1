"""Answer generators, chosen by ``Settings.generator`` through :func:`make_generator`.

- ``reader`` (default): the learned reader (:mod:`rag.reader`) picks the verbatim sentence
  that answers, or refuses; no LLM, no network; also the fallback of the LLM generators.
- ``extractive``: verbatim quotes chosen by similarity and a support threshold.
- ``openai``: any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp server).
- ``llamacpp``: a local GGUF file served by llama-cpp-python (optional extra).

Every generator implements :class:`Generator` (``draft`` → answer units); whatever it drafts
is verified by :mod:`rag.verify` before the reader sees it. A new answer strategy (e.g. a
learned reader) is one more :class:`Generator` subclass.
"""

from __future__ import annotations

from index.embed import Embedder
from rag.answer import ExtractiveAnswerer
from rag.config import Settings
from rag.generate.base import (
    AnswerUnit,
    ChatGenerator,
    Draft,
    GenerationRequest,
    Generator,
    classify,
)
from rag.generate.extractive import ExtractiveGenerator
from rag.generate.reader import ReaderGenerator


def _answerer(
    name: str, settings: Settings, answerer: ExtractiveAnswerer | None, embedder: Embedder | None
) -> ExtractiveAnswerer:
    """The given answerer, or one built on ``embedder``; the LLM-free generators need one."""
    if answerer is not None:
        return answerer
    if embedder is None:
        raise ValueError(f"the {name} generator needs an embedder or an answerer")
    return ExtractiveAnswerer(embedder, settings)


def make_generator(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    answerer: ExtractiveAnswerer | None = None,
    extractive: ExtractiveGenerator | None = None,
    reader: ReaderGenerator | None = None,
) -> Generator:
    """The generator ``settings.generator`` names.

    Args:
        settings: ``generator`` and the ``llm_*`` / ``llamacpp_*`` knobs.
        embedder: For the extractive generator when no ``answerer`` is given.
        answerer: An existing extractive answerer to reuse.
        extractive: An existing extractive generator, returned as is for ``"extractive"``
            (the assistant builds exactly one).
        reader: An existing reader generator, returned as is for ``"reader"``.

    Raises:
        GeneratorConfigError: missing key/URL, model file or optional dependency.
        ValueError: an unknown generator name.
    """
    if settings.generator == "reader":
        if reader is not None:
            return reader
        return ReaderGenerator(_answerer("reader", settings, answerer, embedder))
    if settings.generator == "extractive":
        if extractive is not None:
            return extractive
        return ExtractiveGenerator(_answerer("extractive", settings, answerer, embedder))
    if settings.generator == "openai":
        from rag.generate.openai import OpenAIGenerator

        return OpenAIGenerator(settings)
    if settings.generator == "llamacpp":
        from rag.generate.llamacpp import LlamaCppGenerator

        return LlamaCppGenerator(settings)
    raise ValueError(
        f"unknown generator {settings.generator!r}; "
        "use 'reader', 'extractive', 'openai' or 'llamacpp'"
    )


__all__ = [
    "AnswerUnit",
    "ChatGenerator",
    "Draft",
    "ExtractiveGenerator",
    "GenerationRequest",
    "Generator",
    "ReaderGenerator",
    "classify",
    "make_generator",
]
