"""Bookkeeping for background work: which scheduled job has run for which period (so that
several schedulers, or a scheduler restarted, never run a job twice for the same period), the
heartbeats of the task workers and the scheduler (for /healthz, and to give back the tasks of a
worker that died), and the e-mails a task has sent (so that a task run again sends none twice)."""

from __future__ import annotations

import os
import socket
from datetime import datetime
from pathlib import Path

from django.core.mail import EmailMessage, send_mail
from django.db import IntegrityError, models, transaction
from django.utils import timezone


class ScheduledRun(models.Model):
    job = models.CharField(max_length=64)
    period = models.CharField(max_length=32)  # e.g. "2026-11-23" or "2026-W47"
    started_at = models.DateTimeField(auto_now_add=True)
    result = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="scheduled_run_once")]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"


def this_host() -> str:
    """This machine and its process-id namespace: where a process id names one process."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")  # e.g. "pid:[4026531836]"
    except OSError:
        namespace = ""
    return f"{socket.gethostname()} {namespace}".strip()[:255]


def process_alive(pid: int) -> bool:
    """Whether a process of this host still runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in {"Z", "X"}


class Heartbeat(models.Model):
    """The last sign of life of a background process: a task worker (beats every few seconds,
    also while it runs a long task) or the scheduler (beats at each minute's tick)."""

    WORKER = "worker"
    SCHEDULER = "scheduler"

    process = models.CharField(max_length=64, unique=True)  # the worker id, or "scheduler …"
    kind = models.CharField(max_length=16)
    host = models.CharField(max_length=255)  # this_host() of the process
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "beat_at"], name="heartbeat_kind_beat")]

    def __str__(self) -> str:
        return f"{self.kind} {self.process}"

    @classmethod
    def beat(cls, process: str, kind: str, *, start: bool = False) -> None:
        """Record that the process lives; ``start`` for its first beat (a process that took over
        the name of an earlier one records its own host and pid)."""
        now = timezone.now()
        new = {"kind": kind, "host": this_host(), "pid": os.getpid(), "started_at": now}
        cls.objects.update_or_create(
            process=process,
            defaults={"beat_at": now, **(new if start else {})},
            create_defaults={"beat_at": now, **new},
        )

    @classmethod
    def age(cls, kind: str, now: datetime | None = None) -> float | None:
        """Seconds since the freshest heartbeat of that kind from a process that may still live;
        None when there is none. A process of this host whose pid is gone is dead whatever its
        last beat says: a worker killed with -9 leaves no word, and /healthz should not wait for
        its heartbeat to grow old to say so."""
        here = this_host()
        recent = cls.objects.filter(kind=kind).order_by("-beat_at")
        for host, pid, beat_at in recent.values_list("host", "pid", "beat_at")[:20]:
            if host == here and not process_alive(pid):
                continue
            return max(0.0, ((now or timezone.now()) - beat_at).total_seconds())
        return None


class SentMail(models.Model):
    """An e-mail sent by a background task. The row is written in the same transaction as the
    sending, so that a task run again (its worker died) does not send the same e-mail twice: the
    key names the task run and the purpose, e.g. "<task id>:status:<user id>"."""

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key

    @classmethod
    def send_once(cls, key: str, subject: str, body: str, to: list[str]) -> bool:
        """Send unless an e-mail with this key was sent; True when it was sent now.

        The marker is claimed and the e-mail sent in one transaction: when sending fails, the
        marker goes too (so the next run sends); when the marker was committed, the e-mail went.
        Only a crash between the mail server's answer and the commit can send it twice."""
        try:
            with transaction.atomic():
                cls.objects.create(key=key[:200])
                send_mail(subject, body, None, to)
        except IntegrityError:
            return False
        return True

    @classmethod
    def send_message_once(cls, key: str, message: EmailMessage) -> bool:
        """``send_once`` for a prepared message (attachments, several recipients)."""
        try:
            with transaction.atomic():
                cls.objects.create(key=key[:200])
                message.send()
        except IntegrityError:
            return False
        return True
