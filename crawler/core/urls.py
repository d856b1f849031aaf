"""URL canonicalisation: the one place that decides when two URLs name the same page.

canonical link (same site only) → strip tracking parameters → fold AMP twins and mobile hosts →
``w3lib.url.canonicalize_url`` (sorted query, normalised percent-encoding, no fragment). Scrapy's own
request fingerprint keeps ``utm_*``, so it cannot serve as the document key.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PARAMS = (
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "yclid", "igshid",
    "_ga", "_gl", "ref", "ref_src", "ref_url", "cmpid", "ncid", "ito", "src", "smid", "sr_share",
    "amp", "outputType", "output",
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "hsa_", "oly_")
_AMP_PATH = re.compile(r"(?:/amp(?=/|$)|\.amp(?=\.html?$|$)|/amp\.html?$)", re.IGNORECASE)
_MOBILE_HOST = re.compile(r"^(?:m|mobile|amp)\.", re.IGNORECASE)


def host_of(url: str) -> str:
    """The lower-case host without ``www.``; '' for an unparsable URL."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


FETCHABLE_SCHEMES = ("http", "https")


def is_fetchable(url: str) -> bool:
    """Whether an absolute ``url`` names a web page the crawler can request: an ``http``/``https`` URL with a
    host. ``javascript:``, ``mailto:``, ``tel:``, ``data:``, ``file:`` and unparsable URLs are not."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in FETCHABLE_SCHEMES and bool(host)


def same_site(a: str, b: str) -> bool:
    ha, hb = _MOBILE_HOST.sub("", host_of(a)), _MOBILE_HOST.sub("", host_of(b))
    return bool(ha) and ha == hb


def strip_tracking(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    keep = []
    for pair in parts.query.split("&"):
        name = pair.split("=", 1)[0].lower()
        if not name or name in TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES):
            continue
        keep.append(pair)
    return urlunsplit(parts._replace(query="&".join(keep)))


def fold_amp(url: str) -> str:
    """``/amp/`` path segments, ``.amp.html`` and ``amp.``/``m.`` hosts map to the plain page."""
    parts = urlsplit(url)
    path = _AMP_PATH.sub("", parts.path) or "/"
    if parts.path.lower().endswith(".amp.html"):
        path = parts.path[: -len(".amp.html")] + ".html"
    netloc = parts.netloc
    host = parts.hostname or ""
    if _MOBILE_HOST.match(host):
        netloc = netloc.replace(host, "www." + _MOBILE_HOST.sub("", host), 1) if "." in host[4:] else netloc
    return urlunsplit(parts._replace(path=path, netloc=netloc))


def canonical_url(url: str, declared: str | None = None) -> str:
    """The document key for a fetched ``url`` whose page declares ``declared`` as canonical.

    A declared canonical on another site is ignored (syndicators point at the original publisher, but
    their copy is still their document). Never raises: an unparsable URL comes back as given.
    """
    try:
        chosen = url
        if declared:
            absolute = urljoin(url, declared.strip())
            if absolute.startswith(("http://", "https://")) and same_site(absolute, url):
                chosen = absolute
        cleaned = fold_amp(strip_tracking(chosen))
        canon = canonicalize_url(cleaned, keep_fragments=False)
        parts = urlsplit(canon)
        host = (parts.hostname or "").lower()
        if host.startswith("www."):
            canon = urlunsplit(parts._replace(netloc=parts.netloc.replace(parts.hostname or "", host[4:], 1)))
        return canon
    except ValueError:
        return url


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host without ``www.``, port) of an http(s) URL — the port made explicit —, or None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return scheme, host[4:] if host.startswith("www.") else host, port or _DEFAULT_PORTS[scheme]


def allowed_origins(seeds: list[str]) -> frozenset[tuple[str, str, int]]:
    """The origins a crawl seeded with these URLs may fetch: each seed's scheme, host and port. A seed on
    a default port also allows the same host on the other scheme's default port (a site moved from http
    to https is not another origin); any other port of the same host is another origin."""
    out: set[tuple[str, str, int]] = set()
    for seed in seeds:
        origin = origin_of(seed)
        if origin is None:
            continue
        out.add(origin)
        scheme, host, port = origin
        if port == _DEFAULT_PORTS[scheme]:
            out.update((s, host, p) for s, p in _DEFAULT_PORTS.items())
    return frozenset(out)
