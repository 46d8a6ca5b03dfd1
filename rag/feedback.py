"""Readers' 👍/👎 on answers, kept as JSON lines that developers can turn into eval items."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_WRITE_LOCK = threading.Lock()


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

    def record(
        self, question: str, answer: dict[str, Any], *, liked: bool, comment: str = ""
    ) -> dict[str, Any]:
        """Append one rating and return the stored entry.

        Raises:
            ValueError: ``question`` is empty or ``answer`` lacks the ``answer`` text.
        """
        if not question.strip():
            raise ValueError("feedback needs the question that was answered")
        if not isinstance(answer, dict) or not isinstance(answer.get("answer"), str):
            raise ValueError("feedback needs the answer dict (Answer.to_dict())")
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
        line = json.dumps(entry, ensure_ascii=False)
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
