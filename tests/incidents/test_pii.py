"""The personal-data guard: every valid identity number refused, ordinary texts pass."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samtrygg.incidents.pii import Kind, flagged, luhn_ok, refused, scan


def check_digit(nine: str) -> str:
    for c in "0123456789":
        if luhn_ok(nine + c):
            return c
    raise AssertionError


@st.composite
def identity_numbers(draw: st.DrawFn) -> tuple[str, Kind]:
    born = draw(st.dates(date(1900, 1, 1), date(2025, 12, 31)))
    coordination = draw(st.booleans())
    day = born.day + (60 if coordination else 0)
    serial = f"{draw(st.integers(0, 999)):03d}"
    nine = f"{born:%y%m}{day:02d}{serial}"
    ten = nine + check_digit(nine)
    style = draw(st.sampled_from(["10-", "10+", "10", "12-", "12", "10 "]))
    century = f"{born:%Y}"[:2]
    text = {
        "10-": f"{ten[:6]}-{ten[6:]}",
        "10+": f"{ten[:6]}+{ten[6:]}",
        "10": ten,
        "12-": f"{century}{ten[:6]}-{ten[6:]}",
        "12": f"{century}{ten}",
        "10 ": f"{ten[:6]} {ten[6:]}",
    }[style]
    return text, Kind.COORDINATION_NUMBER if coordination else Kind.PERSONAL_IDENTITY_NUMBER


@settings(max_examples=500, deadline=None)
@given(
    identity_numbers(),
    st.sampled_from(
        [
            "{}",
            "Personen har personnummer {} och bor här.",
            "pnr:{}.",
            "({})",
            "Uppgett {}, oklart.",
        ]
    ),
)
def test_every_valid_identity_number_is_refused(number: tuple[str, Kind], template: str) -> None:
    text, kind = number
    found = refused(template.format(text))
    assert [f.kind for f in found] == [kind], (text, found)


@settings(max_examples=300, deadline=None)
@given(identity_numbers())
def test_a_wrong_check_digit_is_not_an_identity_number(number: tuple[str, Kind]) -> None:
    text, _ = number
    last = int(text[-1])
    wrong = text[:-1] + str((last + 1) % 10)
    assert refused(wrong) == []


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
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_incident_texts_pass(text: str) -> None:
    assert refused(text) == [], scan(text)


@settings(max_examples=300, deadline=None)
@given(
    st.dates(date(2000, 1, 1), date(2030, 12, 31)),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(1, 999_999),
    st.integers(1, 200),
    st.integers(1000, 9_999_999),
)
def test_generated_ordinary_texts_pass(
    day: date, hour: int, minute: int, amount: int, street_number: int, k_number: int
) -> None:
    text = (
        f"Den {day.isoformat()} kl. {hour:02d}:{minute:02d} skadegörelse vid Storgatan "
        f"{street_number}. Kostnad {amount} kr ({amount:,} kr). K-{k_number}-{day:%y}. "
        f"Datum {day:%Y%m%d}, {day:%d/%m}."
    )
    assert refused(text) == [], scan(text)


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
    assert refused(thirteenth_month + check_digit(thirteenth_month)) == []
    leap_day_2000 = "000229123"  # 29 February 2000 exists
    assert refused(leap_day_2000 + check_digit(leap_day_2000))
    leap_day_1901 = "010229123"  # 29 February 1901 does not
    assert refused("19" + leap_day_1901 + check_digit(leap_day_1901)) == []


def test_samordningsnummer_example() -> None:
    # Skatteverket's example form: day + 60.
    nine = "701063234"
    text = f"{nine[:6]}-{nine[6:]}{check_digit(nine)}"
    assert [f.kind for f in refused(text)] == [Kind.COORDINATION_NUMBER]


def test_a_few_days_of_dates_are_not_refused() -> None:
    start = date(2025, 1, 1)
    for offset in range(0, 730, 7):
        day = start + timedelta(days=offset)
        assert refused(f"{day:%Y-%m-%d} och {day:%y%m%d}") == []
