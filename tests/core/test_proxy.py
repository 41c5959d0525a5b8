"""Behind a reverse proxy: the real client's address for the login rate limit and django-axes,
and no escape from the limit by a forged X-Forwarded-For (core/client_ip.py)."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.urls import reverse

from samtrygg.core.client_ip import resolve, trusted_networks

from .. import factories
from ..conftest import World

PROXY = "127.0.0.1"
# allauth's ACCOUNT_RATE_LIMITS "login": 30 login posts a minute from one address.
LOGIN_POSTS_PER_MINUTE = 30


def nets(*entries: str) -> Any:
    return trusted_networks(entries)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        # No trusted proxy: the header is ignored, whoever sends it.
        ("127.0.0.1", "203.0.113.7", (), "127.0.0.1"),
        ("198.51.100.7", "203.0.113.7", ("127.0.0.1",), "198.51.100.7"),
        # One trusted proxy: the address it appended.
        ("127.0.0.1", "203.0.113.7", ("127.0.0.1",), "203.0.113.7"),
        # What the client wrote itself stands left of it and is not believed.
        ("127.0.0.1", "10.9.9.9, 1.2.3.4, 203.0.113.7", ("127.0.0.1",), "203.0.113.7"),
        # A chain of trusted proxies (a load balancer in front of nginx): the right-most
        # address that is not a proxy.
        ("127.0.0.1", "1.2.3.4, 203.0.113.7, 10.0.0.2", ("127.0.0.1", "10.0.0.0/8"), "203.0.113.7"),
        # Only proxies: the farthest one known.
        ("127.0.0.1", "10.0.0.2", ("127.0.0.1", "10.0.0.0/8"), "10.0.0.2"),
        ("127.0.0.1", "", ("127.0.0.1",), "127.0.0.1"),
        # Garbage where a proxy's entry should be: believe nothing beyond the nearest proxy.
        ("127.0.0.1", "203.0.113.7, unknown", ("127.0.0.1",), "127.0.0.1"),
        # Ports, brackets and IPv6.
        ("127.0.0.1", "203.0.113.7:51234", ("127.0.0.1",), "203.0.113.7"),
        ("::1", "[2001:db8::5]:443", ("::1",), "2001:db8::5"),
        ("::ffff:127.0.0.1", "2001:DB8::5", ("127.0.0.1",), "2001:db8::5"),
        ("", "203.0.113.7", ("127.0.0.1",), ""),
    ],
)
def test_resolve(peer: str, forwarded: str, trusted: tuple[str, ...], client: str) -> None:
    assert resolve(peer, forwarded, nets(*trusted)) == client


def test_a_typo_in_the_setting_stops_the_start() -> None:
    with pytest.raises(ImproperlyConfigured, match="not-an-ip"):
        nets("127.0.0.1", "not-an-ip")


def login(client: Client, email: str, password: str) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password})


def use_up_the_login_limit(client: Client) -> None:
    """Wrong passwords, each for another account (so that no account locks), until the address
    is out of login attempts."""
    for n in range(LOGIN_POSTS_PER_MINUTE):
        assert login(client, f"nobody{n}@example.se", "fel-lösenord").status_code == 200, n
    assert login(client, "nobody@example.se", "fel-lösenord").status_code == 429


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = [PROXY]


@pytest.mark.usefixtures("behind_proxy", "swedish")
def test_clients_behind_the_proxy_are_limited_each_on_its_own(world: World) -> None:
    noisy = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.10")
    use_up_the_login_limit(noisy)
    refused = login(noisy, "bob@example.se", factories.PASSWORD)
    assert refused.status_code == 429
    assert "Vänta en minut och försök igen" in refused.content.decode()  # templates/429.html
    # Another office behind the same proxy logs in.
    quiet = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.20")
    assert login(quiet, "bob@example.se", factories.PASSWORD).status_code == 302


@pytest.mark.usefixtures("behind_proxy")
def test_axes_records_and_locks_the_real_client(world: World) -> None:
    noisy = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.10")
    for _ in range(6):
        login(noisy, "bob@example.se", "fel-lösenord")
    attempt = AccessAttempt.objects.get(username="bob@example.se")
    assert attempt.ip_address == "203.0.113.10"
    assert login(noisy, "bob@example.se", factories.PASSWORD).status_code == 429
    # The lockout is the account's (settings.AXES_LOCKOUT_PARAMETERS): carol, behind the same
    # proxy, is not touched.
    other = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.20")
    assert login(other, "carol@example.se", factories.PASSWORD).status_code == 302


@pytest.mark.usefixtures("behind_proxy")
def test_a_client_not_behind_the_proxy_cannot_forge_its_address(world: World) -> None:
    direct = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(LOGIN_POSTS_PER_MINUTE):
        response = direct.post(
            reverse("account_login"),
            {"login": f"nobody{n}@example.se", "password": "fel-lösenord"},
            headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
        )
        assert response.status_code == 200, n
    forged = direct.post(
        reverse("account_login"),
        {"login": "bob@example.se", "password": factories.PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.200"},
    )
    assert forged.status_code == 429
    assert AccessAttempt.objects.filter(ip_address="198.51.100.7").count() == LOGIN_POSTS_PER_MINUTE
    assert not AccessAttempt.objects.exclude(ip_address="198.51.100.7").exists()
    # Its neighbour, also not behind the proxy, is counted apart.
    assert (
        login(Client(REMOTE_ADDR="198.51.100.8"), "bob@example.se", factories.PASSWORD).status_code
        == 302
    )


def test_without_trusted_proxies_the_header_is_ignored(world: World) -> None:
    """The default: a forged header from the proxy's own address changes nothing either."""
    for n in range(LOGIN_POSTS_PER_MINUTE):
        Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}").post(
            reverse("account_login"), {"login": f"nobody{n}@example.se", "password": "fel"}
        )
    late = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert login(late, "bob@example.se", factories.PASSWORD).status_code == 429


def test_the_proxys_request_id_is_kept(db: Any, client: Client) -> None:
    """nginx's $request_id (32 hex digits) as it is; Caddy's {http.request.uuid} without its
    hyphens, so that it fits the audit log's request id."""
    nginx = "0f8e2a4c6b1d3e5f7a9c0b2d4e6f8a1c"
    assert client.get("/healthz", headers={"X-Request-ID": nginx})["X-Request-ID"] == nginx
    caddy = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
    assert client.get("/healthz", headers={"X-Request-ID": caddy})["X-Request-ID"] == (
        "3f2504e04f8911d39a0c0305e82c3301"
    )


@pytest.mark.usefixtures("behind_proxy")
def test_axes_asks_the_same_function() -> None:
    """AXES_CLIENT_IP_CALLABLE: axes would otherwise prefer django-ipware (with rules of its
    own) if it were ever installed, and REMOTE_ADDR where no middleware ran."""
    from axes.helpers import get_client_ip_address

    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert get_client_ip_address(request) == "203.0.113.7"
