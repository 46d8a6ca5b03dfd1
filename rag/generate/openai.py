"""Any OpenAI-compatible endpoint through LangChain's ``ChatOpenAI``.

Covers OpenAI, Ollama (``http://127.0.0.1:11434/v1``), vLLM, llama.cpp's server and
llama-cpp-python's server. Retries are done by :class:`ChatGenerator` (the client's own are off,
so failures are not retried twice).
"""

from __future__ import annotations

import os

from langchain_core.language_models import BaseChatModel

from rag.config import Settings
from rag.errors import GeneratorConfigError
from rag.generate.base import ChatGenerator

NO_KEY = "not-needed"  # local servers ignore the key; the client insists on one


def chat_openai(
    settings: Settings, *, base_url: str | None = None, model: str | None = None
) -> BaseChatModel:
    """A ``ChatOpenAI`` configured from settings (timeouts everywhere, streaming on)."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise GeneratorConfigError(
            "generator='openai' needs langchain-openai: pip install langchain-openai"
        ) from exc
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    url = base_url or settings.llm_base_url
    if key is None:
        key = os.environ.get("OPENAI_API_KEY") or (NO_KEY if url else None)
    if key is None:
        raise GeneratorConfigError(
            "generator='openai' without llm_base_url talks to OpenAI and needs a key: set "
            "RAG_LLM_API_KEY (or OPENAI_API_KEY), or RAG_LLM_BASE_URL for a local server"
        )
    return ChatOpenAI(
        model=model or settings.llm_model,
        base_url=url,
        api_key=key,
        timeout=settings.llm_timeout,
        max_retries=0,
        temperature=settings.llm_temperature,
        max_completion_tokens=settings.llm_max_tokens,
        # Compatible servers (llama.cpp, older vLLM/Ollama) read only the legacy field.
        extra_body={"max_tokens": settings.llm_max_tokens} if url else None,
        streaming=True,
    )


class OpenAIGenerator(ChatGenerator):
    """Answers with an OpenAI-compatible endpoint::

    settings = Settings(generator="openai", llm_base_url="http://127.0.0.1:11434/v1",
                        llm_model="qwen2.5:7b-instruct")
    generator = OpenAIGenerator(settings)
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(chat_openai(settings), settings, name="openai")
