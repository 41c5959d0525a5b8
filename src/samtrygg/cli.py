"""The `samtrygg` command: serve, worker, demo, createadmin, and every Django management command.

samtrygg serve [--host H] [--port P] [--workers N]   web server (gunicorn) + task worker
samtrygg worker                                      the background task worker only
samtrygg scheduler | run-scheduled                   scheduled jobs: every minute | once
samtrygg demo [--seed S] [--no-serve]                build the demo, then serve it
samtrygg createadmin --email E --municipality SLUG   first administrator of a municipality
samtrygg import-areas FILE --municipality SLUG --kind KIND
samtrygg migrate | check | shell | ...               any Django management command
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys


def _django_command(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    if len(argv) > 1:
        argv = [argv[0], argv[1].replace("-", "_"), *argv[2:]]
    execute_from_command_line(argv)


def _prepare() -> None:
    """Bring the database schema and the collected static files up to date."""
    _django_command(["samtrygg", "migrate", "--no-input", "--verbosity", "0"])
    _django_command(["samtrygg", "collectstatic", "--no-input", "--verbosity", "0"])


def _serve(host: str, port: int, workers: int) -> int:
    """Gunicorn in the foreground and the task worker beside it; both stop together."""
    env = dict(os.environ)
    gunicorn = shutil.which("gunicorn") or os.path.join(os.path.dirname(sys.executable), "gunicorn")
    worker = subprocess.Popen([sys.executable, "-m", "samtrygg.cli", "worker"], env=env)  # noqa: S603
    scheduler = subprocess.Popen([sys.executable, "-m", "samtrygg.cli", "scheduler"], env=env)  # noqa: S603
    web = subprocess.Popen(  # noqa: S603
        [
            gunicorn,
            "samtrygg.wsgi",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            os.environ.get("SAMTRYGG_TRUSTED_PROXIES", "").replace(" ", "") or "127.0.0.1",
        ],
        env=env,
    )

    def stop(signum: int, frame: object) -> None:
        for process in (web, worker, scheduler):
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"Samtrygg: http://{host}:{port}  (Ctrl+C stops)", flush=True)
    code = web.wait()
    stop(signal.SIGTERM, None)
    worker.wait(timeout=30)
    scheduler.wait(timeout=30)
    return code


def _serve_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="samtrygg serve")
    parser.add_argument("--host", default=os.environ.get("SAMTRYGG_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SAMTRYGG_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=2)
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
        _prepare()
        return _serve(options.host, options.port, options.workers)
    if command == "worker":
        _django_command([argv[0], "db_worker", *argv[2:]])
        return 0
    if command == "demo":
        serve = "--no-serve" not in argv
        rest = [a for a in argv[2:] if a != "--no-serve"]
        _django_command([argv[0], "migrate", "--no-input", "--verbosity", "0"])
        _django_command([argv[0], "build_demo", *rest])
        if serve:
            _django_command([argv[0], "collectstatic", "--no-input", "--verbosity", "0"])
            options = _serve_args([])
            return _serve(options.host, options.port, 1)
        return 0
    _django_command(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
