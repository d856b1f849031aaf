"""Generate and serve a benchmark news site (the generator is tests/helpers/sitegen.py, shared with the tests).

    python -m benchmarks.sitegen generate DIR --pages 10000 [--seed 1]
    python -m benchmarks.sitegen serve DIR            # prints the base URL, serves until killed

The server loads every file into memory and answers from an aiohttp handler in its own process, so a
benchmark measures the crawler, not the server.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: the repository root holds tests.helpers
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.sitegen import (  # re-exported for the benchmarks
    BASE_PLACEHOLDER,
    URLS_PER_SITEMAP,
    Page,
    generate,
    write_sitemaps,
)

__all__ = ["BASE_PLACEHOLDER", "URLS_PER_SITEMAP", "Page", "generate", "main", "write_sitemaps"]


async def _serve(root: Path, port: int) -> None:
    from aiohttp import web

    files: dict[str, tuple[bytes, str]] = {}
    base = f"http://127.0.0.1:{port}"
    runner_app = web.Application()

    async def handle(request: web.Request) -> web.Response:
        hit = files.get(request.path)
        if hit is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=hit[0], content_type=hit[1], charset="utf-8")

    runner_app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(runner_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=512)
    await site.start()
    server: Any = site._server
    actual = server.sockets[0].getsockname()[1] if server is not None else port
    base = f"http://127.0.0.1:{actual}"
    for p in root.rglob("*"):
        if p.is_file():
            rel = "/" + p.relative_to(root).as_posix()
            data = p.read_bytes()
            ctype = {".xml": "application/xml", ".txt": "text/plain"}.get(p.suffix, "text/html")
            if p.suffix in (".xml", ".html"):
                data = data.replace(BASE_PLACEHOLDER.encode(), base.encode())
            files[rel] = (data, ctype)
    print(base, flush=True)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("root", type=Path)
    g.add_argument("--pages", type=int, default=10_000)
    g.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("serve")
    s.add_argument("root", type=Path)
    s.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    if args.cmd == "generate":
        pages = generate(args.root, args.pages, seed=args.seed)
        size = sum(len(p.html) for p in pages)
        print(f"{len(pages)} pages, {size / len(pages) / 1024:.1f} KB mean, "
              f"{sum(p.dialogue for p in pages)} dialogue, {sum(p.copy_of is not None for p in pages)} copies")
        return 0
    asyncio.run(_serve(args.root, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
