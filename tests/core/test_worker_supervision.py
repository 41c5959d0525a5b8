"""Background work that stays up: `samtrygg serve` starts a task worker again when it dies and
the task it was running is run again, once; the worker outlives a locked database; a mail
server that hangs fails its task instead of holding the worker; e-mail from a task run twice is
sent once; /healthz reports the heartbeats and answers 503 when one is stale.

The tests marked "real" start `samtrygg serve` or `samtrygg worker` as processes on a temporary
SQLite database (127.0.0.1 only) and run the tasks defined here."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.core.mail import send_mail
from django.tasks import task

REPO = Path(__file__).resolve().parents[2]


# Tasks run by the worker processes (they import this module by its dotted path).


@task()
def slow_append(path: str, seconds: float) -> None:
    """Note the start (with the process id), wait, then note the end."""
    with open(path + ".started", "a") as started:
        started.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    with open(path + ".done", "a") as done:
        done.write(f"{os.getpid()}\n")


@task()
def mail_one(to: str) -> None:
    send_mail("Hej", "Ett prov.", None, [to])


# Helpers for the processes.


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _wait_for(what: str, check: Callable[[], Any], seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database with every migration applied, made once and copied for each test."""
    folder = tmp_path_factory.mktemp("migrated")
    subprocess.run(
        [sys.executable, "-m", "samtrygg.cli", "migrate", "--no-input", "-v", "0"],
        env=_environment(folder),
        check=True,
        timeout=120,
    )
    return folder / "samtrygg.sqlite3"


def _environment(data_dir: Path, **extra: str) -> dict[str, str]:
    # A server of its own on SQLite in data_dir, also when the suite runs on PostgreSQL.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SAMTRYGG_", "PYTEST")) and k != "DATABASE_URL"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "samtrygg.settings",
            "PYTHONPATH": str(REPO),  # the workers import the tasks above
            "SAMTRYGG_DATA_DIR": str(data_dir),
            "SAMTRYGG_SECRET_KEY": "s" * 60,
            "SAMTRYGG_SSL_REDIRECT": "0",  # plain HTTP on 127.0.0.1
            **extra,
        }
    )
    return env


class Site:
    """A data directory with its own database, and the processes started on it."""

    def __init__(self, folder: Path, database: Path) -> None:
        self.folder = folder
        self.database = database
        self.processes: list[subprocess.Popen[bytes]] = []
        self.extra: dict[str, str] = {}

    def env(self) -> dict[str, str]:
        return _environment(self.folder, **self.extra)

    def start(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        with open(self.folder / log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "samtrygg.cli", *args],
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group, so that cleanup can stop all of it
            )
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.folder / name).read_text(errors="replace")

    def enqueue(self, name: str, *args: Any) -> str:
        """Enqueue a task of this module into the site's database; returns its id."""
        code = (
            "import django; django.setup();"
            f"from tests.core.test_worker_supervision import {name};"
            f"print({name}.enqueue(*{args!r}).id)"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip().replace("-", "")

    def task(self, task_id: str) -> dict[str, Any]:
        from django_tasks_db.models import DBTaskResult

        with sqlite3.connect(self.database, timeout=30) as db:
            db.row_factory = sqlite3.Row
            row = db.execute(
                f"SELECT status, worker_ids, exception_class_path, started_at, finished_at "  # noqa: S608
                f"FROM {DBTaskResult._meta.db_table} WHERE replace(id, '-', '') = ?",
                [task_id],
            ).fetchone()
        return {**dict(row), "worker_ids": json.loads(row["worker_ids"])}


@pytest.fixture
def site(tmp_path: Path, migrated: Path) -> Iterator[Site]:
    shutil.copy(migrated, tmp_path / "samtrygg.sqlite3")
    made = Site(tmp_path, tmp_path / "samtrygg.sqlite3")
    yield made
    for process in made.processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _healthz(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _healthz_ok(port: int) -> dict[str, Any] | None:
    try:
        status, body = _healthz(port)
    except OSError:
        return None
    return body if status == 200 else None


# The real tests.


def test_serve_restarts_a_killed_worker_and_its_task_runs_again_once(site: Site) -> None:
    port = _free_port()
    serve = site.start("serve", "--no-prepare", "--port", str(port), "--workers", "1", log="serve")
    health = _wait_for("/healthz answers 200", lambda: _healthz_ok(port), 30)
    assert health["worker"]["heartbeat_age"] < 10 and health["scheduler"]["heartbeat_age"] < 10

    marker = site.folder / "slow"
    task_id = site.enqueue("slow_append", str(marker), 4)
    first = int(_wait_for("the task starts", lambda: _lines(Path(f"{marker}.started")), 20)[0])
    os.kill(first, signal.SIGKILL)  # the worker process runs the task itself

    _wait_for("the task finishes", lambda: _lines(Path(f"{marker}.done")), 30)
    time.sleep(1.5)  # nothing runs it a third time
    started, done = _lines(Path(f"{marker}.started")), _lines(Path(f"{marker}.done"))
    assert len(started) == 2 and len(done) == 1, (started, done, site.log("serve"))
    second = int(done[0])
    assert second != first and started[1] == done[0]
    result = site.task(task_id)
    assert result["status"] == "SUCCESSFUL" and len(result["worker_ids"]) == 2
    assert "task worker ended (exit code -9)" in site.log("serve")
    assert _healthz_ok(port) is not None

    serve.send_signal(signal.SIGTERM)  # everything stops together, each part gracefully
    assert serve.wait(timeout=15) == 0
    with pytest.raises(ProcessLookupError):
        os.kill(second, 0)
    log = site.log("serve")
    assert "Received Terminated - shutting down gracefully" in log  # the task worker
    assert "Handling signal: term" in log  # gunicorn


def test_worker_outlives_a_locked_database(site: Site) -> None:
    worker = site.start("worker", "--interval", "0.2", "--no-startup-delay", log="worker")
    _wait_for("the worker beats", lambda: "Starting worker" in site.log("worker"), 30)
    locker = sqlite3.connect(site.database, timeout=30, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # longer than SQLite's busy timeout (20 s)
    time.sleep(24)
    locker.execute("COMMIT")
    locker.close()
    assert "database is locked" in site.log("worker")

    marker = site.folder / "after-lock"
    site.enqueue("slow_append", str(marker), 0)
    _wait_for("a task after the lock runs", lambda: _lines(Path(f"{marker}.done")), 40)
    assert worker.poll() is None and _lines(Path(f"{marker}.done")) == [str(worker.pid)]


class HungMailServer:
    """Accepts connections on 127.0.0.1 and never says a word."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        for connection in self.accepted:
            connection.close()
        self.listener.close()


def test_a_hung_mail_server_fails_its_task_and_the_next_task_runs(site: Site) -> None:
    server = HungMailServer()
    try:
        site.extra = {
            "SAMTRYGG_EMAIL_HOST": "127.0.0.1",
            "SAMTRYGG_EMAIL_PORT": str(server.port),
            "SAMTRYGG_EMAIL_TIMEOUT": "2",
        }
        mail_task = site.enqueue("mail_one", "a@example.se")
        marker = site.folder / "next"
        site.enqueue("slow_append", str(marker), 0)
        site.start("worker", "--interval", "0.2", "--no-startup-delay", log="worker")
        _wait_for("the next task runs", lambda: _lines(Path(f"{marker}.done")), 40)
        assert server.accepted, "the worker never reached the mail server"
        result = site.task(mail_task)
        assert result["status"] == "FAILED", result
        assert (
            "Timeout" in result["exception_class_path"] or "SMTP" in result["exception_class_path"]
        )
    finally:
        server.close()


# /healthz, from the heartbeats (in the test database; the clock is pinned).


@pytest.fixture
def database_tasks(settings: Any) -> Iterator[None]:
    """As in production: tasks go through the database and a worker must beat. The clock stands
    still, so that the ages are exact."""
    import time_machine
    from django.utils import timezone

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.HEALTHZ_WORKER_MAX_AGE = 60
    settings.HEALTHZ_SCHEDULER_MAX_AGE = 300
    with time_machine.travel(timezone.now(), tick=False):
        yield


def _beat(kind: str, age: float, process: str = "", **fields: Any) -> Any:
    from django.utils import timezone

    from samtrygg.core.models import Heartbeat

    at = timezone.now() - timedelta(seconds=age)
    values = {"host": "elsewhere", "pid": 1, "started_at": at, "beat_at": at, **fields}
    return Heartbeat.objects.create(process=process or f"{kind}-{age}", kind=kind, **values)


def test_healthz_reports_heartbeats_and_the_queue(
    client: Any, db: Any, database_tasks: None
) -> None:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    _beat("worker", 5)
    _beat("worker", 50)  # an older worker: the freshest counts
    _beat("scheduler", 30)
    waiting = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path=f"{__name__}.slow_append",
        backend_name="default",
        run_after=get_date_max(),
    )
    DBTaskResult.objects.filter(pk=waiting.pk).update(
        enqueued_at=timezone.now() - timedelta(seconds=42)
    )
    answer = client.get("/healthz")
    body = answer.json()
    assert answer.status_code == 200, body
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["worker"] == {"heartbeat_age": 5.0, "max_age": 60}
    assert body["scheduler"] == {"heartbeat_age": 30.0, "max_age": 300}
    assert body["oldest_queued_task_age"] == 42.0


@pytest.mark.parametrize(
    ("worker_age", "scheduler_age", "failing"),
    [
        (60.5, 30, ["worker"]),
        (None, 30, ["worker"]),
        (5, 300.5, ["scheduler"]),
        (5, None, ["scheduler"]),
        (60.5, 300.5, ["worker", "scheduler"]),
    ],
)
def test_healthz_answers_503_when_a_heartbeat_is_stale_or_missing(
    client: Any,
    db: Any,
    database_tasks: None,
    worker_age: float | None,
    scheduler_age: float | None,
    failing: list[str],
) -> None:
    if worker_age is not None:
        _beat("worker", worker_age)
    if scheduler_age is not None:
        _beat("scheduler", scheduler_age)
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "fail" and answer.json()["failing"] == failing


def test_healthz_answers_503_when_the_database_fails(
    client: Any, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    from samtrygg.core import views

    def broken() -> Any:
        raise OperationalError("unable to open database file")

    monkeypatch.setattr(views, "connection", SimpleNamespace(cursor=broken))
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["database"] == "fail" and answer.json()["failing"] == ["database"]


def test_healthz_needs_no_worker_with_the_immediate_backend(client: Any, db: Any) -> None:
    answer = client.get("/healthz")  # the test settings: tasks run at once, no worker, no beat
    assert answer.status_code == 200
    assert answer.json()["worker"] == {"heartbeat_age": None, "max_age": None}


# Giving back the tasks of a worker that died.


def _running(worker_ids: list[str], started_ago: float = 0) -> Any:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path=f"{__name__}.slow_append",
        backend_name="default",
        run_after=get_date_max(),
        status="RUNNING",
        worker_ids=worker_ids,
        started_at=timezone.now() - timedelta(seconds=started_ago),
    )


def _dead_pid() -> int:
    gone = subprocess.Popen(["true"])
    gone.wait()  # reaped: nothing has this process id now
    return gone.pid


def test_tasks_of_a_dead_worker_are_given_back(db: Any, settings: Any) -> None:
    from samtrygg.core.management.commands.worker import requeue_lost_tasks
    from samtrygg.core.models import this_host

    settings.TASKS_WORKER_LOST_AFTER = 120
    here = this_host()
    _beat("worker", 1, "killed", host=here, pid=_dead_pid())
    _beat("worker", 1, "alive", host=here, pid=os.getppid())
    _beat("worker", 121, "silent", host="another machine")
    _beat("worker", 119, "far", host="another machine")
    killed, alive, silent, far = (_running([w]) for w in ["killed", "alive", "silent", "far"])
    unknown_old, unknown_new = _running(["x"], started_ago=121), _running(["y"], started_ago=5)
    third = _running(["killed", "killed", "killed"])
    again = _running(["me"])

    given_back = requeue_lost_tasks(restarted="me")

    def status(task: Any) -> str:
        task.refresh_from_db()
        return str(task.status)

    assert status(killed) == "READY" and status(silent) == "READY"
    assert status(unknown_old) == "READY" and status(again) == "READY"
    assert status(alive) == "RUNNING" and status(far) == "RUNNING"
    assert status(unknown_new) == "RUNNING"
    assert status(third) == "FAILED"
    assert third.exception_class_path.endswith("WorkerLost")
    assert len(given_back) == 5


# E-mail sent once.


def test_an_email_is_sent_once_per_key(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from smtplib import SMTPException

    from samtrygg.core import models
    from samtrygg.core.models import SentMail

    assert SentMail.send_once("t1:invitation", "Ämne", "Text", ["a@example.se"]) is True
    assert SentMail.send_once("t1:invitation", "Ämne", "Text", ["a@example.se"]) is False
    assert len(mail.outbox) == 1

    def failing(*args: Any) -> None:
        raise SMTPException("451 try later")

    monkeypatch.setattr(models, "send_mail", failing)
    with pytest.raises(SMTPException):
        SentMail.send_once("t2:invitation", "Ämne", "Text", ["b@example.se"])
    monkeypatch.undo()
    # The failed sending left no marker: the task's next run sends.
    assert SentMail.send_once("t2:invitation", "Ämne", "Text", ["b@example.se"]) is True
    assert [m.to for m in mail.outbox] == [["a@example.se"], ["b@example.se"]]


def test_a_task_run_again_sends_its_email_once(world: Any) -> None:
    from samtrygg.incidents.categories import seed_categories
    from samtrygg.incidents.notifications import notify_status
    from samtrygg.tenancy.roles import Role
    from samtrygg.tenancy.tasks import send_invitation_email

    from .. import factories
    from ..incidents.test_incidents import report

    run = SimpleNamespace(task_result=SimpleNamespace(id="a-task-run"))
    for _ in range(2):  # the worker died after sending; the task runs again
        send_invitation_email.call(run, world.invitation.pk, "/invitation/x/")
    assert [m.to for m in mail.outbox] == [[world.invitation.email]]

    seed_categories(world.a)
    incident = report(world, world.bob, world.a_org)
    incident.handling_organisation = world.a_other_org
    incident.save(update_fields=["handling_organisation"])
    factories.member(world.a_other_org, Role.HANDLER, "gata@example.se")
    mail.outbox.clear()
    for _ in range(2):
        notify_status.call(run, incident.pk, "assigned", "resolved", None)
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.se", "gata@example.se"]
    # Another run of the task (another status change) is another e-mail.
    other = SimpleNamespace(task_result=SimpleNamespace(id="another-run"))
    notify_status.call(other, incident.pk, "resolved", "closed", None)
    assert len(mail.outbox) == 4


# Settings and the web server's command line.


def test_gunicorn_gets_explicit_timeouts(settings: Any) -> None:
    from samtrygg.cli import _gunicorn_argv

    settings.WEB_TIMEOUT, settings.WEB_GRACEFUL_TIMEOUT = 60, 30
    argv = _gunicorn_argv("127.0.0.1", 8011, 2)
    assert argv[argv.index("--timeout") + 1] == "60"
    assert argv[argv.index("--graceful-timeout") + 1] == "30"


def test_smtp_has_a_timeout(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; print(s.MAILERS['default']['OPTIONS']['timeout'])"
    )
    env = _environment(tmp_path, SAMTRYGG_EMAIL_HOST="smtp.example.se")
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "10"


def test_static_files_are_collected_only_when_they_changed(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samtrygg import cli

    source = tmp_path / "source"
    source.mkdir()
    (source / "app.css").write_text("body {}")
    settings.STATICFILES_DIRS = [source]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    runs: list[list[str]] = []

    def collectstatic(argv: list[str]) -> None:
        runs.append(argv)
        (tmp_path / "static").mkdir(exist_ok=True)

    monkeypatch.setattr(cli, "_django_command", collectstatic)
    cli._collect_static()
    cli._collect_static()
    assert len(runs) == 1  # the second start had nothing new to collect
    (source / "app.css").write_text("body { color: black }")
    cli._collect_static()
    assert len(runs) == 2


def test_healthz_answers_503_at_once_when_the_local_worker_process_is_gone(
    client: Any, db: Any, database_tasks: None
) -> None:
    """kill -9 leaves a fresh heartbeat behind; a process of this host that no longer exists is
    not counted, so /healthz says 503 until a new worker beats."""
    import subprocess
    import sys

    from samtrygg.core.models import this_host

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # reaped: its pid names no process now
    _beat("scheduler", 1)
    _beat("worker", 1, process="killed", host=this_host(), pid=gone.pid)
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json()["failing"] == ["worker"]
    _beat("worker", 2, process="restarted", host=this_host(), pid=os.getpid())
    assert client.get("/healthz").status_code == 200
