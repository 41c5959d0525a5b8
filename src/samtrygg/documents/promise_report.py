"""The follow-up document of one medborgarlöfte as one document (documents/model.py): the
promise, then per party (Kommunen lovar, Polisen lovar, Tillsammans lovar vi) its activities
with their status and every follow-up. The sections are built once here, through the translation
system and the one formatter, and the PDF and the Word file (documents/render.py) only lay them
out, so the two say the same."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samtrygg.core import formatting
from samtrygg.plans import promises
from samtrygg.plans.models import CitizenPromise

from . import render as render_document
from .model import Document, Section

KINDS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def title(promise: CitizenPromise) -> str:
    with translation.override("sv"):
        return _("Follow-up of a medborgarlöfte: %(title)s") % {"title": promise.title}


def lead(promise: CitizenPromise) -> list[str]:
    with translation.override("sv"):
        lines = [
            _("Period: %(period)s. Status: %(status)s.")
            % {
                "period": formatting.period(promise.period_start, promise.period_end),
                "status": promise.get_status_display(),
            },
        ]
        if promise.agreement is not None:
            lines.append(
                _("Part of the samverkansöverenskommelse %(title)s.")
                % {"title": promise.agreement.title}
            )
        lines.append(_("Produced %(date)s.") % {"date": formatting.day(timezone.localdate())})
    return lines


def sections(promise: CitizenPromise) -> list[Section]:
    with translation.override("sv"):
        return _sections(promise)


def _sections(promise: CitizenPromise) -> list[Section]:
    out = [Section(_("The promise to the residents"), paragraphs=[promise.public_text])]
    for part in promises.parts(promise):
        if not part.activities:
            out.append(Section(part.label, paragraphs=[_("No activities.")]))
            continue
        rows = []
        bullets = []
        for activity in part.activities:
            latest = promises.latest(activity)
            rows.append(
                [
                    activity.text,
                    activity.organisation.name if activity.organisation else "–",
                    activity.get_status_display(),
                    formatting.day(latest.date) if latest else _("Not followed up"),
                ]
            )
            for follow_up in activity.follow_ups.all():
                by = f" ({follow_up.organisation.name})" if follow_up.organisation else ""
                note = f" {follow_up.note}" if follow_up.note else ""
                bullets.append(
                    f"{activity.text}, {formatting.day(follow_up.date)}: "
                    f"{follow_up.get_status_display()}.{note}{by}"
                )
        out.append(
            Section(
                part.label,
                header=[_("Activity"), _("Responsible"), _("Status"), _("Last followed up")],
                rows=rows,
                notes=[_("Follow-ups:"), *bullets] if bullets else [_("No follow-ups yet.")],
            )
        )
    return out


def document(promise: CitizenPromise) -> Document:
    with translation.override("sv"):
        return Document(
            title=title(promise),
            subject=_("Medborgarlöfte – follow-up"),
            lead=lead(promise),
            sections=sections(promise),
            municipality=promise.municipality,
            keywords=[_("medborgarlöfte"), _("follow-up"), _("crime prevention")],
        )


def pdf_bytes(promise: CitizenPromise) -> bytes:
    return render_document.pdf(document(promise))


def docx_bytes(promise: CitizenPromise) -> bytes:
    return render_document.docx(document(promise))


def response(promise: CitizenPromise, fmt: str) -> HttpResponse:
    data = pdf_bytes(promise) if fmt == "pdf" else docx_bytes(promise)
    answer = HttpResponse(data, content_type=KINDS[fmt])
    answer["Content-Disposition"] = f'attachment; filename="medborgarlofte-{promise.pk}.{fmt}"'
    return answer
