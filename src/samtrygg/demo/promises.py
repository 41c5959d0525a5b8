"""A demo medborgarlöfte for Halmstad: the public part of a made-up samverkansöverenskommelse
between the kommun and the police, with activities for each of the three parties and a few
follow-ups. Every text says it is demo text. Safe to run again: an existing promise is kept."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from samtrygg.areas.models import Area
from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.plans.models import (
    Agreement,
    CitizenPromise,
    PromiseActivity,
    PromiseFollowUp,
    PromiseParty,
    PromiseStatus,
)
from samtrygg.tenancy.models import Municipality, Organisation, OrganisationKind

TITLE = "Tryggare kvällar i centrum (demo)"

# party, activity, kind of the responsible organisation (None: no single one),
# follow-ups as (days ago, status, note)
ACTIVITIES: list[tuple[str, str, str | None, list[tuple[int, str, str]]]] = [
    (
        PromiseParty.KOMMUNEN,
        "Byter till LED-belysning längs gång- och cykelvägarna till stationen (demo).",
        OrganisationKind.MUNICIPAL_DEPARTMENT,
        [
            (75, PromiseStatus.ONGOING, "Hälften av armaturerna bytta (demo)."),
            (12, PromiseStatus.DONE, "Alla armaturer bytta och tända (demo)."),
        ],
    ),
    (
        PromiseParty.KOMMUNEN,
        "Fältassistenter finns på torget fredag och lördag kväll (demo).",
        OrganisationKind.MUNICIPAL_DEPARTMENT,
        [(20, PromiseStatus.ONGOING, "Bemannat 14 av 16 kvällar (demo).")],
    ),
    (
        PromiseParty.POLISEN,
        "Synlig polis till fots i centrum minst två kvällar i veckan (demo).",
        OrganisationKind.POLICE,
        [(14, PromiseStatus.ONGOING, "Genomfört varje vecka utom under en storhelg (demo).")],
    ),
    (
        PromiseParty.POLISEN,
        "Medborgardialog i centrum varje kvartal (demo).",
        OrganisationKind.POLICE,
        [],
    ),
    (
        PromiseParty.TILLSAMMANS,
        "Trygghetsvandring med boende och företagare varje höst (demo).",
        None,
        [(40, PromiseStatus.DONE, "Vandringen hölls; 11 platser åtgärdas (demo).")],
    ),
    (
        PromiseParty.TILLSAMMANS,
        "Redovisar hur löftet går på kommunens webbplats två gånger om året (demo).",
        None,
        [],
    ),
]


def demo_promise(municipality: Municipality, organisations: list[Organisation]) -> None:
    if CitizenPromise.objects.filter(municipality=municipality, title=TITLE).exists():
        return
    today = timezone.localdate()
    start = date(today.year, today.month, 1) - timedelta(days=180)
    start = date(start.year, start.month, 1)
    end = date(start.year + 2, start.month, 1) - timedelta(days=1)
    by_kind = {o.kind: o for o in reversed(organisations)}  # the first of each kind
    kommun = by_kind[OrganisationKind.MUNICIPAL_DEPARTMENT]
    police = by_kind[OrganisationKind.POLICE]
    agreement = Agreement.objects.create(
        municipality=municipality,
        title="Samverkansöverenskommelse kommunen och Polisen (demo)",
        purposes="Minska otryggheten och skadegörelsen i centrum kvällstid (demo).",
        goals="Andelen som känner sig trygga i centrum kvällstid ökar (demo).",
        documentation="Uppföljning i EST-gruppen varje månad (demo).",
        period_start=start,
        period_end=end,
        signatories="Kommundirektören och lokalpolisområdeschefen (demo)",
    )
    agreement.parties.set([kommun, police])
    agreement.areas.set(Area.objects.filter(municipality=municipality).order_by("name")[:3])
    promise = CitizenPromise.objects.create(
        municipality=municipality,
        title=TITLE,
        public_text=(
            "Kommunen och Polisen lovar dig som bor i och besöker centrum att göra kvällarna "
            "tryggare: bättre belysning, vuxna och poliser på plats och att vi berättar hur det "
            "går. Detta är ett påhittat exempel i demon."
        ),
        agreement=agreement,
        period_start=start,
        period_end=end,
        status=PromiseStatus.ONGOING,
    )
    for party, text, kind, follow_ups in ACTIVITIES:
        organisation = by_kind[kind] if kind else None
        status = follow_ups[-1][1] if follow_ups else PromiseStatus.PLANNED
        activity = PromiseActivity.objects.create(
            promise=promise, party=party, text=text, organisation=organisation, status=status
        )
        for days_ago, follow_status, note in follow_ups:
            PromiseFollowUp.objects.create(
                activity=activity,
                date=today - timedelta(days=days_ago),
                status=follow_status,
                note=note,
                organisation=organisation or kommun,
            )
    record(
        AuditAction.PROMISE_CREATED,
        actor="samtrygg demo",
        municipality=municipality,
        obj=promise,
        changes={"title": promise.title, "agreement": agreement.title},
    )
