"""Names vulture (``[tool.vulture]`` in pyproject.toml) would call unused that are used, from outside.

Vulture counts a name as used when it appears anywhere it scans; this file is scanned (it sits under
scripts/) and never imported. Each group says who calls the names. Add a name here only with its caller;
code nothing calls is deleted instead.
"""

# ruff: noqa: B018
from typing import Any

_: Any = None

# Scrapy calls components by hook name (pipelines, downloader middlewares, spiders, log formatter).
_.open_spider
_.close_spider
_.process_item
_.process_request
_.process_response
_.allowed_domains
_.make_request_from_data  # scrapy-redis RedisSpider hook (benchmarks/bench_frontier.py)
_.StockRedisSpider  # run by `scrapy runspider benchmarks/bench_frontier.py`
_.QuietDropFormatter  # settings.LOG_FORMATTER names it by dotted path

# Click registers commands by decorator; nothing calls them by name.
_.db_upgrade
_.db_current
_.demo
_.sources_list
_.sources_show
_.sources_check

# Alembic reads a revision module's variables and calls downgrade().
_.down_revision
_.branch_labels
_.depends_on
_.downgrade

# SQLAlchemy: declarative columns (schema, read by SQL and the views), type decorator hooks, event listeners.
_.type_annotation_map
_.impl
_.cache_ok
_.process_bind_param
_.process_result_value
_._on_connect
_._on_begin
_.isolation_level
_.blocked_reason
_.created_at
_.updated_at
_.processed_at
_.documents_count
_.articles_count
_.sources_count
_.last_status
_.last_fetched_at
_.last_changed_at
_.first_seen_at

# http.server / socketserver read these class attributes and call do_HEAD / log_message; __exit__ arguments.
_.daemon_threads
_.allow_reuse_address
_.address_family
_.protocol_version
_.server_version
_.timeout  # StreamRequestHandler: idle keep-alive connections close after it (was "used" by a deleted script)
_.RequestHandlerClass
_.do_HEAD
_.log_message
_.exc_type
_.traceback

# Dataclass fields read through asdict() / dataclasses.fields() (BatchResult.add, MonitorResult.to_json).
_.rejected_new
_.documents_duplicate
_.articles_new
_.articles_existing
_.articles_near_duplicate
_.events_attached
_.threshold

# Kept for the tests that need them: the registry lookup by slug (tests/test_events.py) and the worker pids
# the pool's crash test kills (tests/test_extract_pool.py).
_.by_slug
_.worker_pids

# logging.LogRecord attributes the one-line handler clears (crawler/app/run.py), read by logging itself
_.exc_text
_.stack_info
