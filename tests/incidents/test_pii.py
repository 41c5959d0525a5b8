"""The personal-data guard: every valid identity number refused, however it is typed or
pasted; wrong check digits and ordinary texts pass.

Check digits are computed here with the test's own Luhn implementation (Skatteverket's rule
written out), never with the product's, so a broken ``pii.luhn_ok`` fails these tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samtrygg.incidents.pii import Kind, flagged, luhn_ok, might_contain, refused, scan

# ---- the test's own reference -----------------------------------------------------------------


def reference_check_digit(nine: str) -> str:
    """Skatteverket's rule for the tenth digit: multiply the nine digits by 2, 1, 2, 1, … from
    the left, add the digits of the products (16 counts as 1 + 6), and the check digit is what
    takes the sum up to the next multiple of ten."""
    assert len(nine) == 9 and nine.isdigit()
    products = [int(digit) * weight for digit, weight in zip(nine, [2, 1] * 5, strict=False)]
    total = sum(product // 10 + product % 10 for product in products)
    return str((10 - total % 10) % 10)


def test_the_reference_agrees_with_published_examples() -> None:
    # Skatteverket's own examples: a personnummer, the classic test number, a samordningsnummer.
    assert reference_check_digit("811218987") == "6"
    assert reference_check_digit("121212121") == "2"
    assert reference_check_digit("701063239") == "1"


DASHES = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe58"]
DASHES += ["\ufe63", "\uff0d"]
SPACES = [" ", "\u00a0", "\u202f", "\u2007"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))


@dataclass(frozen=True)
class Written:
    text: str  # as the user typed or pasted it
    kind: Kind
    ten: str  # the canonical ten digits


@st.composite
def identity_numbers(draw: st.DrawFn, valid: bool = True) -> Written:
    """A personnummer or samordningsnummer, written in any of the ways people write them."""
    born = draw(st.dates(date(1900, 1, 1), date(2025, 12, 31)))
    coordination = draw(st.booleans())
    day = born.day + (60 if coordination else 0)
    nine = f"{born:%y%m}{day:02d}{draw(st.integers(0, 999)):03d}"
    check = reference_check_digit(nine)
    if not valid:
        check = str((int(check) + draw(st.integers(1, 9))) % 10)
    ten = nine + check
    year = f"{born:%Y}" if draw(st.booleans()) else ten[:2]
    mm, dd, last = ten[2:4], ten[4:6], ten[6:]

    def spaces(min_size: int = 0) -> str:
        return draw(st.text(st.sampled_from(SPACES), min_size=min_size, max_size=2))

    if draw(st.booleans()):
        # The date part in one run: YYMMDD or YYYYMMDD, then a separator (spaces around it
        # allowed), spaces alone or nothing.
        style = draw(st.sampled_from(["none", "spaces", "separator"]))
        if style == "none":
            separator = ""
        elif style == "spaces":
            separator = spaces(min_size=1)
        else:
            separator = spaces() + draw(st.sampled_from(["+", ".", *DASHES])) + spaces()
        text = f"{year}{mm}{dd}{separator}{last}"
    else:
        # The date part in groups: YY-MM-DD-NNNC, YY.MM.DD-NNNC, with any kind of dash.
        if draw(st.booleans()):
            first = second = "."
        else:
            first, second = draw(st.sampled_from(DASHES)), draw(st.sampled_from(DASHES))
        separator = draw(st.sampled_from(["+", ".", *DASHES]))
        text = f"{year}{first}{mm}{second}{dd}{separator}{last}"
    if draw(st.integers(0, 9)) == 0:
        text = text.translate(FULLWIDTH)
    # Invisible characters anywhere inside the number.
    for position, char in sorted(
        draw(
            st.lists(
                st.tuples(st.integers(1, len(text) - 1), st.sampled_from(INVISIBLE)), max_size=3
            )
        ),
        reverse=True,
    ):
        text = text[:position] + char + text[position:]
    return Written(
        text, Kind.COORDINATION_NUMBER if coordination else Kind.PERSONAL_IDENTITY_NUMBER, ten
    )


TEMPLATES = [
    "{}",
    "Personen har personnummer {} och bor här.",
    "pnr:{}.",
    "({})",
    "Uppgett {}, oklart.",
    "Mannen – {} – sprang mot stationen.",
    "Pnr\u00a0{}\u00a0enligt väktaren",
    "Nr {}\nSkadegörelse kl 21.30.",
]


# ---- every written form of a valid number is refused ------------------------------------------


@settings(max_examples=1500, deadline=None)
@given(identity_numbers(), st.sampled_from(TEMPLATES))
def test_every_valid_identity_number_is_refused_as_written(number: Written, template: str) -> None:
    text = template.format(number.text)
    found = refused(text)
    assert [f.kind for f in found] == [number.kind], (number, found)
    # The finding quotes the number exactly as written, at the place it was written.
    assert found[0].text == number.text
    assert found[0].start == template.index("{}")
    assert text[found[0].start : found[0].end] == number.text
    # The import's fast pre-check lets every form through to the scan.
    assert might_contain(text)


@settings(max_examples=800, deadline=None)
@given(identity_numbers(valid=False), st.sampled_from(TEMPLATES))
def test_a_wrong_check_digit_is_not_refused(number: Written, template: str) -> None:
    assert refused(template.format(number.text)) == [], number


ISSUE_VARIANTS = [
    "811218-9876",
    "811218–9876",  # en dash
    "811218—9876",  # em dash
    "811218\u22129876",  # minus sign
    "811218\u20119876",  # non-breaking hyphen
    "811218\uff0d9876",  # full-width hyphen-minus
    "811218 - 9876",
    "811218\u00a0-\u00a09876",
    "811218 – 9876",
    "811218 9876",
    "8112189876",
    "811218+9876",
    "811218.9876",
    "8112\u200b18-9876",  # zero-width space inside
    "811218-98\u200b76",
    "811218\u2060-9876",  # word joiner
    "811218-\ufeff9876",  # byte order mark
    "12-12-12-1212",
    "12.12.12-1212",
    "81.12.18-9876",
    "81-12-18-9876",
    "81–12–18–9876",
    "19811218-9876",
    "198112189876",
    "19811218 - 9876",
    "1981-12-18-9876",
    "1981.12.18-9876",
    "20121212-1212",
]


@pytest.mark.parametrize("variant", ISSUE_VARIANTS)
def test_the_issues_variants_are_refused(variant: str) -> None:
    text = f"Mannen, {variant}, sprayade på väggen."
    found = refused(text)
    assert [(f.kind, f.text) for f in found] == [(Kind.PERSONAL_IDENTITY_NUMBER, variant)]
    assert might_contain(text)


@pytest.mark.parametrize(
    "variant", ["701063-2391", "701063–2391", "70.10.63-2391", "19701063 - 2391", "7010632391"]
)
def test_coordination_numbers_are_refused(variant: str) -> None:
    assert [(f.kind, f.text) for f in refused(variant)] == [(Kind.COORDINATION_NUMBER, variant)]


@pytest.mark.parametrize(
    "variant",
    ["811218-9877", "811218–9875", "8112\u200b18-9870", "12-12-12-1213", "19811218 - 9871"],
)
def test_the_issues_variants_with_a_wrong_check_digit_pass(variant: str) -> None:
    assert refused(variant) == []


@pytest.mark.usefixtures("swedish")
def test_the_message_quotes_what_the_writer_typed() -> None:
    from samtrygg.incidents.services import check_free_text

    typed = "811218\u2011 9876"
    errors = check_free_text({"description": f"Mannen {typed} sprang"}, confirm_flagged=True)
    [error] = errors["description"]
    assert error.code == "pii_refused"
    assert error.messages[0].startswith(f"Texten innehåller ett personnummer (”{typed}”).")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"0123456789", *DASHES, *SPACES, *INVISIBLE])))
def test_luhn_agrees_with_the_reference(noise: str) -> None:
    digits = "".join(c for c in noise if c.isdigit())[:9].ljust(9, "0")
    for check in "0123456789":
        assert luhn_ok(digits + check) == (check == reference_check_digit(digits))


# ---- the fast pre-check never hides a finding -------------------------------------------------

NOISY = st.text(
    alphabet=st.sampled_from(
        [*"0123456789+.-:/ @aAhHeEtTrRkKlLnNmM", *DASHES, *SPACES, *INVISIBLE, "\uff11", "\n"]
    ),
    max_size=40,
)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.text(max_size=60), NOISY))
def test_might_contain_is_true_whenever_scan_finds_something(text: str) -> None:
    if scan(text):
        assert might_contain(text)


@given(st.text(alphabet=st.characters(exclude_categories=["Nd"]), max_size=60))
def test_text_without_digits_holds_no_identity_number(text: str) -> None:
    assert refused(text) == []


# ---- ordinary texts pass ------------------------------------------------------------------------

ORDINARY = [
    "Klotter på fasaden vid Storgatan 12, ca 4 m². Sanering beställd, kostnad 12 500 kr.",
    "Brand i container 2026-11-23 kl. 23:15, räddningstjänsten släckte. "
    "Polisanmält K-2026-0012345.",
    "Ärende 5000-K1234567-26 hos polisen. Skadegörelse på busskur, glas krossat.",
    "Ansamling av 10-15 ungdomar vid ICA, 19:30–22:00 fredag 21/11.",
    "Trasig belysning i gångtunneln mellan Norra vägen 3 och 5, anmält till gatuenheten 20261124.",
    "Nedskräpning, 3 säckar. Uppskattad kostnad 1 800 kronor. Vecka 47, 2026.",
    "Mopedåkning på gång- och cykelvägen, ca 30 km/h, 4 mopeder.",
    "Fönsterkross i trapphus 2B, portkod 1234, lägenhet 1102.",
    "Lagerlokal 4500 kvm, larm kl 02:13, väktare på plats 02:31.",
    "Larm kl 21.30, väktare på plats 21.42.",
    "Händelsen 2026-11-25, kostnad 1 250 kr.",
    "Kostnad 1\u00a0250\u00a0kr, 12\u202f500 kr, 1.250 kr, 1.250.000 kr.",
    "Perioden 2026-11-24 – 2026-11-30 och 2026–11–24—2026–11–30.",
    "Datum 25.11.2026 kl 21.30–23.15, 25.11.26 och 2026.11.25.",
    "Den 2026-11-25 - 1931 larmade väktaren; 2026-11-25 – 1253 kr i skada.",
    "Koordinater 56.674512, 12.857834 (SWEREF 6278901, 1318456).",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_incident_texts_pass(text: str) -> None:
    assert refused(text) == [], scan(text)


def test_a_date_then_a_time_is_not_read_as_a_number() -> None:
    # 2026-11-25 followed by 19:31 or 1 253 kr makes a valid date and check digit: only the
    # spacing tells them from 20261125-1931, which is refused.
    assert reference_check_digit("261125193") == "1"
    assert reference_check_digit("261125125") == "3"
    for text in [
        "2026-11-25 - 1931",
        "2026-11-25 – 1931",
        "2026-11-25 1931",
        "2026-11-25 – 1253 kr",
    ]:
        assert refused(text) == [], text
    assert refused("20261125-1931")


def test_a_phone_number_is_flagged_not_refused() -> None:
    for phone in ["070-123 45 67", "070-123\u00a045\u00a067", "08-123 456 78"]:
        text = f"Ring {phone} om det händer igen."
        assert refused(text) == [], phone
        assert [f.kind for f in flagged(text)] == [Kind.PHONE], phone
    # Only identity numbers are read through the normalisation: a phone number written with
    # an en dash is not refused (and, as before, not flagged either).
    assert refused("Ring 070–123 45 67 om det händer igen.") == []


@settings(max_examples=500, deadline=None)
@given(
    st.dates(date(2000, 1, 1), date(2030, 12, 31)),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(1, 999_999),
    st.integers(1, 200),
    st.integers(1000, 9_999_999),
    st.sampled_from(DASHES),
    st.sampled_from(SPACES),
)
def test_generated_ordinary_texts_pass(
    day: date,
    hour: int,
    minute: int,
    amount: int,
    street_number: int,
    k_number: int,
    dash: str,
    space: str,
) -> None:
    later = day + timedelta(days=street_number)
    thousands = f"{amount:,}".replace(",", space)
    text = (
        f"Den {day.isoformat()} kl. {hour:02d}:{minute:02d} skadegörelse vid Storgatan "
        f"{street_number}. Kostnad {amount} kr ({amount:,} kr, {thousands} kr). "
        f"K-{k_number}-{day:%y}. Datum {day:%Y%m%d}, {day:%d/%m}, {day:%d.%m.%Y}, "
        f"{day:%d.%m.%y}. Kl {hour:02d}.{minute:02d}{dash}{(hour + 2) % 24:02d}.{minute:02d}. "
        f"Perioden {day.isoformat()}{space}{dash}{space}{later.isoformat()}, "
        f"{day:%Y}{dash}{day:%m}{dash}{day:%d}{dash}{later:%Y}{dash}{later:%m}{dash}{later:%d}. "
        f"Ring 070{dash}{hour:03d}{space}{minute:02d}{space}{street_number % 100:02d}."
    )
    assert refused(text) == [], (text, scan(text))


def test_flags_phone_email_plate_and_names() -> None:
    text = (
        "Ring 070-123 45 67 eller +46 70 123 45 67, mejla anna.svensson@example.se. "
        "Bilen ABC 123 och XYZ12A. Killen som heter Anders Berg stod vid porten."
    )
    kinds = [f.kind for f in flagged(text)]
    assert kinds.count(Kind.PHONE) == 2
    assert Kind.EMAIL in kinds
    assert kinds.count(Kind.REGISTRATION_NUMBER) == 2
    assert [f.text for f in flagged(text) if f.kind == Kind.NAME] == ["Anders Berg"]
    assert refused(text) == []


def test_invalid_dates_are_not_identity_numbers() -> None:
    thirteenth_month = "991332123"
    assert refused(thirteenth_month + reference_check_digit(thirteenth_month)) == []
    leap_day_2000 = "000229123"  # 29 February 2000 exists
    assert refused(leap_day_2000 + reference_check_digit(leap_day_2000))
    leap_day_1901 = "010229123"  # 29 February 1901 does not
    assert refused("19" + leap_day_1901 + reference_check_digit(leap_day_1901)) == []


def test_a_few_days_of_dates_are_not_refused() -> None:
    start = date(2025, 1, 1)
    for offset in range(0, 730, 7):
        day = start + timedelta(days=offset)
        assert refused(f"{day:%Y-%m-%d} och {day:%y%m%d}") == []


# ---- the file import refuses the same variants ------------------------------------------------

IMPORT_HEADER = "external_id;category;occurred_at;lat;lon;description;severity;organisation"


@pytest.mark.usefixtures("swedish")
def test_the_import_refuses_every_variant(world: Any) -> None:
    from django.utils import timezone

    from samtrygg.exchange.incident_import import IncidentImportError, import_incidents
    from samtrygg.incidents.categories import seed_categories
    from samtrygg.incidents.models import Incident

    from .. import factories

    seed_categories(world.a)
    when = (timezone.localtime() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    place = f"{factories.HALMSTAD_LAT:.6f};{factories.HALMSTAD_LON:.6f}"
    variants = [*ISSUE_VARIANTS, "701063–2391"]
    rows = [
        f"v-{i};klotter;{when};{place};Mannen, {variant}, sprayade;2;Alfa kommun"
        for i, variant in enumerate(variants)
    ]
    rows.append(f"ok;klotter;{when};{place};Klotter kl 21.30, 1 250 kr, 2026-11-25;2;Alfa kommun")
    with pytest.raises(IncidentImportError) as error:
        import_incidents("\n".join([IMPORT_HEADER, *rows]).encode(), "rader.csv", world.a)
    assert error.value.errors == [
        f"Rad {i + 2}, kolumn ”description”: ett personnummer (”{variant}”): ta bort det"
        for i, variant in enumerate(variants)
    ]
    assert Incident.objects.count() == 0
