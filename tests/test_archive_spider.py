"""The one archive spider and the crawl's shared resources (issue 12 point 5), without a crawl.

The crawls themselves are in test_crawl, test_sources, test_seeds, test_frontier and test_redis_frontier;
here: what the spider makes of its arguments, and that the engine and registries are built once per crawl."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.core.sources import UnknownSource
from crawler.shell.resources import ArchiveResources
from crawler.shell.spiders.archive import ArchiveSpider, FrontierSpider
from storage.crawlstats import DISCOVERY_NOT_FOUND, DROPPED, SEEDS_FAILED_BY_REASON
from storage.runs import DISCOVERY_NOT_FOUND as RUNS_DISCOVERY_NOT_FOUND


def _spider(tmp_path: Path, cls: type[ArchiveSpider] = ArchiveSpider, **kwargs: object) -> ArchiveSpider:
    crawler = get_crawler(cls, {"NEWSARCHIVE_DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    spider = cls.from_crawler(crawler, **kwargs)
    assert isinstance(spider, ArchiveSpider)
    return spider


def test_adhoc_seeds_are_one_anonymous_source_bounded_by_their_origins(tmp_path: Path) -> None:
    spider = _spider(tmp_path, sitemap="http://127.0.0.1:8000/sitemap.xml", feed="https://example.org/feed",
                     url="http://127.0.0.1:8000/a.html")
    [target] = spider.targets
    assert target.source is None and target.name is None and target.era_start is None
    assert [(e.type, e.url) for e in target.endpoints] == [("sitemap", "http://127.0.0.1:8000/sitemap.xml"),
                                                          ("feed", "https://example.org/feed")]
    assert target.articles == ("http://127.0.0.1:8000/a.html",)
    assert spider.may_fetch(target, "http://127.0.0.1:8000/b.html")
    assert not spider.may_fetch(target, "http://127.0.0.1:18091/b.html")  # another port: another origin
    assert spider.origins == target.origins and spider.sources == []
    assert spider.run_arguments()["sitemaps"] == ["http://127.0.0.1:8000/sitemap.xml"]


def test_registered_sources_are_targets_with_their_registry_facts(tmp_path: Path) -> None:
    spider = _spider(tmp_path, sources="ani,dhs")
    assert [t.name for t in spider.targets] == ["ani", "dhs"]
    assert all(t.source is not None and t.endpoints and not t.origins for t in spider.targets)
    assert spider.dialogues is not None
    assert spider.run_arguments()["sources"] == ["ani", "dhs"]
    assert spider._meta(spider.targets[0], "article")["download_slot"] == "source:ani"  # politeness per source
    with pytest.raises(UnknownSource):
        _spider(tmp_path, sources="nosuch")
    with pytest.raises(ValueError, match="not both"):
        _spider(tmp_path, sources="ani", url="http://127.0.0.1:8000/a.html")


def test_the_frontier_worker_is_the_archive_spider_without_bounds(tmp_path: Path) -> None:
    spider = _spider(tmp_path, FrontierSpider, redis_key="k")
    assert isinstance(spider, FrontierSpider)
    [target] = spider.targets
    assert target.source is None and not target.origins
    assert spider.run_arguments() == {"redis_key": "k", "idle_close": 5.0}


def test_resources_are_built_once_per_crawl_and_disposed(tmp_path: Path) -> None:
    crawler = get_crawler(ArchiveSpider, {"NEWSARCHIVE_DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    resources = ArchiveResources.of(crawler)
    assert ArchiveResources.from_crawler(crawler) is resources  # the extension manager gets the same one
    assert resources.engine is resources.engine
    assert resources.registries is resources.registries
    assert ArchiveResources.of(get_crawler(ArchiveSpider)) is not resources  # another crawl: its own
    first = resources.engine
    resources.engine_stopped()
    assert resources.engine is not first  # disposed: a later use gets a fresh engine


def test_stats_keys_keep_their_strings() -> None:
    assert DROPPED("bad_url") == "newsarchive/dropped/bad_url"
    assert SEEDS_FAILED_BY_REASON("http_404") == "newsarchive/seeds/failed/http_404"
    assert DISCOVERY_NOT_FOUND == RUNS_DISCOVERY_NOT_FOUND == "newsarchive/discovery/not_found"
