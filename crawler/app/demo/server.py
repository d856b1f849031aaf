"""A static file server for fixture sites, bound to loopback only.

The demo site and the crawl tests need an offline "internet": this module serves a directory on
127.0.0.1 with the HTTP behaviour a polite, incremental crawler relies on (Content-Type, Content-Length,
ETag, Last-Modified, conditional requests answered with 304, 404 for missing files) and rewrites the
``{{BASE}}`` placeholder in text files into the real base URL, so fixture pages can carry absolute links.

Standard library only, so it runs anywhere the tests run::

    python -m crawler.app.demo.server ROOT [--port N]

prints the base URL as its first line, then serves until killed.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import ipaddress
import socket
import sys
import threading
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

__all__ = ["BASE_PLACEHOLDER", "CONTENT_TYPES", "FixtureServer", "main"]

BASE_PLACEHOLDER = "{{BASE}}"

#: Content-Type by file suffix; anything else is served as application/octet-stream.
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
}

# Only these are rewritten: binary files must be served byte for byte.
_TEXT_SUFFIXES = frozenset({".xml", ".html", ".htm", ".rss", ".atom", ".json", ".txt"})


def _loopback_family(host: str) -> socket.AddressFamily:
    """Return the address family for ``host`` or raise ValueError if it is not a loopback address.

    ``localhost`` is accepted (it is loopback by definition); any other name is refused rather than
    resolved, because a fixture server must never be reachable from outside the machine.
    """
    if host == "localhost":
        return socket.AF_INET
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"FixtureServer binds loopback addresses only, got {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"FixtureServer binds loopback addresses only, got {host!r}")
    return socket.AF_INET6 if address.version == 6 else socket.AF_INET


class _FixtureHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Tests start and stop many servers; a port in TIME_WAIT must not block the next bind.
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: FixtureServer, family: socket.AddressFamily) -> None:
        self.address_family = family
        self.owner = owner
        super().__init__(address, _FixtureHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        # A crawler that drops a connection mid-response is normal traffic, not a server fault:
        # keep the console (and the demo's output) free of tracebacks for it.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _FixtureHandler(BaseHTTPRequestHandler):
    server: _FixtureHTTPServer
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections are closed after this many seconds, so handler threads do not pile up.
    timeout = 30
    server_version = "newsarchive-fixture/1.0"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        # Silenced: test output and the demo's console must not fill with access lines.
        return

    def _respond(self, *, send_body: bool) -> None:
        owner = self.server.owner
        url_path = urlsplit(self.path).path or "/"
        if send_body:
            owner._count(url_path)
        file_path = owner.resolve(url_path)
        if file_path is None:
            self._send_plain(HTTPStatus.NOT_FOUND, b"404 Not Found\n", send_body=send_body)
            return
        try:
            raw = file_path.read_bytes()
            mtime = file_path.stat().st_mtime
        except OSError:
            self._send_plain(HTTPStatus.NOT_FOUND, b"404 Not Found\n", send_body=send_body)
            return
        suffix = file_path.suffix.lower()
        body = owner.render(raw) if suffix in _TEXT_SUFFIXES else raw
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        last_modified = formatdate(int(mtime), usegmt=True)

        if self._not_modified(etag, int(mtime)):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            return

        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", CONTENT_TYPES.get(suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        """RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since when both are present."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError, IndexError):
                return False  # an unparsable date is ignored, as the RFC says
            return mtime <= since.timestamp()
        return False

    def _send_plain(self, status: HTTPStatus, body: bytes, *, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class FixtureServer:
    """Serve a directory on 127.0.0.1 in a background thread (ThreadingHTTPServer, daemon threads).

    ``start()`` binds (port 0 = any free port) and returns the base URL, e.g. ``http://127.0.0.1:54321``
    (no trailing slash); ``stop()`` shuts the server down and may be called more than once. Use it as a
    context manager to do both. ``requests`` counts GET requests by URL path (query string dropped),
    whatever their status (200, 304 or 404), so tests can assert how often a crawler fetched a page.

    Raises ValueError at construction if ``host`` is not a loopback address.
    """

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self._family = _loopback_family(host)
        self.root = Path(root).resolve()
        self.host = host
        self.port = port
        self.base_url = ""
        self.requests: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._httpd: _FixtureHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Bind, start serving in a daemon thread and return the base URL. Idempotent."""
        if self._httpd is not None:
            return self.base_url
        httpd = _FixtureHTTPServer((self.host, self.port), self, self._family)
        port = httpd.server_address[1]
        shown_host = f"[{self.host}]" if self._family == socket.AF_INET6 else self.host
        self.base_url = f"http://{shown_host}:{port}"
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="fixture-server", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and release the socket. Safe to call when not started or already stopped."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (used by the command line)."""
        if self._httpd is None:
            self.start()
        if self._thread is not None:
            self._thread.join()

    def resolve(self, url_path: str) -> Path | None:
        """Map a URL path to a file under ``root``; None if missing or outside ``root``.

        Percent-escapes are decoded first, so ``/%2e%2e/`` is caught like ``/../``; a directory maps to
        its ``index.html``.
        """
        relative = unquote(url_path).lstrip("/")
        if "\x00" in relative:
            return None
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def render(self, raw: bytes) -> bytes:
        """Replace the ``{{BASE}}`` placeholder with the base URL in a text file's bytes."""
        return raw.replace(BASE_PLACEHOLDER.encode("ascii"), self.base_url.encode("ascii"))

    def _count(self, url_path: str) -> None:
        with self._lock:
            self.requests[url_path] += 1

    def __enter__(self) -> FixtureServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """Command line: serve ROOT, print the base URL as the first line of stdout, serve until killed."""
    parser = argparse.ArgumentParser(prog="python -m crawler.app.demo.server", description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="directory to serve")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default: 127.0.0.1)")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        parser.error(f"not a directory: {args.root}")
    try:
        server = FixtureServer(args.root, host=args.host, port=args.port)
    except ValueError as exc:
        parser.error(str(exc))
    print(server.start(), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
