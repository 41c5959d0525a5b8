"""The menu (core/navigation.py) walked for every role: each link answers 200, and every page
the role may use is reachable from it (issue 14, item 6)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World

LINK = re.compile(r'<nav class="main-nav".*?</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')

# Pages each role must find in the menu (besides the start page), by path under /k/<slug>/.
EVERYONE = {
    "lagesbild/week/",
    "situation/",
    "dashboard/",
    "lagesbild/",
    "lagesbild/analyses/",
    "areas/",
    "meetings/",
    "problems/",
    "plans/",
    "evaluations/",
    "promises/",
    "agreements/",
    "council/",
    "compliance/",
    "council-reports/",
}
REPORTING = {"report/", "incidents/"}
CONTRIBUTING = {"lagesbild/contributions/"}  # a party's lägesbild: handlers and above
ANALYSING = {"lagesbild/tables/", "lagesbild/surveys/"}
COORDINATING = {"weeks/", "import/", "members/", "settings/profile/", "audit/"}
ADMINISTERING = {"organisations/", "categories/", "police-types/", "settings/public-texts/"}
OWN = {"/me/notifications/", "/me/api-tokens/", "/accounts/2fa/"}

MUST_REACH: dict[Role, set[str]] = {
    Role.VIEWER: EVERYONE,
    Role.REGIONAL: EVERYONE,
    Role.REPORTER: EVERYONE | REPORTING,
    Role.HANDLER: EVERYONE | REPORTING | CONTRIBUTING,
    Role.ANALYST: EVERYONE | REPORTING | CONTRIBUTING | ANALYSING,
    Role.COORDINATOR: EVERYONE | REPORTING | CONTRIBUTING | ANALYSING | COORDINATING,
    Role.ADMIN: EVERYONE | REPORTING | CONTRIBUTING | ANALYSING | COORDINATING | ADMINISTERING,
}
# Pages a role must not be offered (the page refuses it).
MUST_NOT: dict[Role, set[str]] = {
    Role.VIEWER: REPORTING | CONTRIBUTING | ANALYSING | COORDINATING | ADMINISTERING,
    Role.REGIONAL: REPORTING | CONTRIBUTING | ANALYSING | COORDINATING | ADMINISTERING,
    Role.REPORTER: CONTRIBUTING | ANALYSING | COORDINATING | ADMINISTERING,
    Role.HANDLER: ANALYSING | COORDINATING | ADMINISTERING,
    Role.ANALYST: COORDINATING | ADMINISTERING,
    Role.COORDINATOR: ADMINISTERING - {"settings/profile/"},
    Role.ADMIN: set(),
}


def menu_links(client: Client, path: str) -> list[str]:
    page = client.get(path).content.decode()
    nav = LINK.search(page)
    assert nav is not None, path
    return HREF.findall(nav.group(0))


@pytest.mark.parametrize("role", list(Role))
def test_the_menu_offers_every_page_of_the_role_and_each_answers(
    world: World, client: Client, role: Role
) -> None:
    user = factories.member(world.a_org, role)
    client.force_login(user)
    home = f"/k/{world.a.slug}/"
    links = menu_links(client, home)
    assert home in links
    for url in links:
        assert client.get(url).status_code == 200, (role, url)
    relative = {u.removeprefix(home) for u in links if u.startswith(home)}
    assert MUST_REACH[role] <= relative, (role, MUST_REACH[role] - relative)
    assert not (MUST_NOT[role] & relative), (role, MUST_NOT[role] & relative)
    assert set(links) >= OWN, role
    assert "/region/" not in links  # one kommun only


def test_the_regional_overview_is_in_the_menu_for_several_kommuner(
    world: World, client: Client
) -> None:
    user = factories.member(world.a_org, Role.REGIONAL)
    from samtrygg.tenancy.models import Membership

    Membership.objects.create(user=user, organisation=world.b_org, role=Role.REGIONAL)
    client.force_login(user)
    links = menu_links(client, f"/k/{world.a.slug}/")
    assert "/region/" in links
    assert client.get("/region/").status_code == 200


def test_api_keys_live_under_the_users_own_account(world: World, client: Client) -> None:
    client.force_login(world.bob)
    page: Any = client.get(f"/k/{world.a.slug}/").content.decode()
    account = re.search(r'class="menu-group menu-group-account".*?</ul>', page, re.S)
    assert account is not None and 'href="/me/api-tokens/"' in account.group(0)
