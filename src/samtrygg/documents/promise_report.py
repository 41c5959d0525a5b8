"""The follow-up document of one medborgarlöfte as PDF (WeasyPrint) and Word (python-docx): the
promise, then per party (Kommunen lovar, Polisen lovar, Tillsammans lovar vi) its activities
with their status and every follow-up. The sections are built once here, in Swedish and through
the one formatter, and both renderers only lay them out (documents/period_analysis.Section), so
the PDF and the Word file say the same."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from samtrygg.core import formatting
from samtrygg.plans import promises
from samtrygg.plans.models import CitizenPromise

from .period_analysis import Section

KINDS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def title(promise: CitizenPromise) -> str:
    return f"Uppföljning av medborgarlöfte: {promise.title}"


def lead(promise: CitizenPromise) -> list[str]:
    with translation.override("sv"):
        lines = [
            f"Period: {formatting.period(promise.period_start, promise.period_end)}. "
            f"Status: {promise.get_status_display()}.",
        ]
        if promise.agreement is not None:
            lines.append(f"Del av samverkansöverenskommelsen {promise.agreement.title}.")
        lines.append(f"Framställd {formatting.day(timezone.localdate())}.")
    return lines


def sections(promise: CitizenPromise) -> list[Section]:
    with translation.override("sv"):
        return _sections(promise)


def _sections(promise: CitizenPromise) -> list[Section]:
    out = [Section("Löftet till invånarna", paragraphs=[promise.public_text])]
    for part in promises.parts(promise):
        if not part.activities:
            out.append(Section(part.label, paragraphs=["Inga aktiviteter."]))
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
                    formatting.day(latest.date) if latest else "Inte uppföljd",
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
                header=["Aktivitet", "Ansvarig", "Status", "Senast uppföljd"],
                rows=rows,
                notes=["Uppföljningar:", *bullets] if bullets else ["Inga uppföljningar ännu."],
            )
        )
    return out


def pdf_bytes(promise: CitizenPromise) -> bytes:
    from weasyprint import HTML

    lines = lead(promise)
    with translation.override("sv"):
        html = render_to_string(
            "documents/period_analysis.html",
            {
                "title": title(promise),
                "period": lines[0],
                "status": " ".join(lines[1:]),
                "sections": sections(promise),
                "images": {},
            },
        )
    return HTML(string=html).write_pdf()


def docx_bytes(promise: CitizenPromise) -> bytes:
    from .word import sections_docx

    lines = lead(promise)
    with translation.override("sv"):
        document = sections_docx(
            title(promise), [lines[0], " ".join(lines[1:])], sections(promise), {}
        )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def response(promise: CitizenPromise, fmt: str) -> HttpResponse:
    data = pdf_bytes(promise) if fmt == "pdf" else docx_bytes(promise)
    answer = HttpResponse(data, content_type=KINDS[fmt])
    answer["Content-Disposition"] = f'attachment; filename="medborgarlofte-{promise.pk}.{fmt}"'
    return answer
