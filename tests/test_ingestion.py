"""One gate for article files (index.parse.check_article), one id rule, one duplicate rule:
the same decision on upload and at indexing. No embedding model needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.config import BUNDLED_CORPUS
from index.errors import NoRunningTextError, RepetitiveContentError, TooManyParagraphsError
from index.ids import id_key, lookalike_of
from index.parse import check_article, load_corpus
from rag.config import Settings
from rag.uploads import save_uploads

ARTICLE_ID = "003_a146349f20264553"
# Names a reader cannot tell from the bundled id: Cyrillic а/е, full-width ３, O for 0, l for 1.
LOOKALIKES = [
    "003_\u0430146349f20264553",  # Cyrillic а
    "003_a146349f2026455\uff13",  # full-width ３
    "OO3_a146349f20264553",  # O for 0
    "003_al46349f20264553",  # l for 1
    "003_A146349F20264553",  # case
    "003_a146349f202\u200b64553",  # zero-width space inside
]
pytestmark = pytest.mark.unit

TEXT = (
    "Recensement des licornes bleues dans le massif du Vercors\n\n"
    "Les gardes forestiers ont compté 412 licornes bleues dans le Vercors au printemps 2025.\n"
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    return Settings(data_dir=tmp_path / "data", corpus_dir=corpus)


@pytest.mark.parametrize("name", LOOKALIKES)
def test_lookalike_ids_have_the_same_key(name: str) -> None:
    assert name != ARTICLE_ID
    assert id_key(name) == id_key(ARTICLE_ID)
    assert lookalike_of(name, [ARTICLE_ID, "000_91bb73b3830eaf78"]) == ARTICLE_ID


def test_different_ids_keep_different_keys() -> None:
    assert id_key("002_85cd408fc1a49feb") != id_key("003_a146349f20264553")
    assert lookalike_of("licornes", [ARTICLE_ID]) is None


@pytest.mark.parametrize("name", LOOKALIKES[:4])
def test_uploads_named_like_an_existing_article_are_refused(name: str, settings: Settings) -> None:
    """Defect 5: these were saved as new articles carrying the real article's headline."""
    result = save_uploads([(f"{name}.txt", TEXT.encode())], settings)
    assert result.saved == []
    reason = dict(result.rejected)[f"{name}.txt"]
    assert "looks like the existing article" in reason and ARTICLE_ID in reason
    assert not settings.upload_dir.exists() or list(settings.upload_dir.iterdir()) == []


def test_indexing_skips_a_lookalike_id_like_an_upload_would(settings: Settings) -> None:
    (settings.corpus_dir / f"{LOOKALIKES[0]}.txt").write_text(TEXT, encoding="utf-8")
    load = load_corpus(settings.corpus_dir, settings)
    assert LOOKALIKES[0] not in {a.article_id for a in load.articles}
    issue = next(i for i in load.issues if i.path.stem == LOOKALIKES[0])
    assert f"looks like '{ARTICLE_ID}'" in issue.message and issue.level == "error"


def test_one_duplicate_rule_on_both_paths(settings: Settings) -> None:
    """Case, accents, punctuation and spacing do not make another article, on either path."""
    original = (settings.corpus_dir / f"{ARTICLE_ID}.txt").read_text(encoding="utf-8")
    variant = original.upper().replace("é", "e").replace(",", " ").replace(". ", " ;  ")
    assert variant != original
    refused = save_uploads([("variante.txt", variant.encode())], settings)
    assert refused.saved == []
    assert f"already indexed as '{ARTICLE_ID}'" in dict(refused.rejected)["variante.txt"]
    (settings.corpus_dir / "zz_variante.txt").write_text(variant, encoding="utf-8")
    load = load_corpus(settings.corpus_dir, settings)
    assert load.duplicates == {"zz_variante": ARTICLE_ID}


def test_upload_over_the_paragraph_cap_is_refused_with_the_reason(tmp_path: Path) -> None:
    """Defect 2: such an upload was saved, never indexed, and reported as added."""
    settings = Settings(
        data_dir=tmp_path / "data", corpus_dir=BUNDLED_CORPUS, max_paragraphs_per_file=5
    )
    blocks = [f"Le paragraphe numéro {n} raconte une autre histoire du Vercors." for n in range(6)]
    text = "Les licornes du Vercors sont de retour\n\n" + "\n\n".join(blocks)
    result = save_uploads([("long.txt", text.encode())], settings)
    assert result.saved == []
    assert "too many paragraphs: more than 5 blocks" in dict(result.rejected)["long.txt"]
    assert not (settings.upload_dir / "long.txt").exists()
    # The indexer decides the same for the same file.
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "long.txt").write_text(text, encoding="utf-8")
    (folder / "court.txt").write_text(TEXT, encoding="utf-8")
    load = load_corpus(folder, settings)
    assert [a.article_id for a in load.articles] == ["court"]
    issue = next(i for i in load.issues if i.path.name == "long.txt")
    assert "too many paragraphs: more than 5 blocks" in issue.message


def test_upload_over_the_chunk_cap_is_refused_like_indexing(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", corpus_dir=BUNDLED_CORPUS, max_chunks_per_file=3
    )
    text = (BUNDLED_CORPUS / f"{ARTICLE_ID}.txt").read_text(encoding="utf-8")
    result = save_uploads([("copie.txt", text.replace("Bloomberg", "Reuters").encode())], settings)
    assert result.saved == []
    assert "too many chunks" in dict(result.rejected)["copie.txt"]


@pytest.mark.parametrize(
    ("text", "error", "reason"),
    [
        ("Titre\n\n" + "encore la meme phrase. " * 5000, RepetitiveContentError, "repeated"),
        (
            "\n\n".join(["Le même paragraphe, encore et encore."] * 300),
            RepetitiveContentError,
            "repetitive content: 300 blocks but only 1 distinct",
        ),
        ("Accueil\n\nContact", NoRunningTextError, "no paragraph of running text"),
    ],
)
def test_check_article_gives_one_reason_per_rule(
    text: str, error: type[Exception], reason: str, tmp_path: Path
) -> None:
    with pytest.raises(error, match=reason):
        check_article(text.encode(), tmp_path / "x.txt", Settings(data_dir=tmp_path))
    assert issubclass(RepetitiveContentError, TooManyParagraphsError)


def test_real_articles_pass_the_gate(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    for path in sorted(BUNDLED_CORPUS.glob("*.txt")):
        checked = check_article(path.read_bytes(), path, settings)
        assert checked.article.content_paragraphs and checked.chunks
        assert len(checked.fingerprint) == 64


def test_one_size_limit_in_bytes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=BUNDLED_CORPUS)
    assert settings.max_upload_bytes == settings.max_file_bytes == 5_000_000
    legacy = Settings(data_dir=tmp_path / "data", max_upload_bytes=3000)  # RAG_MAX_UPLOAD_BYTES
    assert legacy.max_file_bytes == 3000
    raw = ("Titre d'un article assez long pour le test\n\n" + "Une phrase. " * 400).encode()
    result = save_uploads(
        [("big.txt", raw)], legacy.model_copy(update={"corpus_dir": BUNDLED_CORPUS})
    )
    reason = dict(result.rejected)["big.txt"]
    assert "the limit is 3,000 bytes" in reason and "RAG_MAX_FILE_BYTES" in reason
