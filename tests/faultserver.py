"""A loopback HTTP server that misbehaves on purpose: the real web's failures, on 127.0.0.1.

``FaultServer(root)`` serves the static files under ``root`` (``{{BASE}}`` rewritten to the server's base
URL) and these fault endpoints, each named after what it does to a crawler:

=================================  ===============================================================
``/fault/status/<code>``           always answers ``<code>`` (500, 404, ...) with a small HTML body
``/fault/retry-after/<code>``      ``<code>`` (503, 429) with ``Retry-After: 1``
``/fault/flaky/<code>/<path>``     ``<code>`` on the first request for ``<path>``, then the file
``/fault/slow``                    sleeps ``slow_seconds`` before answering (a client timeout)
``/fault/reset``                   reads the request, then resets the TCP connection (RST)
``/fault/flaky-reset/<path>``      a reset on the first request, then the file
``/fault/truncated``               ``Content-Length`` larger than the body, then the connection closes
``/fault/loop/<n>``                302 to ``/fault/loop/<n+1 mod 2>``: a redirect loop
``/fault/refresh-loop/<n>``        a ``<meta http-equiv=refresh>`` to ``/fault/refresh-loop/<n+1 mod 2>``
``/fault/redirect-offsite``         302 to the same server under another host name (``localhost``)
``/fault/redirect-file``, ``-data`` 302 to a ``file://`` / ``data:`` URL
``/fault/charset/<mode>/<path>``   the file re-encoded as cp1252; ``mode`` ``wrong`` declares utf-8 in
                                   the header, ``missing`` declares no charset anywhere
``/fault/huge/<mode>``             50 MB of HTML; ``mode`` ``length`` sends Content-Length, ``stream``
                                   sends none (close-delimited), so only the byte count can stop it
``/fault/bomb.xml.gz``             a sitemap gzip bomb: ~100 KB that inflates to ``bomb_mb`` MB
``/fault/bomb-encoding.xml``       the same bomb as ``Content-Encoding: gzip``
``/fault/empty.html``              200 with an empty body
``/fault/binary.html``             200 with random bytes as ``application/octet-stream``
=================================  ===============================================================

Every request is recorded in ``requests`` (path) and ``hosts`` (Host header) so tests can assert what the crawler asked for.
Standard library only; binds loopback only.
"""

from __future__ import annotations

import gzip
import os
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

BASE_PLACEHOLDER = "{{BASE}}"
HUGE_BYTES = 50 * 1024 * 1024


def gzip_bomb(megabytes: int, prefix: bytes = b"") -> bytes:
    """``prefix`` followed by ``megabytes`` MB of spaces, gzip-compressed (about 1 KB per MB)."""
    out = gzip.compress(prefix + b" " * (megabytes * 1024 * 1024), compresslevel=9)
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: FaultServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    # -- helpers --------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _static(self, path: str) -> bytes | None:
        owner = self.server.owner
        target = (owner.root / unquote(path).lstrip("/")).resolve()
        if owner.root not in target.parents or not target.is_file():
            return None
        data = target.read_bytes()
        if target.suffix in (".html", ".xml", ".txt"):
            data = data.replace(BASE_PLACEHOLDER.encode(), owner.base_url.encode())
        return data

    def _first_time(self, key: str) -> bool:
        owner = self.server.owner
        with owner.lock:
            owner.hits[key] += 1
            return owner.hits[key] == 1

    # -- routing --------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        owner = self.server.owner
        path = urlsplit(self.path).path
        with owner.lock:
            owner.requests.append(path)
            owner.hosts.append(self.headers.get("Host", ""))
        try:
            self._route(path)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    do_HEAD = do_GET

    def _route(self, path: str) -> None:
        owner = self.server.owner
        parts = path.strip("/").split("/")
        if parts[0] != "fault":
            data = self._static(path)
            if data is None:
                self._send(404, b"<html><body>not found</body></html>")
                return
            ctype = {".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
                     ".gz": "application/x-gzip"}.get(Path(path).suffix, "text/html; charset=utf-8")
            self._send(200, data, ctype)
            return
        kind = parts[1] if len(parts) > 1 else ""
        rest = "/" + "/".join(parts[3:]) if len(parts) > 3 else ""
        if kind == "status":
            self._send(int(parts[2]), b"<html><body><h1>Server error</h1></body></html>")
        elif kind == "retry-after":
            self._send(int(parts[2]), b"<html><body>busy</body></html>", headers={"Retry-After": "1"})
        elif kind == "flaky":
            if self._first_time(path):
                self._send(int(parts[2]), b"<html><body>try again</body></html>", headers={"Retry-After": "1"})
            else:
                self._send(200, self._static(rest) or b"")
        elif kind == "slow":
            time.sleep(owner.slow_seconds)
            self._send(200, b"<html><body><p>late</p></body></html>")
        elif kind == "reset":
            self._reset()
        elif kind == "flaky-reset":
            rest = "/" + "/".join(parts[2:])
            if self._first_time(path):
                self._reset()
            else:
                self._send(200, self._static(rest) or b"")
        elif kind == "truncated":
            body = b"<html><body><article><h1>Cut short</h1><p>" + b"x" * 1000
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif kind == "loop":
            nxt = (int(parts[2]) + 1) % 2
            self._send(302, b"", headers={"Location": f"{owner.base_url}/fault/loop/{nxt}"})
        elif kind == "refresh-loop":
            nxt = (int(parts[2]) + 1) % 2
            self._send(200, f"<html><head><meta http-equiv='refresh' content='0; url={owner.base_url}"
                            f"/fault/refresh-loop/{nxt}'></head><body>moved</body></html>".encode())
        elif kind == "redirect-offsite":
            port = self.server.server_address[1]
            self._send(302, b"", headers={"Location": f"http://localhost:{port}/offsite-target.html"})
        elif kind == "redirect-file":
            self._send(302, b"", headers={"Location": "file:///etc/passwd"})
        elif kind == "redirect-data":
            self._send(302, b"", headers={"Location": "data:text/html,<p>injected</p>"})
        elif kind == "charset":
            mode, rest = parts[2], "/" + "/".join(parts[3:])
            text = (self._static(rest) or b"").decode("utf-8")
            text = text.replace("<meta charset='utf-8'>", "").replace('<meta charset="utf-8">', "")
            text = text.replace("officials said", "officials said \u2014 \u201cno comment\u201d, caf\u00e9 r\u00e9sum\u00e9")
            data = text.encode("cp1252", errors="replace")
            self._send(200, data, "text/html; charset=utf-8" if mode == "wrong" else "text/html")
        elif kind == "huge":
            self._huge(parts[2])
        elif kind == "bomb.xml.gz":
            self._send(200, owner.bomb(), "application/x-gzip")
        elif kind == "bomb-encoding.xml":
            self._send(200, owner.bomb(), "application/xml", headers={"Content-Encoding": "gzip"})
        elif kind == "empty.html":
            self._send(200, b"")
        elif kind == "binary.html":
            self._send(200, os.urandom(4096), "application/octet-stream")
        else:
            self._send(404, b"<html><body>no such fault</body></html>")

    def _huge(self, mode: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if mode == "length":
            self.send_header("Content-Length", str(HUGE_BYTES))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"<p>" + b"filler text " * 87_000 + b"</p>\n"  # ~1 MB
        sent = 0
        self.wfile.write(b"<html><body><article><h1>Huge</h1>")
        while sent < HUGE_BYTES:
            self.wfile.write(chunk)
            sent += len(chunk)
        self.close_connection = True


class FaultServer:
    """Serve ``root`` plus the fault endpoints on 127.0.0.1 in a background thread (a context manager)."""

    def __init__(self, root: Path, *, slow_seconds: float = 5.0, bomb_mb: int = 200) -> None:
        self.root = root.resolve()
        self.slow_seconds = slow_seconds
        self.bomb_mb = bomb_mb
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.requests: list[str] = []
        self.hosts: list[str] = []  # the Host header of each request, in order
        self._bomb: bytes | None = None
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def bomb(self) -> bytes:
        with self.lock:
            if self._bomb is None:
                prefix = (b"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                          b"<url><loc>" + self.base_url.encode() + b"/bomb-listed.html</loc></url>")
                self._bomb = gzip_bomb(self.bomb_mb, prefix)
            return self._bomb

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
