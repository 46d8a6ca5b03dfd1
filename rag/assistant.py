"""The public entry point: :class:`Assistant` answers questions with cited paragraphs."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from index.embed import Embedder
from index.errors import IndexNotFoundError
from index.sentences import citable_sentences
from index.sources import (
    ArticleInfo,
    list_articles,
    pending_removals,
    remove_uploaded,
    sync_sources,
)
from index.store import ArticleStore, IndexReport, IndexStatus
from rag.answer import PLEASANTRY_REPLY, REFUSAL, ExtractiveAnswerer
from rag.config import Settings
from rag.errors import GeneratorConfigError, LLMError
from rag.generate import (
    ExtractiveGenerator,
    GenerationRequest,
    Generator,
    ReaderGenerator,
    make_generator,
)
from rag.generate.base import classify
from rag.history import points_back, previous_turn, standalone_parts, validate_history
from rag.lexical import LexicalIndex
from rag.overview import article_leads
from rag.question import (
    as_meant,
    asks_overview,
    clean_question,
    direct_question,
    pleasantry,
    with_question_mark,
)
from rag.reader import READER_LANGUAGE, Reader
from rag.reader.annotate import Annotator, preload_pipeline, stop_words
from rag.reader.annotation_store import AnnotationStore
from rag.reader.questions import ENGLISH_ACRONYMS, ENGLISH_PROPER_WORDS
from rag.refs import relabel_refs, short_label, unique_labels
from rag.retrieve import HybridRetriever
from rag.text import (
    WordFrequencies,
    detect_language,
    in_lower_case,
    name_spellings,
    respelled_names,
    respelled_words,
    stem_of,
    truecase_from,
    word_spellings,
)
from rag.translate import ApertiumTranslator, terms_query, translator_for
from rag.types import (
    Answer,
    AnswerSentence,
    Citation,
    Passage,
    ShortAnswer,
    StreamEvent,
    VerificationReport,
)
from rag.uploads import Upload, UploadResult, save_uploads
from rag.vectors import SentenceVectors
from rag.verify import Judge, Verifier

if TYPE_CHECKING:
    import numpy as np
    from langchain_core.runnables import Runnable

    from index.store.generations import Snapshot
    from rag.paragraph_retriever import ParagraphRetriever

logger = logging.getLogger(__name__)

NOTICE = {
    "fallback": {
        "fr": "Le modèle de langage n'a pas pu répondre ({reason}) : "
        "réponse extractive à la place.",
        "en": "The language model could not answer ({reason}): showing the extractive answer.",
    },
    "partial": {
        "fr": "Le modèle de langage s'est interrompu ({reason}) : la réponse peut être incomplète.",
        "en": "The language model stopped ({reason}): the answer may be incomplete.",
    },
}

_Unit = TypeVar("_Unit")


@lru_cache(maxsize=1)
def _stop_word_spellings() -> dict[str, str]:
    """The stop words' :func:`rag.text.word_spellings` (« quelle » for « quellle »), once."""
    return word_spellings(sorted(stop_words()))


class Assistant:
    """Grounded question answering over a folder of news articles.

    Every answer sentence is quoted from a retrieved paragraph and cited as ``article ¶n``; when
    no paragraph supports an answer the assistant refuses. Works offline, no LLM needed::

        from rag import Assistant
        assistant = Assistant()                     # bundled corpus, index built on first use
        answer = assistant.ask("Qui a rencontré Dmitriev à Miami ?")
        answer.to_dict()["citations"][0]["paragraph"]
        assistant.retrieve("plan en 28 points", k=3)[0].text

    With an LLM (``Settings(generator="openai", llm_base_url=..., llm_model=...)`` or
    ``generator="llamacpp"``) answers are written by the model, then verified sentence by
    sentence: only citations of given paragraphs that support their sentence survive (see
    :mod:`rag.verify`); when the model fails, the extractive answer is given with a notice.

    Args:
        settings: All knobs; defaults read ``RAG_*`` environment variables.
        embedder: A loaded embedder to share between assistants (loaded from settings if None).
        generator: A generator to use instead of the one ``settings.generator`` names.
        judge: The support judge for verification (default ``rag.support.SupportJudge``).
    """

    # How many recent questions' short answers are kept for the follow-ups' pronouns.
    RECENT_SHORT_ANSWERS = 256

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
        judge: Judge | None = None,
    ) -> None:
        if generator is not None and not isinstance(generator, Generator):
            raise ValueError(f"generator must be a rag.generate.Generator, not {generator!r}")
        self.settings = settings or Settings()
        if self.settings.generator == "reader" and generator is None:
            # The reader's spaCy pipeline loads in the background while the embedder, the
            # store and BM25 open: most of a cold start to the first answer otherwise.
            preload_pipeline(regex_cache=self.settings.data_dir / "cache" / "regex")
        self.embedder = embedder or Embedder.from_settings(self.settings)
        self.store = ArticleStore(self.settings, self.embedder)
        committed = self.store.count(probe=False)  # from the commit's metadata
        if committed:
            # Layout and embedder from the metadata now; the row-level checks, Chroma's first
            # read of the collection (it loads the vector index), in the background while the
            # process starts: the first search waits for them.
            self.store.check_metadata()
            self.store.warm_up()
        # One cache of sentence vectors for retrieval, answering and the support judge.
        self.vectors = SentenceVectors(self.embedder, stored=self.store.sentence_vectors)
        self.retriever = HybridRetriever(
            self.store, self.embedder, self.settings, vectors=self.vectors
        )
        self.answerer = ExtractiveAnswerer(self.embedder, self.settings, vectors=self.vectors)
        self.extractive = ExtractiveGenerator(self.answerer)
        # The reader's index-time spaCy annotations of the corpus's sentences (see _after_sync).
        self.annotations = AnnotationStore.for_settings(self.settings)
        self.reader = ReaderGenerator(
            self.answerer,
            Reader(embedder=self.embedder, annotator=Annotator(stored=self.annotations)),
        )
        # The LLM-free strategy: answers when nothing is retrieved and when an LLM fails.
        self.offline: Generator = (
            self.extractive if self.settings.generator == "extractive" else self.reader
        )
        self.generator = generator or make_generator(
            self.settings, extractive=self.extractive, reader=self.reader
        )
        self._judge = judge
        self.translator = translator_for(
            self.settings.question_translation, timeout=self.settings.translation_timeout
        )
        self._index_lock = threading.Lock()
        self._translation_pool: ThreadPoolExecutor | None = None
        self._translation_lock = threading.Lock()
        # Short answers of recent questions read without an antecedent, for the pronouns of the
        # follow-ups that come next in a chat (see _antecedent).
        self._recent_short: OrderedDict[tuple[str | None, str, str], str | None] = OrderedDict()
        self._recent_lock = threading.Lock()
        # Each article's lead (an overview request's answer), for one BM25 index.
        self._leads: tuple[LexicalIndex, list[tuple[Passage, str]]] | None = None
        self._labels: tuple[LexicalIndex, dict[str, str]] | None = None
        if committed == 0 and self.settings.auto_index:
            self.index()
        else:
            if not committed:
                self.store.check_embedder()
            if pending_removals(self.settings):  # a removal was interrupted: finish it
                self.index()

    @classmethod
    def from_corpus(cls, folder: Path | str, **overrides: Any) -> Assistant:
        """An assistant over ``folder`` (indexed now if needed); other settings as keywords."""
        return cls(Settings(corpus_dir=Path(folder), **overrides))

    def index(
        self,
        folder: Path | str | None = None,
        *,
        rebuild: bool = False,
        progress: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> IndexReport:
        """Sync the store with the corpus folder (or ``folder``) plus the uploaded articles.

        The same folders as ``python -m rag index`` (:func:`index.sources.sync_sources`):
        uploaded articles stay indexed whatever corpus folder is given.
        ``on_progress`` is called with (chunks embedded, chunks to embed).
        """
        report = sync_sources(
            self.store,
            self.settings,
            folder,
            rebuild=rebuild,
            progress=progress,
            on_progress=on_progress,
        )
        self._after_sync()
        return report

    def _after_sync(self) -> None:
        """Bring what questions read besides the store up to its new revision: the BM25 side,
        then the reader's annotations of every citable sentence (:meth:`annotate_corpus`)."""
        self.retriever.lexical()
        self.annotate_corpus()

    def annotate_corpus(self) -> int:
        """Annotate for the reader every citable sentence of the index that
        ``data_dir/annotations`` lacks (spaCy, ~2.5 ms a sentence), so that questions run spaCy
        on themselves only; returns how many were annotated. Runs after every index run; costs
        one metadata read when the store's revision is already done. A failure is logged, not
        raised: questions then annotate what they read, as without the store.
        """
        store = self.annotations
        if store is None:
            return 0
        try:
            revision = self.store.revision()
            if store.holds(revision):
                return 0
            lexical = self.retriever.lexical()
            texts = (t for record in lexical.records for _, t in citable_sentences(record.text))
            return store.fill(texts, self.reader.reader.annotator, revision=revision)
        except IndexNotFoundError:
            return 0
        except Exception:  # an optimisation: never fail an index run that succeeded
            logger.exception("annotating the corpus's sentences for the reader failed")
            return 0

    def add_articles(
        self,
        files: Sequence[Upload],
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> tuple[UploadResult, IndexReport | None]:
        """Check new article files, save them and index them now.

        Files pass the indexer's own checks (:func:`index.parse.check_article`), go to
        ``settings.upload_dir`` and are indexed incrementally with the corpus folder. A file is
        reported as saved only once the index holds it; a file the index did not take is
        deleted again and reported as refused with the index's reason, so it can be fixed and
        uploaded again::

            result, report = assistant.add_articles([Path("new-article.txt")])
            result.saved      # files now indexed: they can be asked about
            result.rejected   # [(file name, reason)] for refused files

        Returns:
            What was added or refused, and the index report (None when nothing was added).

        Raises:
            UploadError: too many files at once.
            RagError: indexing failed; the files saved by this call were deleted again.
        """
        with self._index_lock:
            result = save_uploads(files, self.settings)
            if not result.saved:
                return result, None
            try:
                report = sync_sources(self.store, self.settings, on_progress=on_progress)
            except BaseException:  # not indexed: the files go, as if never uploaded
                for path in result.saved:
                    path.unlink(missing_ok=True)
                raise
            self._after_sync()
            taken = set(report.indexed)
            for path in list(result.saved):
                if path.stem not in taken:
                    result.saved.remove(path)
                    result.rejected.append((path.name, _index_reason(report, path)))
                    path.unlink(missing_ok=True)  # not indexed: no row to keep in step
            return result, report if result.saved else None

    def remove_article(
        self, article_id: str, *, on_progress: Callable[[int, int], None] | None = None
    ) -> IndexReport:
        """Remove an uploaded article: its file, its rows and its BM25 entries, together.

        Crash-safe like indexing (see :mod:`index.sources`): a failure or a kill part-way
        loses nothing, and an interrupted removal is completed by the next index run.

        Raises:
            ArticleRemovalError: ``article_id`` is unknown, or part of the corpus folder (only
                uploaded articles can be removed).
        """
        with self._index_lock:
            report = remove_uploaded(self.store, self.settings, article_id, on_progress=on_progress)
            self._after_sync()
            return report

    def articles(self) -> list[ArticleInfo]:
        """Every indexed article: ``(article_id, title, date, paragraphs, source)``, ``source``
        being ``"bundled"`` (corpus folder) or ``"uploaded"`` (removable)."""
        return list_articles(self.store, self.settings)

    def article_labels(self) -> dict[str, str]:
        """A short readable label (shortened headline) for every indexed article, by id.

        Computed once per index revision (the BM25 side is rebuilt exactly then), not per
        question.
        """
        lexical = self.retriever.served()
        cached = self._labels
        if cached is None or cached[0] is not lexical:
            titles = {r.article_id: r.title for r in lexical.records}
            cached = self._labels = (lexical, unique_labels(titles))
        return cached[1]

    def status(self) -> IndexStatus:
        """What the index holds."""
        return self.store.status()

    def retrieve(self, question: str, k: int = 5) -> list[Passage]:
        """The ``k`` most relevant citable paragraphs for ``question``."""
        query, language = self._asked(question)
        typed_lower = in_lower_case(query)
        query, _ = self._cased_before_search(query, None, language)
        snapshot = self.store.snapshot()
        vector = self.embedder.encode_queries([query])[0]
        passages = self.retriever.retrieve(query, k, query_vector=vector, snapshot=snapshot)
        searched = self._searched_cased(
            query, None, language, k, snapshot, vector, passages, typed_lower=typed_lower
        )
        return searched[3]

    def ask(self, question: str, history: list[dict[str, Any]] | None = None) -> Answer:
        """Answer ``question`` from the corpus, or refuse.

        Args:
            question: The reader's question, in French or English.
            history: Earlier messages ``[{"role": "user"|"assistant", "content": str}]``.

        Raises:
            InvalidQuestionError: the question is empty or too long.
            IndexNotFoundError: nothing is indexed.
        """
        return _final_answer(self.stream(question, history))

    def stream(
        self, question: str, history: list[dict[str, Any]] | None = None
    ) -> Iterator[StreamEvent]:
        """Answer ``question`` as a stream of events, for chats that show progress.

        Yields, in order: one ``status`` event while retrieval runs (``text`` is the standalone
        query), ``delta`` events whose ``text`` pieces concatenate to the answer text, and a
        final ``answer`` event carrying the complete :class:`Answer` (the same as :meth:`ask`)::

            for event in assistant.stream("Qui a rencontré Dmitriev ?"):
                if event.kind == "delta":
                    print(event.text, end="")

        Validation errors are raised before the first event.
        """
        started = time.perf_counter()
        text, language = self._asked(question)
        turns = validate_history(history)
        if (kind := pleasantry(question)) is not None:
            return _pleasantry_reply(kind, text, language, started)
        if asks_overview(question) or asks_overview(text):
            return self._overview(text, language, started)
        return self._stream(text, turns, language, started)

    def _overview(self, text: str, language: str, started: float) -> Iterator[StreamEvent]:
        """The answer to a request for what the articles are about (:func:`asks_overview`):
        the lead sentence of each of the most recent articles, each citing its paragraph and
        verified like any answer's sentences (:func:`rag.overview.article_leads`)."""
        snapshot = self.store.snapshot()
        yield StreamEvent(kind="status", text=text)
        lexical = self.retriever.lexical(snapshot, wait=False)
        # The leads are read once per BM25 index (its records are the whole corpus), as the
        # article labels are (article_labels).
        cached = self._leads
        if cached is None or cached[0] is not lexical:
            cached = self._leads = (lexical, article_leads(lexical.records))
        leads = cached[1]
        passages = [passage for passage, _ in leads]
        context = _Context(text, text, language, started, passages, VerificationReport())
        verifier = Verifier(passages, lambda: self.judge, context.report, language=language)
        for passage, sentence in leads:
            checked = verifier.check(
                AnswerSentence(
                    text=sentence, citations=[Citation.of(passage, sentence)], support=1.0
                )
            )
            if checked.status == "supported" and checked.sentence is not None:
                yield context.add(checked.sentence, checked.text)
        yield from context.finish(self.settings.related_min_support)

    def _asked(self, question: str) -> tuple[str, str]:
        """A question as it is read, and its language: cleaned, a request asked as the question
        it wraps (:func:`rag.question.direct_question`), with its question mark (the same text
        keys a remembered answer and finds it again, see :meth:`_antecedent`); typed in
        capitals throughout or without its apostrophes, as meant (:func:`rag.question.as_meant`).

        Raises:
            InvalidQuestionError: the question is empty or too long.
        """
        text, language = as_meant(clean_question(question, self.settings.max_question_chars))
        return with_question_mark(direct_question(text, language), language), language

    @property
    def judge(self) -> Judge:
        """The support judge used by verification (loaded on first use)."""
        if self._judge is None:
            try:
                from rag.support import SupportJudge
            except ImportError as exc:  # pragma: no cover - part of the package
                raise GeneratorConfigError("the support judge rag.support is missing") from exc
            self._judge = SupportJudge(self.embedder, self.settings, vectors=self.vectors)
        return self._judge

    def close(self) -> None:
        """Release the generator's resources (e.g. a local llama.cpp server) and the
        translator's pipelines."""
        self.generator.close()
        if self._translation_pool is not None:
            self._translation_pool.shutdown(wait=True)
            self._translation_pool = None
        if isinstance(self.translator, ApertiumTranslator):
            self.translator.close()

    def _standalone(
        self, text: str, turns: list[dict[str, Any]], snapshot: Snapshot, *, resolve: bool = True
    ) -> tuple[str, str | None, bool]:
        """The query to retrieve with; the question in its own words when the query completes
        it with earlier questions (a follow-up), None when the query is the question itself or
        an LLM's rewrite; and whether an antecedent completes it. With ``resolve``, a follow-up
        that points back by a pronoun (:func:`rag.history.points_back`) is completed with
        :meth:`_antecedent` too."""
        rewritten = self.generator.rewrite(text, turns) if turns else None
        if rewritten:
            return rewritten, None, False
        query, asked = standalone_parts(text, turns)
        if resolve and asked is not None and points_back(asked):
            antecedent = self._antecedent(turns, snapshot)
            if antecedent is not None:
                return *standalone_parts(text, turns, antecedent=antecedent), True
        return query, asked, False

    def _antecedent(self, turns: list[dict[str, Any]], snapshot: Snapshot) -> str | None:
        """The name a follow-up's pronoun may stand for: the short answer, when it is a person,
        place or organisation, to the previous question as this assistant answers it now
        ("Steve Witkoff" for "Who did he meet?" after "Who drafted the plan?"). The answer is
        derived again, never read from the history's assistant turns, which a caller may
        forge; that previous question is read without an antecedent of its own. In a chat the
        previous question was just answered: its short answer is remembered (the last
        :attr:`RECENT_SHORT_ANSWERS`), by store revision, question and earlier user turns."""
        previous, earlier = previous_turn(turns)
        if previous is None:
            return None
        try:
            text, language = self._asked(previous)
        except ValueError:
            return None
        history = [dict(m) for m in earlier]
        key = _recent_key(snapshot, text, history)
        with self._recent_lock:
            if key in self._recent_short:
                return self._recent_short[key]
        events = self._stream(
            text, history, language, time.perf_counter(), snapshot=snapshot, resolve=False
        )
        return _antecedent_of(_final_answer(events))

    def _remember_short(self, key: tuple[str | None, str, str], answer: Answer) -> None:
        """Keep the antecedent a question's answer gives (see :meth:`_antecedent`)."""
        with self._recent_lock:
            self._recent_short[key] = _antecedent_of(answer)
            self._recent_short.move_to_end(key)
            while len(self._recent_short) > self.RECENT_SHORT_ANSWERS:
                self._recent_short.popitem(last=False)

    def _stream(
        self,
        text: str,
        turns: list[dict[str, Any]],
        language: str,
        started: float,
        *,
        snapshot: Snapshot | None = None,
        resolve: bool = True,
    ) -> Iterator[StreamEvent]:
        # The store's state, read once for this question (and the earlier one it leans on).
        snapshot = snapshot or self.store.snapshot()
        query, asked, completed = self._standalone(text, turns, snapshot, resolve=resolve)
        yield StreamEvent(kind="status", text=query)
        lexical = self.retriever.lexical(snapshot, wait=False)
        # A follow-up's own words say how it was typed: the name completing it has capitals.
        typed_lower = in_lower_case(asked or query)
        query, asked = self._cased_before_search(query, asked, language)
        # The question is translated while it is embedded and searched. (Its spaCy analysis
        # runs after: in a worker thread it slowed the query embedding, which uses both cores.)
        translation = self._start_terms_query(query, lexical)
        query_vector = self.embedder.encode_queries([query])[0]
        passages = self.retriever.retrieve(
            query, self.settings.k_answer, query_vector=query_vector, snapshot=snapshot
        )
        translated = query
        query, asked, query_vector, passages = self._searched_cased(
            query,
            asked,
            language,
            self.settings.k_answer,
            snapshot,
            query_vector,
            passages,
            typed_lower=typed_lower,
        )
        if query != translated:
            # Typed in lower case, an English question was translated word for word ("turkey",
            # a bird; no names kept): its cased form is translated again.
            translation = self._start_terms_query(query, lexical)
        report = VerificationReport(
            generator=self.generator.name, policy=self.settings.unsupported_policy
        )
        context = _Context(text, query, language, started, passages, report)
        request = GenerationRequest(
            question=text,
            query=query,
            language=language,
            passages=passages,
            query_vector=query_vector,
            lexical=lexical,
            article_notes=self.retriever.article_notes((p.article_id for p in passages), lexical),
            terms_query=translation.result(),
            asked=asked,
        )
        # With nothing retrieved there is nothing for a generator to read: the LLM-free
        # strategy refuses (with its related passages) without calling anyone.
        generator = self.generator if passages else self.offline
        offline = isinstance(generator, ExtractiveGenerator | ReaderGenerator)
        fallback = None if offline else self.offline
        for event in self._answer(context, generator, request, fallback):
            if event.answer is not None and not completed:
                self._remember_short(_recent_key(snapshot, text, turns), event.answer)
            yield event

    @staticmethod
    def _rewritten(
        query: str, asked: str | None, rewrite: Callable[[str], str]
    ) -> tuple[str, str | None]:
        """The query and the follow-up's own words, each rewritten the same way (accents
        restored, names capitalised)."""
        return rewrite(query), (rewrite(asked) if asked else asked)

    def _cased_before_search(
        self, query: str, asked: str | None, language: str
    ) -> tuple[str, str | None]:
        """A question in the articles' language typed without accents, with them restored
        (:meth:`Annotator.reaccent <rag.reader.annotate.Annotator.reaccent>`), and typed without
        capitals, with its first letter and the names the tagger finds capitalised (see
        :meth:`Annotator.truecase <rag.reader.annotate.Annotator.truecase>`)."""
        if language != READER_LANGUAGE:
            return query, asked
        # Typed without accents, its words get them back first (« qui preside » → « préside »).
        annotator = self.reader.reader.annotator
        query, asked = self._rewritten(query, asked, annotator.reaccent)
        if not in_lower_case(query):
            return query, asked
        return self._rewritten(query, asked, annotator.truecase)

    def _searched_cased(
        self,
        query: str,
        asked: str | None,
        language: str,
        k: int,
        snapshot: Snapshot,
        query_vector: np.ndarray,
        passages: list[Passage],
        *,
        typed_lower: bool,
    ) -> tuple[str, str | None, np.ndarray, list[Passage]]:
        """The search again with the names capitalised, for a question typed without
        capitals (``typed_lower``; an English question, or a French one whose names the tagger
        missed): the retrieved paragraphs give the names their capitals back, and the words
        they write only in capitals all of them (« ter » → « TER »; the encoder and the reader
        read names by them); English also capitalises its countries, nationalities, months and
        weekdays. A name typed a letter off that the corpus never uses is written as the
        retrieved paragraphs write it (:func:`rag.text.respelled_names`: "Peskow" → "Peskov"),
        whatever the question's capitals, and so is, in a question in the articles' language, a
        word that neither the corpus nor the lexicon knows (:func:`rag.text.respelled_words`:
        « la pursuite du mouvement » → « poursuite »). Unchanged when nothing is found."""
        if not passages:
            return query, asked, query_vector, passages
        spellings = name_spellings([p.text for p in passages])
        cased, cased_asked = query, asked
        if typed_lower:
            names = frozenset(spellings)  # the names the paragraphs capitalise
            acronyms = frozenset(name for name, written in spellings.items() if written.isupper())
            if language == "en":
                names |= ENGLISH_PROPER_WORDS
                acronyms |= ENGLISH_ACRONYMS
            cased, cased_asked = self._rewritten(
                query,
                asked,
                lambda t: truecase_from(t, names, acronyms, typed_lower=True, written=spellings),
            )
        # A name typed a letter off is the name the retrieved paragraphs write.
        known = self.retriever.lexical(snapshot, wait=False).knows
        cased, cased_asked = self._rewritten(
            cased, cased_asked, lambda t: respelled_names(t, spellings, known)
        )
        if language in (READER_LANGUAGE, "en"):
            # So is a word typed a letter off that neither the corpus nor the language knows.
            frequencies = WordFrequencies(language)
            if language == READER_LANGUAGE:
                annotator = self.reader.reader.annotator
                english = WordFrequencies("en")  # « le deal », or an English question
                # The paragraphs' words, read only when a word of the question is unknown.
                words: Callable[[], Mapping[str, str]] = cache(
                    lambda: _stop_word_spellings() | word_spellings(p.text for p in passages)
                )
                lexicon = lambda w: (  # noqa: E731
                    annotator.knows_word(w) or frequencies.knows(w) or english.knows(w)
                )
            else:  # an English word is not one of the French paragraphs'
                words, lexicon = dict, frequencies.knows
            cased, cased_asked = self._rewritten(
                cased,
                cased_asked,
                lambda t: respelled_words(
                    t, words, known, lexicon, frequencies.frequency, stem_of(language)
                ),
            )
        if cased == query:
            return query, asked, query_vector, passages
        vector = self.embedder.encode_queries([cased])[0]
        found = self.retriever.retrieve(cased, k, query_vector=vector, snapshot=snapshot)
        return cased, cased_asked, vector, found

    def _start_terms_query(self, query: str, lexical: LexicalIndex) -> Future[str | None]:
        """:func:`rag.translate.terms_query` of ``query``, in a worker thread when the
        question needs translating (apertium runs as child processes: ~15-20 ms of waiting)."""
        language = detect_language(query)
        corpus_language = lexical.analyzer.language
        if self.translator is None or language == corpus_language:
            done: Future[str | None] = Future()
            done.set_result(None)
            return done
        with self._translation_lock:
            if self._translation_pool is None:
                self._translation_pool = ThreadPoolExecutor(1, thread_name_prefix="translate")
            pool = self._translation_pool
        return pool.submit(
            terms_query, self.translator, query, language, corpus_language, known=lexical.knows
        )

    def _answer(
        self,
        context: _Context,
        generator: Generator,
        request: GenerationRequest,
        fallback: Generator | None,
    ) -> Iterator[StreamEvent]:
        """The one answer loop: draft, verify each unit, stream what is verified, finish.

        When ``generator`` fails (an :class:`LLMError`, or nothing usable at all) and a
        ``fallback`` is given, the answer continues with a notice: a partial answer when
        something was already shown, else the fallback generator's whole answer.
        """
        verifier = Verifier(
            context.passages, lambda: self.judge, context.report, language=context.language
        )
        said_anything = False
        try:
            draft = generator.draft(request)
            context.paragraph_support = draft.paragraph_support
            units = draft.units if fallback is None else _guarded(draft.units)
            for unit in units:
                checked = verifier.check(unit)
                if checked.status == "empty" or checked.sentence is None:
                    said_anything = said_anything or checked.status != "empty"
                    continue
                said_anything = True
                if checked.status == "supported":
                    yield from context.release_held()
                    yield context.add(checked.sentence, checked.text)
                else:
                    context.hold(checked.sentence, checked.text)
            if fallback is not None and not said_anything:
                raise LLMError("the LLM returned no usable text")
        except LLMError as error:
            if fallback is None:
                raise
            context.report.error = f"{type(error).__name__}: {error}"
            reason = _short_reason(error)
            if not context.lines:
                context.report.fallback = True
                context.report.notice = NOTICE["fallback"][context.language].format(reason=reason)
                context.held.clear()
                yield StreamEvent(kind="notice", text=context.report.notice)
                yield from self._answer(context, fallback, request, None)
                return
            context.report.notice = NOTICE["partial"][context.language].format(reason=reason)
            yield StreamEvent(kind="notice", text=context.report.notice)
        if context.lines:
            yield from context.release_held()
        context.short_answer = _verified_short_answer(draft.short_answer, context.sentences)
        context.support = (
            draft.support
            if draft.support is not None
            else max((s.support for s in context.sentences), default=0.0)
        )
        yield from context.finish(self.settings.related_min_support)

    def as_retriever(self, k: int = 4) -> ParagraphRetriever:
        """The hybrid retriever as a LangChain ``BaseRetriever``."""
        from rag.paragraph_retriever import ParagraphRetriever

        return ParagraphRetriever(engine=self.retriever, k=k)

    def as_runnable(self) -> Runnable[Any, dict[str, Any]]:
        """The whole chain as a LangChain Runnable.

        Input: a question string or ``{"question": str, "history": [...]}``; output:
        :meth:`Answer.to_dict`.
        """
        from langchain_core.runnables import RunnableLambda

        def run(payload: Any) -> dict[str, Any]:
            if isinstance(payload, dict):
                return self.ask(payload.get("question", ""), payload.get("history")).to_dict()
            return self.ask(payload).to_dict()

        return RunnableLambda(run, name="grounded_answer")


def _index_reason(report: IndexReport, path: Path) -> str:
    """Why the index did not take an uploaded file, from its report."""
    reasons = [i.message.removeprefix("skipped: ") for i in report.issues if i.path == path]
    if path.stem in report.duplicates:
        reasons.append(f"the same text is already indexed as '{report.duplicates[path.stem]}'")
    return "; ".join(reasons) or "the index did not take it (see `python -m rag index`)"


# The kinds of short answer a later question's pronoun may stand for.
_ANTECEDENT_KINDS = frozenset({"person", "place", "organisation"})


def _recent_key(
    snapshot: Snapshot, text: str, turns: Sequence[Mapping[str, Any]]
) -> tuple[str | None, str, str]:
    """What a question's antecedent depends on: the store's revision, the question and the
    user turns before it (the assistant's are never read), these as a digest."""
    users = "\x1f".join(
        str(m.get("content")) for m in turns if m.get("role") == "user" and m.get("content")
    )
    return snapshot.revision, text, hashlib.sha1(users.encode()).hexdigest()


def _antecedent_of(answer: Answer) -> str | None:
    """An answer's short answer when a later pronoun may stand for it (a name), else None."""
    short = answer.short_answer
    return short.text if short is not None and short.kind in _ANTECEDENT_KINDS else None


def _final_answer(events: Iterable[StreamEvent]) -> Answer:
    """The answer an answer stream ends with."""
    answer: Answer | None = None
    for event in events:
        if event.answer is not None:
            answer = event.answer
    if answer is None:  # pragma: no cover - the stream always ends with an answer
        raise RuntimeError("the answer stream ended without an answer")
    return answer


def _verified_short_answer(
    short: ShortAnswer | None, sentences: Sequence[AnswerSentence]
) -> ShortAnswer | None:
    """The short answer if the sentence it is taken from was kept, with that citation."""
    if short is None:
        return None
    cited = short.citation
    for sentence in sentences:
        for citation in sentence.citations:
            if (
                citation.article_id == cited.article_id
                and citation.paragraph == cited.paragraph
                and short.text in sentence.text
            ):
                return ShortAnswer(text=short.text, kind=short.kind, citation=citation)
    return None


def _short_reason(error: LLMError) -> str:
    kinds = {
        "LLMTimeoutError": "timeout",
        "LLMRateLimitError": "rate limit",
        "LLMUnavailableError": "unreachable",
        "LLMOutputError": "empty output",
    }
    return kinds.get(
        type(error).__name__, "no usable output" if "usable" in str(error) else "error"
    )


def _guarded(units: Iterable[_Unit]) -> Iterator[_Unit]:
    """A generator's units; any failure of the generator becomes a typed LLMError."""
    try:
        yield from units
    except LLMError:
        raise
    except Exception as exc:
        raise classify(exc) from exc


class _Context:
    """One answer being built: emitted lines, sentences, held (marked) sentences, the report."""

    def __init__(
        self,
        question: str,
        query: str,
        language: str,
        started: float,
        passages: list[Passage],
        report: VerificationReport,
    ) -> None:
        self.question = question
        self.query = query
        self.language = language
        self.started = started
        self.passages = passages
        self.report = report
        self.lines: list[str] = []
        self.sentences: list[AnswerSentence] = []
        self.held: list[tuple[AnswerSentence, str]] = []
        self.support = 0.0
        self.paragraph_support: dict[tuple[str, int], float] = {}
        self.short_answer: ShortAnswer | None = None

    def add(self, sentence: AnswerSentence, line: str) -> StreamEvent:
        """Append a verified (or marked) sentence; the delta event that shows it."""
        event = StreamEvent(kind="delta", text=("\n" if self.lines else "") + line)
        self.lines.append(line)
        self.sentences.append(sentence)
        return event

    def hold(self, sentence: AnswerSentence, line: str) -> None:
        """Keep a marked sentence until a supported one is shown (never shown alone)."""
        self.held.append((sentence, line))

    def release_held(self) -> Iterator[StreamEvent]:
        """Show the held marked sentences."""
        held, self.held = self.held, []
        for sentence, line in held:
            yield self.add(sentence, line)

    def related(self, min_support: float) -> list[Passage]:
        """Up to three retrieved paragraphs close to the question (offered on a refusal)."""
        support = self.paragraph_support
        return [p for p in self.passages if support.get(p.key, 0.0) >= min_support][:3]

    def finish(self, related_min_support: float) -> Iterator[StreamEvent]:
        """The final events: the answer, or a refusal when no supported sentence remains."""
        for sentence, _ in self.held:  # marked sentences never shown: count them as removed
            if sentence.text in self.report.marked:
                self.report.marked.remove(sentence.text)
            self.report.removed.append(sentence.text)
        self.held = []
        supported = [s for s in self.sentences if s.citations]
        if not supported:
            for sentence in self.sentences:
                if sentence.text in self.report.marked:
                    self.report.marked.remove(sentence.text)
                    self.report.removed.append(sentence.text)
            refusal = REFUSAL[self.language]
            yield StreamEvent(kind="delta", text=refusal)
            yield StreamEvent(
                kind="answer",
                answer=Answer(
                    answer=refusal,
                    refused=True,
                    language=self.language,
                    query=self.query,
                    passages=self.passages,
                    related=self.related(related_min_support),
                    support=self.support,
                    seconds=time.perf_counter() - self.started,
                    verification=self.report,
                ),
            )
            return
        citations: list[Citation] = []
        seen: set[tuple[str, int]] = set()
        for sentence in self.sentences:
            for citation in sentence.citations:
                if (citation.article_id, citation.paragraph) not in seen:
                    seen.add((citation.article_id, citation.paragraph))
                    citations.append(citation)
        yield StreamEvent(
            kind="answer",
            answer=Answer(
                answer="\n".join(self.lines),
                refused=False,
                citations=citations,
                language=self.language,
                query=self.query,
                sentences=self.sentences,
                passages=self.passages,
                support=self.support,
                seconds=time.perf_counter() - self.started,
                verification=self.report,
                short_answer=self.short_answer,
            ),
        )


def _pleasantry_reply(kind: str, text: str, language: str, started: float) -> Iterator[StreamEvent]:
    """The events answering a message that is only a greeting or thanks: what the assistant
    does, nothing cited, ``refused`` (no answer from the articles)."""
    reply = PLEASANTRY_REPLY[(kind, language)]
    yield StreamEvent(kind="status", text=text)
    yield StreamEvent(kind="delta", text=reply)
    yield StreamEvent(
        kind="answer",
        answer=Answer(
            answer=reply,
            refused=True,
            language=language,
            query=text,
            seconds=time.perf_counter() - started,
        ),
    )


# Answer, StreamEvent and the label helpers moved to rag.types / rag.refs; still importable here.
__all__ = [
    "Answer",
    "Assistant",
    "IndexNotFoundError",
    "StreamEvent",
    "relabel_refs",
    "short_label",
    "unique_labels",
]
