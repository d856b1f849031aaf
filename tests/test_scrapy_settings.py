"""Scrapy components a crawl must not load: the code-execution remote control (Scrapy 2.19 turns it on by
default) and the telnet console. Checked on the settings every crawl uses (crawler.app.run.crawl_settings)."""

from __future__ import annotations

from scrapy.utils.conf import build_component_list

from crawler.app.run import crawl_settings


def test_crawls_run_without_remote_control_or_telnet(tmp_path) -> None:
    settings = crawl_settings(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    extensions = build_component_list(settings.getwithbase("EXTENSIONS"))
    assert "scrapy.extensions.remote_control.RemoteControl" not in extensions
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert "crawler.shell.extensions.ProgressBar" in extensions  # the project's own extension still loads
