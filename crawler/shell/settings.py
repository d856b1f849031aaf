"""Scrapy settings for newsarchive: every default in one place (see STYLE.md).

Polite by default: robots.txt obeyed, AutoThrottle on, a descriptive User-Agent, a download size cap,
and no ``file://``/``data:``/``ftp://``/``s3://`` handlers (a crawl only ever reads the web).
The CLI overrides a few values per run (database URL, batch size, the demo's zero delay).
"""

from scrapy.settings import default_settings as _scrapy_defaults

from crawler.shell.extract_pool import default_extract_workers

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.shell.spiders"]
NEWSPIDER_MODULE = "crawler.shell.spiders"

USER_AGENT = (
    "newsarchive/0.1 (+https://github.com/newsarchive/newsarchive; research archive of wire news "
    "about bilateral security dialogues)"
)
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control (an HTTP server on 127.0.0.1 that runs posted Python code in the crawl): off in a
# crawler that runs unattended, and not even imported: Scrapy imports every component named in EXTENSIONS_BASE,
# disabled ones too (to match class paths), and this one imports aiohttp's server (0.2 s of CPU per crawl).
REMOTE_CONTROL_ENABLED = False
EXTENSIONS_BASE = {path: order for path, order in _scrapy_defaults.EXTENSIONS_BASE.items()
                   if path != "scrapy.extensions.remote_control.RemoteControl"}

DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.shell.logformatter.QuietDropFormatter"

ITEM_PIPELINES = {
    "crawler.shell.pipelines.ExtractPipeline": 100,
    "crawler.shell.pipelines.ArchivePipeline": 900,
}
DOWNLOADER_MIDDLEWARES = {
    # first: a request off the seeds' origins (another port of the same host) costs nothing
    "crawler.shell.middlewares.OriginMiddleware": 40,
    # before robots.txt (100): a known URL costs neither a request nor a robots lookup
    "crawler.shell.middlewares.IncrementalMiddleware": 50,
    # after redirects (600) on the way in: sees the 3xx to a challenge page; a blocked source stops here
    "crawler.shell.botwall.BotWallMiddleware": 650,
    # after redirects (600) and meta refresh (580) on the way in: a response leading back into its own
    # redirect chain is a counted drop, not a silent duplicate-filter discard
    "crawler.shell.redirects.RedirectLoopMiddleware": 620,
}
EXTENSIONS = {
    "crawler.shell.resources.ArchiveResources": 100,  # the engine and the registries, one per crawl
    "crawler.shell.extensions.ProgressBar": 500,
}

# newsarchive's own settings
NEWSARCHIVE_DATABASE_URL = None  # None: storage.db.resolve_database_url() (env var, then default file)
NEWSARCHIVE_BATCH_SIZE = 50
NEWSARCHIVE_PROGRESS = False
NEWSARCHIVE_KEEP_RAW_HTML = True
# Processes that run the page pipeline off the reactor (crawler.shell.extract_pool); 0: inline on the reactor thread.
# Default: one core left for the reactor, at most 4 workers, at least 1.
NEWSARCHIVE_EXTRACT_WORKERS = default_extract_workers()
# Pages extracted inline before the workers start (0: start them with the crawl). Starting a worker costs
# ~2.4 s of CPU (imports, registries, warm-up), about what 100 pages cost inline: a scheduled incremental run
# that finds a few dozen new pages is done inline before a worker would be ready.
NEWSARCHIVE_EXTRACT_POOL_AFTER = 50
# Bounded discovery (crawler.shell.frontier): requests scheduled or downloading at most; refilled from
# the lazily read sitemaps/feeds when they drain to the low-water mark (None: half the bound).
NEWSARCHIVE_REQUESTS_IN_FLIGHT = 64
NEWSARCHIVE_REQUESTS_LOW_WATER = None
NEWSARCHIVE_INCREMENTAL = True  # skip known article URLs, conditional discovery fetches (crawler.shell.middlewares)

# Monitors (crawler.shell.monitors): a run failing any of them gets status 'failed' and `crawl` exits 1.
NEWSARCHIVE_MONITOR_MIN_ITEMS = 0  # new documents a run must archive (0: an unchanged site is fine)
NEWSARCHIVE_MONITOR_PAGES_EXPECTING_ITEMS = 3  # this many article pages downloaded and none extracted: fail
NEWSARCHIVE_MONITOR_MAX_ERROR_RATE = 0.25  # (4xx/5xx + download errors) / requests
NEWSARCHIVE_MONITOR_MIN_REQUESTS = 10  # the error rate is judged from this many requests on
NEWSARCHIVE_MONITOR_MIN_DOCUMENTS = 5  # field coverage is judged from this many archived documents on
NEWSARCHIVE_MONITOR_MIN_COVERAGE_PUBLISHED = 0.8
NEWSARCHIVE_MONITOR_MIN_COVERAGE_DATELINE = 0.2
NEWSARCHIVE_MONITOR_MIN_COVERAGE_AGENCY = 0.2
NEWSARCHIVE_MONITOR_FAIL_ON_BLOCKED = False  # a bot-walled source is recorded and shown; True: also fail
