"""The chat page in a real headless browser (Debian's chromium driven by playwright).

A reader types a question, waits for the streamed answer and its Sources block, opens the
sources and sees the cited paragraph. The run saves ``docs/screenshot.png`` (shown in the
README) and checks that the page never requests anything outside 127.0.0.1.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from index import offline  # noqa: F401  (offline env before gradio_client)

# isort: split
from gradio_client import Client, handle_file

from rag import render

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "screenshot.png"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
QUESTION = "Qui a rencontré Dmitriev à Miami ?"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)


def settle(locator: Any, quiet_ms: int = 1500, limit_s: float = 60) -> None:
    """Wait until ``locator``'s text stops changing for ``quiet_ms``."""
    deadline = time.monotonic() + limit_s
    last = locator.inner_text()
    while time.monotonic() < deadline:
        locator.page.wait_for_timeout(quiet_ms)
        current = locator.inner_text()
        if current == last:
            return
        last = current


def new_conversation(page: Any) -> None:
    """Click "New conversation" and wait until the chat is empty."""
    page.get_by_role("button", name="New conversation").click()
    chat = page.locator("#chat")
    deadline = time.monotonic() + 30
    sources = chat.get_by_text(render.SOURCES_TITLE, exact=True)
    while sources.count() and time.monotonic() < deadline:
        page.wait_for_timeout(200)


@pytest.fixture(scope="module")
def page(app_server: Any) -> Any:
    """A fresh browser page on the app, recording every request it makes."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1250})
            page = context.new_page()
            page.requests = []
            page.on("request", lambda request: page.requests.append(request.url))
            page.goto(app_server.url, wait_until="load", timeout=120_000)
            # A Gradio page never reaches network idle: wait for the question box instead.
            page.locator("#question textarea").wait_for(timeout=120_000)
            yield page
        finally:
            browser.close()


@needs_chromium
def test_reader_asks_and_opens_the_sources(page: Any, app_server: Any) -> None:
    expected = Client(app_server.url, verbose=False, download_files=False).predict(
        QUESTION, api_name="/chat"
    )
    assert expected["sources"], expected
    first_source = expected["sources"][0]

    box = page.locator("#question textarea")
    box.fill(QUESTION)
    box.press("Enter")
    chat = page.locator("#chat")
    sources_toggle = chat.get_by_text(render.SOURCES_TITLE, exact=True)
    sources_toggle.wait_for(timeout=180_000)
    # The answer reads with short headline labels, not article hashes.
    answer_text = chat.inner_text()
    assert f"¶{expected['citations'][0]['paragraph']}]" in answer_text
    assert f"[{expected['citations'][0]['article_id']} ¶" not in answer_text

    settle(chat)  # the stream's last update re-renders the chat: open the block after it
    # The paragraph text is not shown until the reader opens the Sources block.
    words = " ".join(first_source["text"].split()[:8])
    assert words not in " ".join(chat.inner_text().split())
    sources_toggle.click()
    paragraph = chat.get_by_text(words, exact=False).first
    paragraph.wait_for(state="visible", timeout=30_000)
    settle(chat)
    assert paragraph.is_visible()
    assert words in " ".join(chat.inner_text().split())
    assert f"{first_source['article_id']} ¶{first_source['paragraph']}" in chat.inner_text()

    # The conversation from its top: the question, then its answer and the opened sources.
    page.evaluate(
        """(title) => {
            const toggle = [...document.querySelectorAll('#chat *')].find(
                (e) => e.children.length === 0 && e.textContent.trim() === title);
            const bubbles = [...document.querySelectorAll('#chat .message-row, #chat .message')];
            (bubbles[0] || toggle).scrollIntoView({block: 'start'});
        }""",
        render.SOURCES_TITLE,
    )
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


@needs_chromium
def test_html_in_a_question_is_shown_as_text(page: Any) -> None:
    new_conversation(page)
    box = page.locator("#question textarea")
    box.fill("<img src=x onerror=\"document.title='pwned'\"> <b>Qui</b> est Dmitriev ?")
    box.press("Enter")
    chat = page.locator("#chat")
    chat.get_by_text("<b>Qui</b> est Dmitriev ?", exact=False).wait_for(timeout=180_000)
    settle(chat)  # let the answer finish streaming before the next test clears the chat
    assert page.title() != "pwned"
    assert chat.locator("img[src=x]").count() == 0


@needs_chromium
def test_html_inside_an_article_is_shown_as_text(
    page: Any, app_server: Any, tmp_path: Path
) -> None:
    article = tmp_path / "phare-de-kerbihan.txt"
    # Active markup (scripts, on…= handlers) makes a block uncitable at ingestion; plain tags
    # stay in citable text and must still show as text.
    article.write_text(
        "Le phare de Kerbihan rouvre ses portes\n\n"
        "Le phare de Kerbihan <img src=x> rouvrira au public le 3 mai après deux ans de "
        "travaux de <b>restauration</b>.\n\n"
        "<script>document.title='pwned'</script>\n",
        encoding="utf-8",
    )
    report, _ = Client(app_server.url, verbose=False, download_files=False).predict(
        [handle_file(str(article))], api_name="/upload"
    )
    assert "added" in report, report
    new_conversation(page)
    box = page.locator("#question textarea")
    box.fill("Quand le phare de Kerbihan rouvrira-t-il au public ?")
    box.press("Enter")
    chat = page.locator("#chat")
    toggle = chat.get_by_text(render.SOURCES_TITLE, exact=True)
    toggle.wait_for(timeout=180_000)
    settle(chat)
    toggle.click()
    chat.get_by_text("<b>restauration</b>", exact=False).first.wait_for(timeout=30_000)
    settle(chat)
    assert "<img src=x>" in chat.inner_text()
    assert chat.locator("img[src=x]").count() == 0
    assert chat.locator("script").count() == 0
    assert page.title() != "pwned"


@needs_chromium
def test_index_tab_lists_articles_with_titles_as_text_and_removes_an_upload(
    page: Any, app_server: Any, tmp_path: Path
) -> None:
    article = tmp_path / "sommet-tags.txt"
    article.write_text(
        "Un <b>sommet</b> à Genève <img src=x> sur le plan de paix\n\n"
        "Les délégations se sont retrouvées à Genève le 23 novembre pour discuter du plan.\n",
        encoding="utf-8",
    )
    report, _ = Client(app_server.url, verbose=False, download_files=False).predict(
        [handle_file(str(article))], api_name="/upload"
    )
    assert "added" in report, report
    page.reload(wait_until="load")
    page.locator("#question textarea").wait_for(timeout=120_000)
    page.get_by_role("tab", name="Index").click()
    table = page.locator("#articles-table")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        "Plan de paix pour l’Ukraine" in table.inner_text() and "sommet-tags" in table.inner_text()
    ):
        page.wait_for_timeout(300)
    text = table.inner_text()
    assert "Plan de paix pour l’Ukraine" in text and "sommet-tags" in text, text[:2000]
    assert "<b>sommet</b>" in text and "<img src=x>" in text  # shown as text
    assert table.locator("img[src=x]").count() == 0 and table.locator("b").count() == 0
    assert "uploaded" in text and "bundled" in text
    # Remove it from the page: pick it, click, the table no longer lists it.
    page.locator("#remove-choice input").click()
    page.get_by_role("option", name="sommet-tags", exact=False).first.click()
    page.get_by_role("button", name="Remove from the index").click()
    page.locator("#remove-report").get_by_text("Removed", exact=False).wait_for(timeout=120_000)
    deadline = time.monotonic() + 30
    while "sommet-tags" in table.inner_text() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert "sommet-tags" not in table.inner_text()
    assert not (app_server.data_dir / "uploads" / article.name).exists()
    page.get_by_role("tab", name="Chat").click()


MAREES_URL = "https://www.example.net/marees/rapport-2025"


def _format_uploads(folder: Path) -> list[Path]:
    """A PDF (answer on page 2, a source: line), a saved web page and a Word file."""
    import docx
    from format_fixtures import make_pdf

    pdf = folder / "rapport-marees.pdf"
    pdf.write_bytes(
        make_pdf(
            [
                ("Rapport sur les grandes marées de Port-Lannec", True),
                (
                    "Le port de Port-Lannec a connu cet automne une série de grandes marées. " * 3,
                    False,
                ),
                (
                    "Selon le rapport, la plus haute marée a atteint 7,4 mètres le 12 octobre à "
                    "Port-Lannec, un record depuis 1998.",
                    False,
                ),
                (f"source: {MAREES_URL}", False),
            ],
            pages_at={2},
        )
    )
    html = folder / "phare-de-trevenec.html"
    html.write_text(
        "<html><head><title>Le phare de Trévenec repeint</title>"
        '<link rel="canonical" href="javascript:alert(1)"></head><body>'
        "<nav><a href='/'>Accueil</a> <a href='/mer'>Mer</a></nav><article>"
        "<h1>Le phare de Trévenec repeint</h1>"
        "<p>Le phare de Trévenec a été entièrement repeint en rouge et blanc au mois de "
        "septembre, après six semaines de travaux menés par une entreprise de Brest.</p>"
        "<p>Les visites reprendront au printemps, les mercredis et les samedis, avec un "
        "nouveau parcours consacré aux gardiens qui y ont vécu jusqu'en 1985.</p>"
        "</article><div class='comments'><p>Bravo aux peintres !</p></div></body></html>",
        encoding="utf-8",
    )
    word = folder / "fete-du-cidre.docx"
    document = docx.Document()
    document.add_paragraph("La fête du cidre de Kerlouan", style="Title")
    document.add_paragraph(
        "La fête du cidre de Kerlouan a réuni quatre mille visiteurs le dernier dimanche "
        "d'octobre, un chiffre en hausse par rapport à l'an dernier."
    )
    document.save(str(word))
    return [pdf, html, word]


@needs_chromium
def test_uploads_of_each_format_are_cited_with_the_page_and_a_safe_link(
    page: Any, tmp_path: Path
) -> None:
    uploads = _format_uploads(tmp_path)
    page.get_by_role("tab", name="Index").click()
    page.locator("#upload-files input[type=file]").set_input_files([str(p) for p in uploads])
    files = page.locator("#upload-files")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(p.name in files.inner_text() for p in uploads):
        page.wait_for_timeout(300)
    page.locator("#upload-button").click()
    report = page.locator("#upload-report")
    for upload in uploads:
        report.get_by_text(f"added {upload.name}", exact=False).wait_for(timeout=300_000)
    page.get_by_role("tab", name="Chat").click()
    new_conversation(page)
    box = page.locator("#question textarea")
    box.fill("Quelle hauteur a atteint la plus haute marée à Port-Lannec ?")
    box.press("Enter")
    chat = page.locator("#chat")
    toggle = chat.get_by_text(render.SOURCES_TITLE, exact=True)
    toggle.wait_for(timeout=180_000)
    settle(chat)
    toggle.click()
    link = chat.locator(f'a[href="{MAREES_URL}"]').first
    link.wait_for(timeout=30_000)
    settle(chat)
    assert "7,4 mètres" in chat.inner_text()
    assert "p. 2" in chat.inner_text()
    assert link.get_attribute("target") == "_blank"
    assert {"noopener", "noreferrer"} <= set((link.get_attribute("rel") or "").split())
    assert chat.locator('a[href^="javascript:"]').count() == 0


@needs_chromium
def test_page_makes_no_request_outside_loopback(page: Any) -> None:
    hosts = {
        urlparse(url).hostname
        for url in page.requests
        if urlparse(url).scheme in {"http", "https", "ws", "wss"}
    }
    assert hosts, "the page made requests"
    assert hosts <= LOCAL_HOSTS, hosts
