"""One benchmark run in its own process (so peak memory is its own).

``python -m benchmarks.worker SIDE CORPUS WORK --vectors real|synthetic --backend B``
prints one JSON object on its last stdout line. SIDE is ``ours`` (this project) or
``langchain`` (RecursiveCharacterTextSplitter -> HuggingFaceEmbeddings -> Chroma, same model
folder, same questions).
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from index import offline  # noqa: F401  (offline env before heavy imports)

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "data" / "questions.jsonl"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mb() -> float:
    """Largest peak resident memory of this process's ended children (the bf16 embedding
    worker of an ingest, which exits when the sync ends)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def children_cpu_s() -> float:
    """CPU seconds of this process's ended children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def questions() -> list[str]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": 1000 * statistics.median(ordered),
        "p95_ms": 1000 * ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
    }


def timed(fn: Any, items: list[str], rounds: int) -> dict[str, float]:
    fn(items[0])  # warm-up
    samples = []
    for _ in range(rounds):
        for item in items:
            started = time.perf_counter()
            fn(item)
            samples.append(time.perf_counter() - started)
    return percentiles(samples)


def sentence_vectors(work: Path, settings: Any) -> Any:
    """Real vectors of the sentence pool, computed once and kept in ``work``."""
    import numpy as np

    from benchmarks.corpus import SentenceVectors, sentence_pool
    from index.embed import Embedder

    pool = sentence_pool()
    cache = work.parent / "sentence-vectors.npy"  # shared by every size of one run
    if cache.exists():
        vectors = np.load(cache)
    else:
        vectors = Embedder.from_settings(settings).encode_passages(pool)
        np.save(cache, vectors)
    return SentenceVectors(pool, vectors)


def count_paragraphs(corpus: Path) -> int:
    """Every numbered paragraph of the corpus (what our index reports as paragraphs)."""
    from index.parse import load_corpus

    return sum(len(a.paragraphs) for a in load_corpus(corpus).articles)


def run_ours(corpus: Path, work: Path, vectors: str, backend: str, rounds: int) -> dict[str, Any]:
    from index.config import BUILTIN_E5
    from index.embed import Embedder
    from index.store import ArticleStore
    from rag.assistant import Assistant
    from rag.config import Settings

    settings = Settings(
        data_dir=work / "ours", corpus_dir=corpus, embed_backend=backend, auto_index=False
    )
    (work / "ours" / "models").mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {}
    started = time.perf_counter()
    query_embedder = Embedder.from_settings(settings)
    result["model_load_s"] = time.perf_counter() - started
    if vectors == "synthetic":
        from benchmarks.corpus import SyntheticEncoder

        passage_embedder = Embedder(
            SyntheticEncoder(sentence_vectors(work, settings)), name=BUILTIN_E5
        )
    else:
        passage_embedder = query_embedder
    result["rss_before_ingest_mb"] = peak_rss_mb()
    store = ArticleStore(settings, passage_embedder)
    cpu, child_cpu, wall = time.process_time(), children_cpu_s(), time.perf_counter()
    report = store.sync(corpus)
    result["ingest_s"] = time.perf_counter() - wall
    # With the bf16 bulk engine the model runs in a child process: its CPU counts too.
    result["ingest_child_cpu_s"] = children_cpu_s() - child_cpu
    result["ingest_cpu_s"] = time.process_time() - cpu + result["ingest_child_cpu_s"]
    result["peak_rss_embed_child_mb"] = children_peak_rss_mb()
    engine = getattr(passage_embedder.model, "texts_by_engine", None)
    if engine is not None:
        result["texts_by_engine"] = dict(engine)
    result["paragraphs"] = report.paragraphs
    result["chunks"] = report.chunks
    result["sentence_vectors_s"] = report.sentence_seconds
    result["embedded_sentences"] = report.embedded_sentences
    result["peak_rss_ingest_mb"] = peak_rss_mb()
    wall = time.perf_counter()
    again = store.sync(corpus)
    result["reindex_s"] = time.perf_counter() - wall
    assert again.embedded_chunks == 0, "re-index of an unchanged corpus re-embedded chunks"

    assistant = Assistant(settings, embedder=query_embedder)
    wall = time.perf_counter()
    assistant.retriever.lexical()
    result["bm25_build_s"] = time.perf_counter() - wall
    from rag.retrieve import HybridRetriever

    wall = time.perf_counter()  # what another process does: load the saved revision
    HybridRetriever(assistant.store, query_embedder, settings).lexical()
    result["bm25_load_s"] = time.perf_counter() - wall
    wall = time.perf_counter()  # after every index run: the reader's spaCy annotations
    result["annotated_sentences"] = assistant.annotate_corpus()
    result["annotate_s"] = time.perf_counter() - wall
    qs = questions()
    store_ = assistant.store

    def floor(question: str) -> None:
        vector = query_embedder.encode_queries([question])[0]
        store_.collection.query(query_embeddings=[vector.tolist()], n_results=30)

    result["floor"] = timed(floor, qs, rounds)
    result["query_embed"] = timed(lambda q: query_embedder.encode_queries([q]), qs, rounds)
    result["retrieval"] = timed(lambda q: assistant.retrieve(q, 6), qs, rounds)
    result["answer"] = timed(assistant.ask, qs, rounds)
    result["peak_rss_mb"] = peak_rss_mb()
    result["embedder"] = query_embedder.name
    result["backend"] = backend
    return result


def run_langchain(corpus: Path, work: Path, vectors: str, rounds: int) -> dict[str, Any]:
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from index.config import BUILTIN_E5
    from index.embed import resolve_model_path
    from rag.config import Settings

    settings = Settings(data_dir=work / "ours", corpus_dir=corpus)
    model_path = resolve_model_path(settings)  # the local converted folder, never a hub id
    result: dict[str, Any] = {}
    started = time.perf_counter()
    embeddings: Any = HuggingFaceEmbeddings(
        model_name=model_path,
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "prompt": "passage: "},
        query_encode_kwargs={"normalize_embeddings": True, "prompt": "query: "},
    )
    result["model_load_s"] = time.perf_counter() - started
    query_model = embeddings
    if vectors == "synthetic":
        from benchmarks.corpus import SyntheticEmbeddings

        embeddings = SyntheticEmbeddings(sentence_vectors(work, settings), query_model)
    result["rss_before_ingest_mb"] = peak_rss_mb()
    cpu, wall = time.process_time(), time.perf_counter()
    docs = [
        Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
        for p in sorted(corpus.glob("*.txt"))
    ]
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        docs
    )
    store = Chroma.from_documents(
        splits,
        embeddings,
        collection_name="langchain",
        persist_directory=str(work / "langchain" / "chroma"),
    )
    result["ingest_s"] = time.perf_counter() - wall
    result["ingest_cpu_s"] = time.process_time() - cpu
    result["chunks"] = len(splits)
    result["peak_rss_ingest_mb"] = peak_rss_mb()
    # No incremental indexing in the plain pipeline: re-indexing means re-ingesting.
    result["reindex_s"] = result["ingest_s"]
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer from the context only.\n\n{context}"), ("human", "{question}")]
    )
    qs = questions()

    def floor(question: str) -> None:
        store._collection.query(query_embeddings=[query_model.embed_query(question)], n_results=4)

    def answer(question: str) -> None:
        found = store.similarity_search(question, k=4)
        prompt.invoke({"context": "\n\n".join(d.page_content for d in found), "question": question})

    result["floor"] = timed(floor, qs, rounds)
    result["query_embed"] = timed(query_model.embed_query, qs, rounds)
    result["retrieval"] = timed(lambda q: store.similarity_search(q, k=4), qs, rounds)
    result["answer"] = timed(answer, qs, rounds)
    result["peak_rss_mb"] = peak_rss_mb()
    result["embedder"] = BUILTIN_E5
    result["backend"] = "torch (HuggingFaceEmbeddings)"
    return result


@app.command()
def main(
    side: Annotated[str, typer.Argument(help="ours | langchain | cold-ours | cold-langchain")],
    corpus: Path,
    work: Path,
    vectors: Annotated[str, typer.Option(help="real | synthetic")] = "real",
    backend: Annotated[str, typer.Option(help="Our embedding backend.")] = "auto",
    rounds: Annotated[int, typer.Option(help="Passes over the question set.")] = 1,
) -> None:
    """Run one side at one corpus size."""
    if side == "ours":
        result = run_ours(corpus, work, vectors, backend, rounds)
    elif side == "langchain":
        result = run_langchain(corpus, work, vectors, rounds)
    elif side == "cold-langchain":
        result = cold_langchain(work)
    else:
        raise typer.BadParameter(f"unknown side {side}")
    result["side"] = side
    result["corpus_paragraphs"] = count_paragraphs(corpus) if side in {"ours", "langchain"} else 0
    sys.stdout.write(json.dumps(result) + "\n")


def cold_langchain(work: Path) -> dict[str, Any]:
    """Import, load the model, open the existing Chroma folder, answer one question."""
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings

    from index.embed import resolve_model_path
    from rag.config import Settings

    embeddings = HuggingFaceEmbeddings(
        model_name=resolve_model_path(Settings(data_dir=work / "ours")),
        model_kwargs={"device": "cpu", "local_files_only": True},
        query_encode_kwargs={"normalize_embeddings": True, "prompt": "query: "},
    )
    store = Chroma(
        collection_name="langchain",
        embedding_function=embeddings,
        persist_directory=str(work / "langchain" / "chroma"),
    )
    found = store.similarity_search(questions()[0], k=4)
    return {"found": len(found)}


if __name__ == "__main__":
    app()
