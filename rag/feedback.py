"""Readers' 👍/👎 on answers, kept as JSON lines that developers can turn into eval items."""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.types import Answer

_WRITE_LOCK = threading.Lock()
MAX_COMMENT_CHARS = 2000
MAX_QUESTION_CHARS = 20_000
MAX_ANSWER_CHARS = 50_000
RATINGS = ("up", "down")
ISSUED_ANSWERS_KEPT = 10_000


class FeedbackError(ValueError):
    """Feedback that cannot be stored (unknown answer id, bad rating, too long)."""


class IssuedAnswers:
    """The answers the server gave, by answer id (the most recent ones, bounded; thread-safe).

    Feedback refers to an answer by its id, so only answers the server produced can be rated.
    """

    def __init__(self, capacity: int = ISSUED_ANSWERS_KEPT) -> None:
        self.capacity = capacity
        self._answers: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def new_id() -> str:
        """A fresh, unguessable answer id (32 hex digits)."""
        return uuid.uuid4().hex

    def add(self, question: str, answer: Answer, answer_id: str | None = None) -> str:
        """Remember ``answer`` to ``question``; returns its id."""
        answer_id = answer_id or self.new_id()
        with self._lock:
            self._answers[answer_id] = {"question": question, "answer": answer.to_dict()}
            while len(self._answers) > self.capacity:
                self._answers.popitem(last=False)
        return answer_id

    def get(self, answer_id: str) -> dict[str, Any] | None:
        """``{"question", "answer"}`` of an issued answer, or None."""
        with self._lock:
            return self._answers.get(answer_id)


class FeedbackLog:
    """Append-only JSON-lines file of ratings on answers.

    Each line holds ``time``, ``rating`` (``"up"``/``"down"``), ``question``, ``answer``,
    ``refused``, ``citations`` (article id, paragraph, quote), ``query`` and an optional
    ``comment``::

        log = FeedbackLog(settings.feedback_path)
        log.record("Qui a rencontré Dmitriev ?", answer.to_dict(), liked=True)
        log.read()[-1]["rating"]   # "up"

    Args:
        path: The JSON-lines file (created with its folder on first write).
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def rate(
        self, issued: IssuedAnswers, answer_id: Any, rating: Any, comment: Any = ""
    ) -> dict[str, Any]:
        """Store a rating of an answer the server issued (by its id); returns the entry.

        Raises:
            FeedbackError: the id was not issued (or is too old), the rating is not ``"up"`` or
                ``"down"``, or the comment is not text or too long.
        """
        if not isinstance(answer_id, str) or (record := issued.get(answer_id)) is None:
            raise FeedbackError("unknown answer id: rate an answer this server gave")
        if rating not in RATINGS:
            raise FeedbackError("rating must be 'up' or 'down'")
        return self.record(
            record["question"],
            record["answer"],
            liked=rating == "up",
            comment=comment,
            answer_id=answer_id,
        )

    def record(
        self,
        question: str,
        answer: dict[str, Any],
        *,
        liked: bool,
        comment: str = "",
        answer_id: str | None = None,
    ) -> dict[str, Any]:
        """Append one rating and return the stored entry (strict JSON: no NaN/Infinity).

        Raises:
            ValueError: ``question`` is empty, ``answer`` lacks the ``answer`` text, ``liked``
                is not a bool, or a field is not text or too long.
        """
        if not isinstance(question, str) or not question.strip():
            raise FeedbackError("feedback needs the question that was answered")
        if not isinstance(answer, dict) or not isinstance(answer.get("answer"), str):
            raise FeedbackError("feedback needs the answer dict (Answer.to_dict())")
        if not isinstance(liked, bool):
            raise FeedbackError("liked must be true or false")
        if not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS:
            raise FeedbackError(f"the comment must be text of at most {MAX_COMMENT_CHARS} chars")
        if len(question) > MAX_QUESTION_CHARS or len(answer["answer"]) > MAX_ANSWER_CHARS:
            raise FeedbackError("the question or answer is too long to be feedback")
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "rating": "up" if liked else "down",
            "question": question,
            "answer": answer["answer"],
            "refused": bool(answer.get("refused", False)),
            "citations": [
                {k: c.get(k) for k in ("article_id", "paragraph", "quote")}
                for c in answer.get("citations", [])
                if isinstance(c, dict)
            ],
            "query": answer.get("query", ""),
            "comment": comment,
        }
        if answer_id is not None:
            entry["answer_id"] = answer_id
        try:
            line = json.dumps(entry, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise FeedbackError(f"feedback must be plain JSON data: {exc}") from exc
        with _WRITE_LOCK:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        return entry

    def read(self) -> list[dict[str, Any]]:
        """Every stored rating, oldest first (unreadable lines skipped)."""
        if not self.path.exists():
            return []
        entries = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return entries
