"""The `samtrygg` command: serve, worker, demo, createadmin, and every Django management command.

samtrygg serve [--host H] [--port P] [--workers N]   web server (gunicorn), task worker and
                                                     scheduler, supervised (see operations.md)
samtrygg worker                                      the background task worker only
samtrygg scheduler | run-scheduled                   scheduled jobs: every minute | once
samtrygg demo [--seed S] [--no-serve]                build the demo, then serve it
samtrygg createadmin --email E --municipality SLUG   first administrator of a municipality
samtrygg import-areas FILE --municipality SLUG --kind KIND
samtrygg import-boundaries FILE --municipality SLUG --kind deso|regso   SCB's boundaries
samtrygg import-bra FILE | import-population FILE    Brå's reported crime, SCB's population
samtrygg import-municipality-groups FILE            SKR's kommungrupper (compare like with like)
samtrygg import-surveys KOMMUN FILE | import-fires FILE   surveys, MSB's deliberately set fires
samtrygg word-template --municipality SLUG -o FILE  the default Word template in its colour
samtrygg import-addresses FILE --municipality SLUG  address points: Lantmäteriet .gpkg or OSM .osm
samtrygg migrate | check | shell | ...               any Django management command
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _django_command(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    if len(argv) > 1:
        argv = [argv[0], argv[1].replace("-", "_"), *argv[2:]]
    execute_from_command_line(argv)


def _static_fingerprint() -> str:
    """What collectstatic would collect: every source file's name, size and time, and the
    storage that post-processes them."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    entries = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):  # collectstatic's default ignores
            stat = os.stat(storage.path(path))
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    digest = hashlib.sha256(repr(settings.STORAGES["staticfiles"]).encode())
    digest.update("\n".join(sorted(entries)).encode())
    return digest.hexdigest()


def _collect_static() -> None:
    """collectstatic, only when a static file changed since the last time. Collecting hashes and
    compresses (gzip and Brotli) every file again, 40 s to two minutes on a small server; most
    starts have nothing new to collect."""
    from django.conf import settings

    root = Path(settings.STATIC_ROOT)
    stamp = root.with_name(root.name + ".collected")  # beside, not in, what WhiteNoise serves
    fingerprint = _static_fingerprint()
    manifest_ok = (root / "staticfiles.json").exists() or "Manifest" not in str(
        settings.STORAGES["staticfiles"]["BACKEND"]
    )
    if root.is_dir() and manifest_ok and stamp.exists() and stamp.read_text() == fingerprint:
        return
    _django_command(["samtrygg", "collectstatic", "--no-input", "--verbosity", "0"])
    stamp.write_text(fingerprint)


def _prepare() -> None:
    """Bring the database schema and the collected static files up to date (quick when they are:
    a restart must not wait for work already done)."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)  # no system checks: `check` does them
    _collect_static()


# Supervision: `serve` restarts a task worker or scheduler that ends, after 1 s, then 2, 4 … up
# to 30 s while it keeps failing (back to 1 s once it has run for a minute).
RESTART_FIRST, RESTART_MAX, RESTART_RESET = 1.0, 30.0, 60.0


@dataclass
class _Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    delay: float = RESTART_FIRST
    due: float = 0.0  # when to start it again


def _death_signal() -> Callable[[], None] | None:
    """For a child, before exec: ask Linux for SIGTERM when `serve` dies, even by kill -9."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not in the child
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _start(child: _Child, env: dict[str, str], preexec: Callable[[], None] | None) -> None:
    # A process group of its own: Ctrl+C in a terminal reaches `serve` only, which then stops
    # each child once (a second signal would make the task worker abandon its task).
    child.process = subprocess.Popen(  # noqa: S603
        child.argv, env=env, process_group=0, preexec_fn=preexec
    )
    child.started_at = time.monotonic()


def _stop(children: list[_Child], grace: float) -> None:
    """SIGTERM to all; SIGKILL to whoever still runs after the grace time."""
    running = [c.process for c in children if c.process is not None and c.process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + grace
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wsgi_application() -> Any:
    """samtrygg.wsgi's application with its URLs and views imported. gunicorn (``--preload``)
    calls this once, in its master process, so that the web workers fork ready to answer instead
    of each importing everything on its first request."""
    from django.db import connections
    from django.urls import get_resolver

    from samtrygg.wsgi import application

    get_resolver().url_patterns  # noqa: B018 (imports every view)
    connections.close_all()  # no connection may be shared by the forked workers
    return application


def _gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    from django.conf import settings

    gunicorn = shutil.which("gunicorn") or os.path.join(os.path.dirname(sys.executable), "gunicorn")
    return [
        gunicorn,
        "samtrygg.cli:wsgi_application()",
        "--preload",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        # A request running longer is stopped and its worker restarted; on a stop, requests in
        # flight get the graceful time. (gunicorn always sends "Server: gunicorn", without a
        # version, and has no setting to drop it; the reverse proxy replaces it.)
        "--timeout",
        str(settings.WEB_TIMEOUT),
        "--graceful-timeout",
        str(settings.WEB_GRACEFUL_TIMEOUT),
        # `serve` is the supervisor; two servers on one machine would share the default
        # control socket ($HOME/.gunicorn/gunicorn.ctl).
        "--no-control-socket",
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        os.environ.get("SAMTRYGG_TRUSTED_PROXIES", "").replace(" ", "") or "127.0.0.1",
    ]


def _serve(host: str, port: int, workers: int) -> int:
    """Gunicorn, the task worker and the scheduler, supervised: a worker or scheduler that ends
    is started again; when gunicorn ends, or on SIGTERM or Ctrl+C, all stop together."""
    from django.conf import settings

    env = dict(os.environ)
    samtrygg = [sys.executable, "-m", "samtrygg.cli"]
    web = _Child("web server", _gunicorn_argv(host, port, workers))
    background = [
        _Child("task worker", [*samtrygg, "worker"]),
        _Child("scheduler", [*samtrygg, "scheduler"]),
    ]
    stopping: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.append(signum))
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(signum))
    preexec = _death_signal()
    for child in (web, *background):
        _start(child, env, preexec)
    print(f"Samtrygg: http://{host}:{port}  (Ctrl+C stops)", flush=True)
    code = 0
    while not stopping:
        if web.process is not None and web.process.poll() is not None:
            code = web.process.returncode
            print(f"Samtrygg: the web server ended (exit code {code})", file=sys.stderr, flush=True)
            break
        now = time.monotonic()
        for child in background:
            if child.process is not None and child.process.poll() is not None:
                if now - child.started_at > RESTART_RESET:
                    child.delay = RESTART_FIRST
                print(
                    f"Samtrygg: the {child.name} ended (exit code {child.process.returncode});"
                    f" starting it again in {child.delay:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
                child.process, child.due = None, now + child.delay
                child.delay = min(child.delay * 2, RESTART_MAX)
            if child.process is None and now >= child.due:
                _start(child, env, preexec)
        time.sleep(0.2)
    _stop([web, *background], grace=settings.WEB_GRACEFUL_TIMEOUT + 5)
    return code


def _serve_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="samtrygg serve")
    parser.add_argument("--host", default=os.environ.get("SAMTRYGG_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SAMTRYGG_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--no-prepare",
        action="store_true",
        help="do not migrate and collect static files first (a deployment did)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    command = argv[1] if len(argv) > 1 else "help"
    if command == "demo":
        # Demo mode: plain HTTP on 127.0.0.1, MFA offered but not forced.
        os.environ.setdefault("SAMTRYGG_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samtrygg.settings")

    if command == "analyse":
        # The analysis command line needs no database and no Django.
        from samtrygg.analysis.cli import main as analyse

        return analyse(argv[2:])
    if command in {"help", "-h", "--help"}:
        print(__doc__)
        _django_command([argv[0], "help"])
        return 0
    if command == "serve":
        options = _serve_args(argv[2:])
        if not options.no_prepare:
            _prepare()
        return _serve(options.host, options.port, options.workers)
    if command == "worker":
        _django_command([argv[0], "worker", *argv[2:]])
        return 0
    if command == "demo":
        serve = "--no-serve" not in argv
        rest = [a for a in argv[2:] if a != "--no-serve"]
        _django_command([argv[0], "migrate", "--no-input", "--verbosity", "0"])
        _django_command([argv[0], "build_demo", *rest])
        if serve:
            _collect_static()
            options = _serve_args([])
            return _serve(options.host, options.port, 1)
        return 0
    _django_command(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
