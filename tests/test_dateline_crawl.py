"""Pages in the wires' other scripts are archived with their dateline like English ones (issue 16): one small
crawl of a local site (real CLI, real HTTP server on 127.0.0.1, real SQLite file) with one page per script,
then the archive's article rows are read back. Each page is wholly in its own language (headline written here,
lead from tests/test_dateline_pages.py) and reports a round of security talks: the dateline's city, country,
agency and date are stored, and the page becomes an event of the pair it names."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.app.demo.server import FixtureServer
from crawler.core.normalize.gazetteer import lookup_city
from crawler.core.reference import fold
from storage.db import make_engine
from storage.models import Article, Document, Event
from storage.schema import upgrade
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION
from tests.test_dateline_pages import PAGES, TEMPLATE

# One crawl, a handful of pages: CJK, Cyrillic, Arabic, Indic. A headline in the page's language and the
# event key the page's round gets (the pair the headline names, its series, the day the lead gives).
HEADLINES = {
    "zh": ("中美在北京举行安全对话", "CHN-USA:strategic-security-dialogue:2024-03-05"),
    "ko": ("한미 안보 대화 부산서 개최", "KOR-USA:security-consultative-meeting:2024-03-05"),
    "ru": ("Россия и Индия провели сегодня консультации по вопросам безопасности", "IND-RUS:security-consultations:2024-03-05"),
    "ar": ("السعودية والهند تعقدان اليوم جولة جديدة من الحوار الأمني", "IND-SAU:security-dialogue:2024-03-05"),
    "hi": ("भारत और अमेरिका के बीच सुरक्षा वार्ता", "IND-USA:security-talks:2024-03-05"),
    "ta": ("இந்தியா - இலங்கை பாதுகாப்பு பேச்சுவார்த்தை இன்று நடைபெற்றது", "IND-LKA:security-talks:2024-03-05"),
}


def test_crawl_archives_datelines_in_every_script(tmp_path: Path) -> None:
    site = tmp_path / "site"
    pages = {p[0]: p for p in PAGES if p[0] in HEADLINES}
    for lang, (_l, lead, *_rest) in pages.items():
        path = site / lang / "2024" / "03" / "05" / "story.html"
        path.parent.mkdir(parents=True)
        path.write_text(TEMPLATE.format(lang=lang, title=HEADLINES[lang][0], lead=lead), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with FixtureServer(site) as server:
        urls = tmp_path / "urls.txt"
        urls.write_text("".join(f"{server.base_url}/{lang}/2024/03/05/story.html\n" for lang in pages), encoding="utf-8")
        run = forkcli.run(["--database", url, "crawl", "--urls-file", str(urls),
                              "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", *INLINE_EXTRACTION],
                             capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    with Session(engine) as session:
        rows = session.execute(select(Document.url, Article).join(Article, Document.article_id == Article.id)).all()
        keys = dict(session.execute(select(Article.id, Event.event_key).join(Event, Article.event_id == Event.id)).all())
    engine.dispose()
    by_lang = {row[0].split("/")[3]: row for row in rows}
    assert sorted(by_lang) == sorted(pages), run.stdout[-3000:]
    for lang, (_l, _lead, city, country, agency, month, day) in pages.items():
        article = by_lang[lang][1]
        hit = lookup_city(article.dateline_city or "")
        assert hit is not None and fold(hit[1]) == fold(city), (lang, article.dateline_city)
        assert (article.dateline_country, article.agency, article.agency_source) == (country, agency, "dateline"), lang
        assert (article.topic, keys.get(article.id)) == ("dialogue_event", HEADLINES[lang][1]), lang
        if month is not None:
            assert article.dateline_date is not None and (article.dateline_date.month, article.dateline_date.day) == (month, day), lang
