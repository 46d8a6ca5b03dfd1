"""Offline machine translation of questions, for the lexical side of reading only.

An English question over French articles shares few words with them, so the term coverage
that backs an answer (:class:`rag.answer.ExtractiveAnswerer`) is low for English questions.
Debian's ``apertium`` translates English to French offline, through Spanish (``eng-spa`` then
``es-fr``): gist quality (``"Who is leading the negotiations?"`` → ``"Qui est-ce qui il est en
train de diriger les négociations ?"``), but the content words usually come out right, and
that is all term coverage reads. The translation is never shown, quoted or embedded.

It is optional: without the Debian packages (``apt-get install apertium apertium-en-es
apertium-fr-es``) nothing is translated and English questions are read as before.

::

    translator = ApertiumTranslator()
    if translator.supports("en", "fr"):
        translator.translate("How many points does the plan include?", "en", "fr")
        # 'Combien points il fait le plan il comprend ?'

Each hop keeps its transducer stages running in null-flush mode, so a question costs a few
milliseconds instead of the ~0.3 s of starting apertium's ten tools; the hop's tagger, which
carries state from one question to the next, starts afresh for every question, so a
translation never depends on the questions before it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import select
import shlex
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 2.0  # seconds per hop (settings' translation_timeout)

MODES_DIR = Path("/usr/share/apertium/modes")
# (source, target) -> the apertium modes of each hop.
HOPS: dict[tuple[str, str], tuple[str, ...]] = {
    ("en", "fr"): ("eng-spa", "es-fr"),
    ("fr", "en"): ("fr-es", "spa-eng"),
}
# The tools of a mode; each gets -z (flush on a null byte) and runs unbuffered (stdbuf): the
# bilingual lt-proc of apertium 3.7/3.8 otherwise keeps its output until its input ends.
_TOOLS = re.compile(
    r"^(lt-proc|apertium-tagger|apertium-pretransfer|apertium-transfer|apertium-interchunk"
    r"|apertium-postchunk|lrx-proc)\b"
)
_SPECIAL = re.compile(r"([\\^$/<>@\[\]{}*#~])")
_ESCAPED = re.compile(r"\\(.)")
MAX_TEXT_CHARS = 2000


class Translator(Protocol):
    """Translates short texts between two languages, or says it cannot."""

    def supports(self, source: str, target: str) -> bool:
        """Whether this translator has the ``source`` → ``target`` direction."""
        ...

    def translate(self, text: str, source: str, target: str) -> str | None:
        """``text`` in ``target``, or None when it cannot be translated now."""
        ...


def _mode_stages(path: Path) -> list[str]:
    """The stages (shell commands) of an apertium mode file."""
    line = path.read_text(encoding="utf-8").strip()
    # $1 is lt-proc's generation flag (-n: unknown words without the '*' mark), $2 the
    # tagger's extra flags (none).
    line = line.replace("$1", "-n").replace("$2", "")
    stages = [stage.strip() for stage in line.split("|")]
    for stage in stages:
        if not _TOOLS.match(stage):
            raise ValueError(f"unexpected stage {stage!r} in {path}")
    return stages


def _stream_command(stages: list[str]) -> list[str]:
    """Stages as one shell pipeline of unbuffered, null-flushing commands."""
    flushing = ["stdbuf -o0 " + _TOOLS.sub(r"\1 -z", stage, count=1) for stage in stages]
    return ["bash", "-c", " | ".join(flushing)]


class _Stream:
    """Stages of a mode running as one long-lived null-flush pipeline."""

    def __init__(self, name: str, stages: list[str], timeout: float) -> None:
        self.name = name
        self.command = _stream_command(stages)
        self.timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self._process

    def run(self, stream_text: str) -> str:
        """Send one unit (in apertium's stream format), return the raw output."""
        process = self._start()
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(stream_text.encode("utf-8") + b"\0")
            process.stdin.flush()
            out = b""
            while b"\0" not in out:
                ready, _, _ = select.select([process.stdout], [], [], self.timeout)
                if not ready:
                    raise TimeoutError(f"apertium {self.name} did not answer")
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    raise BrokenPipeError(f"apertium {self.name} stopped")
                out += chunk
        except (OSError, TimeoutError):
            self.close()
            raise
        # Some tools send an extra null when they flush: everything up to the first is ours,
        # the rest is dropped with the pipeline's next restart only if it is not blank.
        text, _, rest = out.partition(b"\0")
        if rest.strip(b"\0"):
            self.close()
        return text.decode("utf-8", errors="replace")

    def close(self) -> None:
        if self._process is not None:
            _stop(self._process)
            self._process = None


class _Tagger:
    """apertium's tagger as one fresh process per unit, each started before it is needed.

    The tagger reads its unit to the end of its input, so it needs no null-flush mode; the
    process for the next unit is started in a worker thread as soon as one is taken, so its
    start (~5 ms) is off the question's path.
    """

    def __init__(self, name: str, command: list[str], timeout: float) -> None:
        self.name = name
        self.command = command
        self.timeout = timeout
        self._next: Future[subprocess.Popen[bytes]] | None = None
        self._worker = ThreadPoolExecutor(1, thread_name_prefix=f"apertium-{name}")

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def _take(self) -> subprocess.Popen[bytes]:
        future, self._next = self._next, None
        process = None
        if future is not None:
            with contextlib.suppress(OSError):
                process = future.result()
        if process is None or process.poll() is not None:  # none yet, or it died waiting
            process = self._spawn()
        self._next = self._worker.submit(self._spawn)
        return process

    def run(self, stream_text: str) -> str:
        """Tag one unit (the analysis stages' output) with a process that has seen no other."""
        process = self._take()
        try:
            out, err = process.communicate(stream_text.encode("utf-8"), timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            _stop(process)
            raise TimeoutError(f"apertium {self.name} did not answer") from exc
        if process.returncode != 0:
            message = err.decode("utf-8", errors="replace").strip()[:200]
            raise OSError(f"apertium {self.name} failed: {message or process.returncode}")
        return out.decode("utf-8", errors="replace")

    def close(self) -> None:
        """Stop the process started for the next unit and the thread that starts them."""
        future, self._next = self._next, None
        if future is not None:
            with contextlib.suppress(OSError):
                _stop(future.result())
        self._worker.shutdown(wait=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill a process's whole group and reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, 9)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    process.wait()


class _Pipeline:
    """One apertium mode: long-lived null-flush streams around a tagger started per unit.

    apertium's HMM tagger carries state from one null-flushed unit to the next: after ~150
    questions, 9 of 219 English questions were tagged (so translated) differently than alone.
    The other stages give the same output in a long-lived pipeline as alone, so the stages
    before and after the tagger keep running (their transducers load once, ~0.3 s) and the
    tagger, whose model is small, is a fresh process for every unit: a translation never
    depends on the ones before it.
    """

    def __init__(self, mode_file: Path, timeout: float) -> None:
        self.mode_file = mode_file
        stages = _mode_stages(mode_file)
        taggers = [i for i, stage in enumerate(stages) if stage.startswith("apertium-tagger")]
        cut = taggers[0] if taggers else len(stages)
        name = mode_file.stem
        self._before = _Stream(f"{name} (analysis)", stages[:cut], timeout) if cut else None
        self._tagger = (
            _Tagger(f"{name} (tagger)", shlex.split(stages[cut]), timeout) if taggers else None
        )
        rest = stages[cut + 1 :]
        self._after = _Stream(f"{name} (transfer)", rest, timeout) if taggers and rest else None

    def run(self, stream_text: str) -> str:
        """Send one unit (already in apertium's stream escaping), return the raw output."""
        text = self._before.run(stream_text) if self._before is not None else stream_text
        if self._tagger is not None:
            text = self._tagger.run(text)
        if self._after is not None:
            text = self._after.run(text)
        return text

    def close(self) -> None:
        for part in (self._before, self._tagger, self._after):
            if part is not None:
                part.close()


class ApertiumTranslator:
    """Offline translation with Debian's apertium (see the module docstring).

    Args:
        modes_dir: Where apertium's ``*.mode`` files are.
        timeout: Seconds to wait for one hop before giving up (the question is then read
            untranslated).
        cache_size: Translations kept in memory.
    """

    def __init__(
        self,
        *,
        modes_dir: Path = MODES_DIR,
        timeout: float = DEFAULT_TIMEOUT,
        cache_size: int = 1024,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.modes_dir = Path(modes_dir)
        self.timeout = timeout
        self._pipelines: dict[str, _Pipeline] = {}
        self._cache: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._cache_size = cache_size
        self._supported: dict[tuple[str, str], bool] = {}
        self._lock = threading.Lock()

    @staticmethod
    def installed(modes_dir: Path = MODES_DIR) -> bool:
        """Whether apertium's tools and at least one supported direction are installed."""
        return ApertiumTranslator(modes_dir=modes_dir).supports("en", "fr")

    def supports(self, source: str, target: str) -> bool:
        """Whether both hops' mode files and the tools they need are installed (looked up
        once per direction)."""
        found = self._supported.get((source, target))
        if found is None:
            hops = HOPS.get((source, target))
            found = bool(
                hops
                and shutil.which("stdbuf") is not None
                and shutil.which("lt-proc") is not None
                and all((self.modes_dir / f"{mode}.mode").is_file() for mode in hops)
            )
            self._supported[(source, target)] = found
        return found

    def translate(self, text: str, source: str, target: str) -> str | None:
        """``text`` translated (cached), or None if the direction is missing or a hop fails."""
        text = " ".join(text.replace("\0", " ").split())[:MAX_TEXT_CHARS]
        if not text or source == target:
            return text or None
        key = (source, target, text)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            if not self.supports(source, target):
                return None
            current = text
            try:
                for mode in HOPS[(source, target)]:
                    pipeline = self._pipelines.get(mode)
                    if pipeline is None:
                        pipeline = _Pipeline(self.modes_dir / f"{mode}.mode", self.timeout)
                        self._pipelines[mode] = pipeline
                    current = _ESCAPED.sub(r"\1", pipeline.run(_SPECIAL.sub(r"\\\1", current)))
            except (OSError, TimeoutError, ValueError) as exc:
                logger.warning("cannot translate the question (%s): reading it untranslated", exc)
                return None
            current = " ".join(current.split())
            self._cache[key] = current
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return current

    def close(self) -> None:
        """Stop the pipelines (they start again on the next translation)."""
        with self._lock:
            for pipeline in self._pipelines.values():
                pipeline.close()
            self._pipelines.clear()


_WORD = re.compile(r"[^\W\d_][\w’'-]*")


def _name_matches(text: str) -> Iterator[re.Match[str]]:
    """Capitalised words not at the text's start nor after a sentence end."""
    for match in _WORD.finditer(text):
        before = text[: match.start()].rstrip()
        if match.group(0)[0].isupper() and before and before[-1] not in '.?!:«"(':
            yield match


def question_names(text: str) -> list[str]:
    """Capitalised words of a question not at its start nor after a sentence end: names,
    which the translation may mistake for words (``Trump`` → ``triomphe``)."""
    names = [re.split(r"['’]", m.group(0))[0] for m in _name_matches(text)]
    return list(dict.fromkeys(names))


def _without_unknown_names(translated: str, known: Callable[[str], bool]) -> str:
    """``translated`` without the capitalised words (not at its start) that ``known`` rejects.

    >>> _without_unknown_names("Quel plan de Triomphe a Moscou ?", lambda w: w != "Triomphe")
    'Quel plan de  a Moscou ?'
    """
    drop = [m.span() for m in _name_matches(translated) if not known(m.group(0))]
    for start, end in reversed(drop):
        translated = translated[:start] + translated[end:]
    return translated


# English do-support before its subject ("How did the Kremlin react"): apertium renders it as
# a verb of its own ("Qu'est-ce que il a fait le Kremlin il réagit"), a word no article uses.
_DO_SUPPORT = re.compile(
    r"\b(?:[Dd]o|[Dd]oes|[Dd]id)\s+(?=(?:the|a|an|he|she|it|they|we|you|I|this|that|these|those"
    r"|[A-Z][\w’'-]*)\b[\w’'-]*\s+\w)",
)


def without_do_support(question: str) -> str:
    """An English question without the auxiliary *do* before its subject, for translation.

    >>> without_do_support("How did the Kremlin react to the leak?")
    'How the Kremlin react to the leak?'
    """
    return _DO_SUPPORT.sub("", question)


def terms_query(
    translator: Translator | None,
    query: str,
    language: str,
    corpus_language: str,
    *,
    known: Callable[[str], bool] | None = None,
) -> str | None:
    """The text whose terms stand for ``query`` in the corpus's language: its translation
    followed by its names (kept as written), or None when it is in the corpus's language or
    cannot be translated.

    ``known`` (a word the corpus uses?): when given, a capitalised word inside the translation
    that the corpus never uses is dropped: the translation of a name taken for a word
    (``Trump`` → ``Triomphe``, ``US`` → ``EE.UU.``); the name itself follows as written.
    """
    if translator is None or language == corpus_language:
        return None
    if not translator.supports(language, corpus_language):
        return None
    source = without_do_support(query) if language == "en" else query
    translated = translator.translate(source, language, corpus_language)
    if not translated:
        return None
    if known is not None:
        translated = _without_unknown_names(translated, known)
    return " ".join([translated, *question_names(query)])


def translator_for(
    policy: str, *, modes_dir: Path = MODES_DIR, timeout: float = DEFAULT_TIMEOUT
) -> Translator | None:
    """The translator a ``question_translation`` setting asks for.

    ``"auto"``: apertium when it is installed, else none; ``"apertium"``: apertium, and an
    error when it is not installed; ``"off"``: none. ``timeout``: seconds per hop (settings'
    ``translation_timeout``).

    Raises:
        ValueError: an unknown policy, or ``"apertium"`` without apertium installed.
    """
    if policy == "off":
        return None
    if policy not in {"auto", "apertium"}:
        raise ValueError(f"unknown question_translation {policy!r}: use auto, apertium or off")
    translator = ApertiumTranslator(modes_dir=modes_dir, timeout=timeout)
    if translator.supports("en", "fr") or translator.supports("fr", "en"):
        return translator
    if policy == "apertium":
        raise ValueError(
            "question_translation=apertium but apertium is not installed: "
            "apt-get install apertium apertium-en-es apertium-fr-es (or set it to auto/off)"
        )
    return None


__all__ = [
    "HOPS",
    "ApertiumTranslator",
    "Translator",
    "question_names",
    "terms_query",
    "translator_for",
    "without_do_support",
]
