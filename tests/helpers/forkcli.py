"""Run the ``newsarchive`` CLI as a real, separate process forked from one that has already imported it.

A fresh interpreter spends ~1.5-2 s of CPU importing Scrapy, Twisted, SQLAlchemy, trafilatura, dateparser
and the rules before a crawl does its first request, and the crawl tests start a few hundred of them. Here a
*zygote* process (one per test worker, started on first use) imports all that once; each run is a process
forked from it, with its own pid, arguments, environment, working directory and standard streams (the
caller's own pipe ends, passed over a Unix socket), that runs ``crawler.app.cli.main.main`` exactly as the
console script does and exits as the interpreter would, with that status: non-daemon threads joined, atexit
handlers run, streams flushed; only the final teardown of every module and object is skipped (``_finish_run``). Signals (SIGINT, SIGTERM, SIGKILL) reach it by its pid as they would reach a
``subprocess.Popen`` child. What it does not exercise is the interpreter's start and the imports themselves:
nor that last teardown: tests of start-up (``--help``, the console script, ``python -m``) keep using
``subprocess``.

``run`` and ``Popen`` take the CLI's arguments (what follows ``newsarchive``), not an interpreter command line.

Protocol: per run the caller connects a SOCK_SEQPACKET socket, sends ``{"args", "env", "cwd", "new_session"}``
with three file descriptors (stdin, stdout, stderr); a *waiter* forked from the zygote forks the run, answers
``{"pid"}``, waits for it and answers ``{"returncode", "cpu"}`` (negative: the signal that ended it, as
Popen; cpu: the run's user + system seconds).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

# What a crawl imports before its first request; the zygote imports it once. Nothing here may install the
# Twisted reactor (the run installs the asyncio one) or start a thread (a fork keeps only the forking thread).
PRELOAD = (
    "crawler.app.cli.main",
    "crawler.app.run",
    "crawler.shell.settings",
    "crawler.shell.spiders.archive",
    "crawler.shell.pipelines",
    "crawler.shell.middlewares",
    "crawler.shell.extract_pool",
    "crawler.shell.reprocess",
    "scrapy.crawler",
    "scrapy.core.engine",
    "scrapy.core.downloader.handlers.http11",
    "storage.schema",
    "storage.db",
    "trafilatura",
    "htmldate",
    "dateparser",
)
_MAX_MESSAGE = 1 << 20
CPU_LOG_ENV = "NEWSARCHIVE_FORKCLI_CPU_LOG"  # a file: each finished run appends "<test id>\t<cpu seconds>"


# -- the zygote's side ------------------------------------------------------------------------------------

def _serve(path: str) -> dict[str, Any]:
    """Accept runs until the caller goes away; returns only in a forked run, with its request."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    _warm()
    if "twisted.internet.reactor" in sys.modules:
        raise RuntimeError("forkcli: preloading installed the Twisted reactor; a run could not install its own")
    if threading.active_count() != 1:
        raise RuntimeError(f"forkcli: preloading started threads: {threading.enumerate()}")
    # '' on sys.path means "the working directory", which a run changes: pin it to the zygote's.
    sys.path[:] = [os.getcwd() if p == "" else p for p in sys.path]
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # waiters are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(64)
    gc.freeze()  # the warmed heap is shared with every run: no collection of it writes (copies) its pages
    print("ready", flush=True)
    caller = os.getppid()
    listener.settimeout(1.0)
    while True:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            if os.getppid() != caller:  # the test worker died without saying goodbye: do not outlive it
                return {}
            continue
        conn.settimeout(None)
        message, fds, _, _ = socket.recv_fds(conn, _MAX_MESSAGE, 3)
        if not message:  # the caller's shutdown
            return {}
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() == 0:  # the waiter
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the run (and its own children) need real waits
            pid = os.fork()
            if pid == 0:
                conn.close()
                request: dict[str, Any] = json.loads(message)
                for target, fd in enumerate(fds):
                    os.dup2(fd, target)
                    os.close(fd)
                return request
            for fd in fds:
                os.close(fd)
            conn.send(json.dumps({"pid": pid}).encode())
            _, status, usage = os.wait4(pid, 0)
            conn.send(json.dumps({"returncode": os.waitstatus_to_exitcode(status),
                                  "cpu": usage.ru_utime + usage.ru_stime}).encode())
            os._exit(0)
        conn.close()
        for fd in fds:
            os.close(fd)


def _warm() -> None:
    """Fill what every run fills on its first page: the registry's patterns and the lazily built lexicons
    (compiled regexes stay in ``re``'s cache and in the modules' own caches, which forks share). Those caches
    depend only on the shipped data and ``$NEWSARCHIVE_REFERENCE_DIR``, which a run may not change
    (``_run_request`` refuses one that does)."""
    from crawler.app.demo import DEMO_SITE
    from crawler.core.context import load_registries
    from crawler.core.process import process_page

    registries = load_registries()
    for form in registries.dialogues._forms:
        form.pattern  # noqa: B018 (compiles it)
    for page in sorted(DEMO_SITE.rglob("*.html"))[:8]:
        url = f"http://127.0.0.1/{page.relative_to(DEMO_SITE)}"
        process_page(page.read_bytes(), url, registries.context_for(url))


def _run_request(request: dict[str, Any]) -> int | str | None:
    """In the forked run: become the requested process, then run the CLI as the console script does."""
    from crawler.core.reference.loader import reference_dirs_from_env

    if reference_dirs_from_env(request["env"]) != reference_dirs_from_env():
        raise SystemExit("forkcli: this run names other reference directories than the zygote's warmed "
                         "caches hold; start it with subprocess")
    if request["new_session"]:
        os.setsid()
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.argv = ["newsarchive", *request["args"]]
    from crawler.app.cli.main import main

    return main(request["args"])


# -- the caller's side ------------------------------------------------------------------------------------

class _Zygote:
    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="newsarchive-forkcli-")
        self.path = os.path.join(self._dir, "zygote.sock")
        self._log = open(os.path.join(self._dir, "zygote.log"), "w+b")  # noqa: SIM115 (lives with the zygote)
        # "-c" from the caller's directory, as the tests ran the CLI before: sys.path starts with that directory
        # (the checkout, whose `crawler` and `tests` a run imports, even beside an installed copy).
        self._proc = subprocess.Popen([sys.executable, "-c", "from tests.helpers.forkcli import zygote; zygote()",
                                       self.path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=self._log, cwd=os.getcwd())
        assert self._proc.stdout is not None
        if self._proc.stdout.readline().strip() != b"ready":
            self._proc.wait()
            self._log.seek(0)
            raise RuntimeError(f"forkcli: the zygote did not start:\n{self._log.read().decode(errors='replace')}")
        self._owner = os.getpid()
        atexit.register(self.close)

    def alive(self) -> bool:
        if os.getpid() != self._owner:  # a process forked from the owner (a pool worker) shares its zygote
            try:
                os.kill(self._proc.pid, 0)
            except ProcessLookupError:
                return False
            return True
        return self._proc.poll() is None

    def close(self) -> None:
        if os.getpid() == self._owner and self._proc.poll() is None:
            with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as sock:
                sock.connect(self.path)
                sock.send(b"")
            self._proc.wait(timeout=30)


_zygote: _Zygote | None = None


def _get_zygote() -> _Zygote:
    global _zygote
    if _zygote is None or not _zygote.alive():
        _zygote = _Zygote()
    return _zygote


def start() -> None:
    """Start this process's zygote now (it starts on first use otherwise), so that processes forked from this
    one afterwards (a ProcessPoolExecutor's workers) run their CLI runs from it instead of each starting one."""
    _get_zygote()


_Stream = int | IO[Any] | None


class Popen:
    """The part of ``subprocess.Popen`` the tests use, for one CLI run in a forked process."""

    def __init__(self, args: Sequence[str], *, stdin: _Stream = None, stdout: _Stream = None,
                 stderr: _Stream = None, text: bool = False, env: Mapping[str, str] | None = None,
                 cwd: str | Path | None = None, start_new_session: bool = False) -> None:
        self.args = list(args)
        self.returncode: int | None = None
        self.cpu_seconds: float | None = None
        self.stdin: IO[Any] | None = None
        self.stdout: IO[Any] | None = None
        self.stderr: IO[Any] | None = None
        ours: list[IO[Any] | None] = []
        theirs: list[int] = []
        to_close: list[int] = []
        for target, spec in enumerate((stdin, stdout, stderr)):
            if spec == subprocess.PIPE:
                read, write = os.pipe()
                child, mine = (read, write) if target == 0 else (write, read)
                mode = ("w" if target == 0 else "r") + ("" if text else "b")
                ours.append(open(mine, mode, encoding="utf-8" if text else None))  # noqa: SIM115
                theirs.append(child)
                to_close.append(child)
            elif spec == subprocess.STDOUT:
                assert target == 2, "STDOUT is only for stderr"
                theirs.append(theirs[1])
                ours.append(None)
            elif spec == subprocess.DEVNULL:
                fd = os.open(os.devnull, os.O_RDWR)
                theirs.append(fd)
                to_close.append(fd)
                ours.append(None)
            elif spec is None:
                theirs.append(target)
                ours.append(None)
            elif isinstance(spec, int):
                theirs.append(spec)
                ours.append(None)
            else:
                theirs.append(spec.fileno())
                ours.append(None)
        self.stdin, self.stdout, self.stderr = ours
        request = {"args": self.args, "env": dict(os.environ if env is None else env),
                   "cwd": str(cwd if cwd is not None else os.getcwd()), "new_session": start_new_session}
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._sock.connect(_get_zygote().path)
            socket.send_fds(self._sock, [json.dumps(request).encode()], theirs)
            self.pid: int = json.loads(self._sock.recv(_MAX_MESSAGE))["pid"]
        finally:
            for fd in to_close:
                os.close(fd)

    def _finish(self, answer: bytes) -> int:
        if not answer:
            raise RuntimeError("forkcli: the waiter went away without the run's status")
        status = json.loads(answer)
        self.returncode = int(status["returncode"])
        self.cpu_seconds = float(status["cpu"])  # user + system of the run and the children it waited for
        if os.environ.get(CPU_LOG_ENV):  # where a suite's CPU goes: forked runs are not the worker's children
            with open(os.environ[CPU_LOG_ENV], "a", encoding="utf-8") as log:
                log.write(f"{os.environ.get('PYTEST_CURRENT_TEST', '')}\t{self.cpu_seconds:.2f}\n")
        self._sock.close()
        return self.returncode

    def poll(self) -> int | None:
        if self.returncode is None:
            self._sock.setblocking(False)
            try:
                answer = self._sock.recv(_MAX_MESSAGE)
            except BlockingIOError:  # still running
                self._sock.setblocking(True)
                return None
            self._finish(answer)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._sock.settimeout(timeout)
            try:
                return self._finish(self._sock.recv(_MAX_MESSAGE))
            except TimeoutError:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0) from None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def communicate(self, input: str | bytes | None = None,
                    timeout: float | None = None) -> tuple[Any, Any]:
        """Write ``input``, read stdout and stderr to their ends, wait; like ``subprocess.Popen.communicate``."""
        results: dict[str, Any] = {}
        threads = [threading.Thread(target=_write_and_close, args=(self.stdin, input), daemon=True)
                   ] if self.stdin is not None else []
        for name, stream in (("stdout", self.stdout), ("stderr", self.stderr)):
            if stream is not None:
                threads.append(threading.Thread(target=_read_and_close, args=(stream, results, name), daemon=True))
        for thread in threads:
            thread.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
        self.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return results.get("stdout"), results.get("stderr")

    def __enter__(self) -> Popen:
        return self

    def __exit__(self, *exc: object) -> None:
        for stream in (self.stdin, self.stdout, self.stderr):
            if stream is not None and not stream.closed:
                stream.close()
        self.wait()


def _read_and_close(stream: IO[Any], results: dict[str, Any], name: str) -> None:
    with stream:
        results[name] = stream.read()


def _write_and_close(stream: IO[Any], data: str | bytes | None) -> None:
    try:
        if data:
            stream.write(data)
    except BrokenPipeError:  # the run exited without reading all its input, as subprocess tolerates
        return
    finally:
        with contextlib.suppress(BrokenPipeError):
            stream.close()


def run(args: Sequence[str], *, input: str | bytes | None = None,
        capture_output: bool = False, text: bool = False, timeout: float | None = None, check: bool = False,
        env: Mapping[str, str] | None = None, cwd: str | Path | None = None, stdout: _Stream = None,
        stderr: _Stream = None) -> subprocess.CompletedProcess[Any]:
    """One CLI run to its end; like ``subprocess.run`` (on timeout the run is killed, then TimeoutExpired)."""
    if capture_output:
        stdout = stderr = subprocess.PIPE
    with Popen(args, stdin=subprocess.PIPE if input is not None else None, stdout=stdout, stderr=stderr,
               text=text, env=env, cwd=cwd) as proc:
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
    done = subprocess.CompletedProcess(proc.args, proc.wait(), out, err)
    if check:
        done.check_returncode()
    return done


def _finish_run(request: dict[str, Any]) -> None:
    """Run the request and leave as the interpreter would, up to its last step: non-daemon threads joined,
    atexit handlers run, standard streams flushed; then ``os._exit``. Skipped is only the teardown of every
    module and object, which in a fork of the warmed heap writes (and so copies) most of its pages: ~0.7 s of
    CPU per run, more than the work of a short command."""
    try:
        code = _run_request(request)
    except SystemExit as leaving:
        code = leaving.code
    except KeyboardInterrupt:  # the interpreter ends such a process by SIGINT, so its parent sees the signal
        traceback.print_exc()
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        raise
    except BaseException:  # what the interpreter does with any other uncaught exception at top level
        traceback.print_exc()
        code = 1
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    threading._shutdown()  # type: ignore[attr-defined]  # what Py_FinalizeEx calls first
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status & 0xFF)


def zygote() -> None:
    """The zygote's entry point (``python -c``, socket path as the first argument)."""
    request = _serve(sys.argv[1])
    if not request:
        sys.exit(0)
    _finish_run(request)
