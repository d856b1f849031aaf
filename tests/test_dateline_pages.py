"""A page in each of the wires' languages carries its dateline through the page pipeline (issue 16): the
article's city, country, agency and dateline date come out of ``process_page`` as they do for English pages.
The pages are small HTML documents written here from the agencies' house styles."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.core.context import load_registries
from crawler.core.normalize.gazetteer import lookup_city
from crawler.core.process import process_page
from crawler.core.reference import fold

PAGES = [
    # (language, lead paragraph, city (any spelling the gazetteer maps), country, agency, month, day)
    ("zh", "新华社北京3月5日电（记者张三）中国外交部发言人5日表示，中方愿同各方加强安全对话。", "Beijing", "CN", "Xinhua", 3, 5),
    ("ja", "【ソウル共同】韓国外務省は5日、日韓安全保障対話を開催すると発表した。", "Seoul", "KR", "Kyodo", None, None),
    ("ko", "(부산=연합뉴스) 김철수 기자 = 한미 양국은 5일 부산에서 안보 대화를 열었다.", "Busan", "KR", "Yonhap", None, None),
    ("ru", "МОСКВА, 5 марта. /ТАСС/. Министр иностранных дел России провел переговоры с коллегой из Индии.", "Moscow", "RU", "TASS", 3, 5),
    ("ar", "الرياض في 5 مارس / واس / عقدت المملكة والهند جولة جديدة من الحوار الأمني.", "Riyadh", "SA", "SPA", 3, 5),
    ("hi", "नई दिल्ली, 5 मार्च (भाषा) भारत और अमेरिका ने मंगलवार को सुरक्षा वार्ता की।", "New Delhi", "IN", "Bhasha", 3, 5),
    ("ur", "اسلام آباد، 5 مارچ (اے پی پی) پاکستان اور چین نے منگل کو سکیورٹی مذاکرات کیے۔", "Islamabad", "PK", "APP", 3, 5),
    ("bn", "ঢাকা, ৫ মার্চ, ২০২৪ (বাসস) : বাংলাদেশ ও ভারত মঙ্গলবার নিরাপত্তা সংলাপ করেছে।", "Dhaka", "BD", "BSS", 3, 5),
    ("ta", "சென்னை, மார்ச் 5 (பிடிஐ) இந்தியா மற்றும் இலங்கை பாதுகாப்பு பேச்சுவார்த்தை நடத்தின.", "Chennai", "IN", "PTI", 3, 5),
    ("vi", "Hà Nội, 5/3 (TTXVN) - Việt Nam và Nhật Bản tổ chức đối thoại an ninh lần thứ 10.", "Hanoi", "VN", "VNA", 3, 5),
    ("fr", "PARIS, 5 mars 2024 (AFP) - La France et l'Inde ont tenu mardi leur dialogue stratégique.", "Paris", "FR", "AFP", 3, 5),
    ("es", "MADRID, 5 mar (EFE).- España y Marruecos celebraron el martes su diálogo de seguridad.", "Madrid", "ES", "EFE", 3, 5),
    ("de", "Berlin (dpa) - Deutschland und Japan haben am Dienstag ihren Sicherheitsdialog fortgesetzt.", "Berlin", "DE", "dpa", None, None),
    ("tr", "ANKARA (AA) - Türkiye ile Azerbaycan güvenlik diyaloğunun yeni turunu gerçekleştirdi.", "Ankara", "TR", "Anadolu", None, None),
    ("pt", "LISBOA, 5 mar (Lusa) - Portugal e Angola realizaram hoje o diálogo de segurança.", "Lisbon", "PT", "Lusa", 3, 5),
]

TEMPLATE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="2024-03-05T12:00:00+00:00"></head>
<body><article><h1>{title}</h1><p>{lead}</p>
<p>{lead}</p><p>{lead}</p></article></body></html>"""


@pytest.mark.parametrize(("lang", "lead", "city", "country", "agency", "month", "day"), PAGES,
                         ids=[p[0] for p in PAGES])
def test_page_in_each_script_keeps_its_dateline(lang: str, lead: str, city: str, country: str, agency: str,
                                                month: int | None, day: int | None) -> None:
    url = f"https://news.example.org/{lang}/2024/03/05/story.html"
    context = load_registries(environ={}).context_for(url, fetched_at=dt.datetime(2024, 3, 6, tzinfo=dt.UTC))
    page = process_page(TEMPLATE.format(lang=lang, title=lead[:40], lead=lead), url, context)
    d = page.clean.dateline
    assert d is not None, page.clean
    hit = lookup_city(d.city or "")
    assert hit is not None and fold(hit[1]) == fold(city), d
    assert d.country == country
    assert page.agency == agency and page.agency_source == "dateline"
    assert (d.month, d.day) == (month, day)
    if month is not None:
        assert d.date == dt.date(2024, month, day or 1)
