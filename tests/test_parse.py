"""Paragraph numbering, flagging, titles, dates and file decoding (no model needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.config import BUNDLED_CORPUS
from index.errors import CorpusNotFoundError, EmptyCorpusError
from index.parse import (
    BOILERPLATE,
    CAPTION,
    CONTENT,
    HEADING,
    NAVIGATION,
    TITLE,
    classify_block,
    load_corpus,
    read_article,
    split_blocks,
)

pytestmark = pytest.mark.unit


def test_paragraph_numbers_follow_the_blocks_of_the_file() -> None:
    path = BUNDLED_CORPUS / "000_91bb73b3830eaf78.txt"
    article = read_article(path)
    raw_blocks = [b.strip() for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    assert article.article_id == "000_91bb73b3830eaf78"
    assert [p.paragraph for p in article.paragraphs] == list(range(1, len(raw_blocks) + 1))
    assert [p.text for p in article.paragraphs] == raw_blocks
    assert article.paragraphs[4].text.startswith("Washington et Moscou ont-ils élaboré")


def test_bundled_corpus_has_66_paragraphs_and_headlines() -> None:
    load = load_corpus(BUNDLED_CORPUS)
    assert [a.article_id for a in load.articles] == sorted(
        p.stem for p in BUNDLED_CORPUS.glob("*.txt")
    )
    assert sum(len(a.paragraphs) for a in load.articles) == 66
    titles = {a.article_id: a.title for a in load.articles}
    assert titles["000_91bb73b3830eaf78"].startswith("Etats-Unis et Russie ont préparé en secret")
    assert titles["001_8070831bbb14d085"].startswith(
        "Un plan confidentiel entre Washington et Moscou"
    )
    assert titles["002_85cd408fc1a49feb"].startswith("Trump mène des discussions secrètes")
    assert titles["003_a146349f20264553"].startswith(
        "Plan de paix pour l’Ukraine : nouvelles révélations"
    )
    dates = {a.article_id: a.date for a in load.articles}
    assert dates["000_91bb73b3830eaf78"] == "2025-11-19"
    assert dates["001_8070831bbb14d085"] == "2025-11-19"  # "(Rome, 19 novembre 2025)."
    assert dates["002_85cd408fc1a49feb"] is None


def test_site_chrome_is_flagged_and_article_text_is_not() -> None:
    load = load_corpus(BUNDLED_CORPUS)
    flags = {(a.article_id, p.paragraph): p.flag for a in load.articles for p in a.paragraphs}
    assert flags[("003_a146349f20264553", 1)] in {
        NAVIGATION,
        BOILERPLATE,
    }  # "Mode Foncé Mode Clair"
    assert flags[("002_85cd408fc1a49feb", 20)] == HEADING  # "Plus"
    assert flags[("001_8070831bbb14d085", 14)] == BOILERPLATE  # newsletter prompt
    assert flags[("002_85cd408fc1a49feb", 19)] == BOILERPLATE  # "abonnez-vous ici!"
    assert flags[("000_91bb73b3830eaf78", 4)] == HEADING  # byline
    assert flags[("000_91bb73b3830eaf78", 3)] == CAPTION  # "1/6 ... Photo: AFP"
    assert flags[("000_91bb73b3830eaf78", 2)] == TITLE
    assert flags[("002_85cd408fc1a49feb", 3)] == CONTENT  # bullet list of facts
    assert flags[("001_8070831bbb14d085", 5)] == CONTENT
    citable = sum(flag == CONTENT for flag in flags.values())
    assert 30 <= citable <= 45


@pytest.mark.parametrize(
    ("block", "flag"),
    [
        ("Sign up for our daily newsletter", BOILERPLATE),
        ("Share this article on Facebook", BOILERPLATE),
        ("Home\nWorld\nPolitics\nSport", NAVIGATION),
        ("Read more", BOILERPLATE),
        ("Key takeaways", HEADING),
        ("Image: Reuters/John Doe", CAPTION),
        (
            "The minister said on Tuesday that the talks would resume. Both sides agreed on the "
            "agenda, and a newsletter about it will follow.",
            CONTENT,
        ),
        ("« Nous voulons la paix », a-t-il déclaré.", CONTENT),
    ],
)
def test_flagging_rule_is_general(block: str, flag: str) -> None:
    assert classify_block(block) == flag


def test_blank_lines_with_spaces_and_crlf_split_blocks() -> None:
    assert split_blocks("a\r\n\r\nb\n  \n\nc\nd\n") == ["a", "b", "c\nd"]


def test_cp1252_file_is_decoded_and_reported(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes(
        "Le président a parlé à Genève.\n\nIl a évoqué l’été.".encode("cp1252")
    )
    load = load_corpus(tmp_path)
    assert load.articles[0].paragraphs[0].text == "Le président a parlé à Genève."
    assert load.articles[0].encoding == "cp1252"
    assert any("cp1252" in issue.message and issue.level == "warning" for issue in load.issues)


def test_bad_files_are_skipped_with_a_reason_and_good_ones_kept(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("Un vrai paragraphe d'article.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "ignored.pptx").write_bytes(b"PK\x03\x04")  # not an article format
    (tmp_path / "truncated.pdf").write_bytes(b"%PDF-1.4")  # a format read since issue 16
    load = load_corpus(tmp_path)
    assert [a.article_id for a in load.articles] == ["good"]
    reasons = {i.path.name: i.message for i in load.issues}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "not a readable PDF" in reasons["truncated.pdf"]
    assert "ignored.pptx" not in reasons
    assert load.unreadable_ids == {"empty", "binary", "truncated"}


def test_missing_and_empty_folders_raise_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotFoundError, match="not found"):
        load_corpus(tmp_path / "nope")
    with pytest.raises(EmptyCorpusError, match="no readable article"):
        load_corpus(tmp_path)


def test_the_control_character_count_is_unicode_category_cc_but_layout_ones() -> None:
    """decode_bytes counts control characters with one regex: the same characters as
    ``unicodedata.category(c) == "Cc"`` minus tab, newline, form feed and carriage return,
    on every code point."""
    import unicodedata

    from index.parse import _CONTROL

    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        expected = unicodedata.category(char) == "Cc" and char not in "\n\r\t\f"
        assert bool(_CONTROL.fullmatch(char)) == expected, hex(code)


def test_long_blocks_are_never_boilerplate() -> None:
    # The call-to-action rule only reads blocks of 45 words or fewer.
    long_block = " ".join(["Abonnez-vous à la newsletter, cliquez ici."] * 10)
    assert classify_block(long_block) == CONTENT
    assert classify_block("Abonnez-vous à la newsletter, cliquez ici.") == BOILERPLATE


def test_fold_drops_exactly_the_combining_marks_of_every_character() -> None:
    """``fold`` (a cached translate table) equals the plain per-character rule on every code
    point up to U+2FFFF, and folds case and accents."""
    import unicodedata

    from index.parse import fold

    def reference(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        return "".join(c for c in decomposed if not unicodedata.combining(c))

    every = "".join(chr(c) for c in range(0x30000) if not 0xD800 <= c <= 0xDFFF)
    for start in range(0, len(every), 4096):
        block = every[start : start + 4096]
        assert fold(block) == reference(block)
    assert fold("Élysée CŒUR Ångström") == "elysee cœur angstrom"
