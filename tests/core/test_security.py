"""Login security: account lockout, the MFA gate, security headers, deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from samtrygg.audit.models import AuditAction, AuditEvent

from .. import factories
from ..conftest import World


def login(client: Client, email: str, password: str) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_correct_password_logs_in(world: World, client: Client) -> None:
    response = login(client, "bob@example.se", factories.PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # to the municipality start page
    assert client.get(f"/k/{world.a.slug}/").status_code == 200


def test_sixth_wrong_password_locks_the_account(world: World, client: Client) -> None:
    for _ in range(5):
        response = login(client, "bob@example.se", "fel-lösenord")
        assert response.status_code == 200  # the form again, with an error
        assert "_auth_user_id" not in client.session
    assert login(client, "bob@example.se", "fel-lösenord").status_code == 429
    # Locked now: even the right password is refused.
    response = login(client, "bob@example.se", factories.PASSWORD)
    assert response.status_code == 429
    assert "låst" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Other accounts are not affected by bob's lockout.
    assert login(Client(), "carol@example.se", factories.PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() >= 5
    assert AuditEvent.objects.filter(
        action=AuditAction.LOCKED_OUT, object_repr="bob@example.se"
    ).exists()


def test_lockout_counts_per_account_whatever_the_case(world: World, client: Client) -> None:
    for email in [
        "Bob@example.se",
        "BOB@example.se",
        "bob@EXAMPLE.se",
        "bob@example.se",
        "bOb@example.se",
        "boB@example.se",
    ]:
        login(client, email, "fel-lösenord")
    assert login(client, "bob@example.se", factories.PASSWORD).status_code == 429


@pytest.fixture
def mfa_required(settings: Any) -> None:
    settings.MFA_REQUIRED = True


@pytest.mark.usefixtures("mfa_required")
def test_admin_without_mfa_reaches_only_mfa_setup(world: World, client: Client) -> None:
    assert login(client, "alice@example.se", factories.PASSWORD).status_code == 302
    setup = reverse("mfa_activate_totp")
    for url in [
        "/",
        f"/k/{world.a.slug}/",
        f"/k/{world.a.slug}/members/",
        f"/k/{world.a.slug}/audit/",
        reverse("mfa_index"),
        "/api/v1/k/x/areas",
        reverse("account_change_password"),
        "/admin/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == setup, url
    _reach_totp_setup(client)


def _reach_totp_setup(client: Client) -> Any:
    """allauth asks for the password once more before MFA set-up; the gate lets that through."""
    setup = reverse("mfa_activate_totp")
    response = client.get(setup)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": factories.PASSWORD})
    assert response.status_code == 302
    page = client.get(setup)
    assert page.status_code == 200
    return page


@pytest.mark.usefixtures("mfa_required")
def test_coordinator_too_but_not_a_reporter(world: World, client: Client) -> None:
    client.force_login(world.dave)
    assert client.get(f"/k/{world.a.slug}/")["Location"] == reverse("mfa_activate_totp")
    client.force_login(world.bob)
    assert client.get(f"/k/{world.a.slug}/").status_code == 200


@pytest.mark.usefixtures("mfa_required")
def test_admin_with_totp_gets_through(world: World, client: Client) -> None:
    Authenticator.objects.create(
        user=world.alice, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    client.force_login(world.alice)
    assert client.get(f"/k/{world.a.slug}/members/").status_code == 200


@pytest.mark.usefixtures("mfa_required")
def test_totp_setup_page_activates_mfa(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    """Walk the real set-up form with a code computed from the secret it shows."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    login(client, "alice@example.se", factories.PASSWORD)
    assert client.get("/")["Location"] == reverse("mfa_activate_totp")  # straight to set-up
    page = _reach_totp_setup(client)
    secret = page.context["form"].secret
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=world.alice, type="totp").exists()
    assert client.get(f"/k/{world.a.slug}/members/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.MFA_ACTIVATED, actor=world.alice).exists()


CSP_REQUIRED = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
}


def _assert_strict_csp(response: Any) -> None:
    header = response["Content-Security-Policy"]
    directives = {d.strip() for d in header.split(";")}
    assert directives >= CSP_REQUIRED, header
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_csp_is_strict_on_every_page(world: World, client: Client) -> None:
    from ..test_outsider import build_url, scoped_routes

    for url in ["/accounts/login/", "/healthz", "/api/v1/docs"]:
        _assert_strict_csp(client.get(url))
    client.force_login(world.alice)
    for route in scoped_routes():
        _assert_strict_csp(client.get(build_url(route, world)))
    for url in [reverse("mfa_index"), reverse("mfa_activate_totp"), "/no/such/page/"]:
        _assert_strict_csp(client.get(url))


def test_pages_hold_no_inline_script_or_style(world: World, client: Client) -> None:
    from ..test_outsider import build_url, scoped_routes

    client.force_login(world.alice)
    for route in scoped_routes():
        response = client.get(build_url(route, world))
        if response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            assert " style=" not in html, route.pattern
            assert "<script>" not in html and " onclick=" not in html, route.pattern


def test_check_deploy_is_clean_with_production_settings(tmp_path: Any) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE belongs to the test process only.
        if not k.startswith(("SAMTRYGG_", "PYTEST", "DATABASE_URL", "DJANGO_ALLOW_ASYNC"))
    }
    env.update(
        {
            "SAMTRYGG_SECRET_KEY": "x" * 20 + "-production-like-secret-key-with-entropy-0123456789",
            "SAMTRYGG_DEBUG": "0",
            "SAMTRYGG_ALLOWED_HOSTS": "samtrygg.example.se",
            "SAMTRYGG_EMAIL_HOST": "smtp.example.se",
            "SAMTRYGG_DATA_DIR": str(tmp_path),
        }
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "samtrygg.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_security_headers_in_production_settings(tmp_path: Any) -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.MFA_REQUIRED)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMTRYGG_", "PYTEST"))}
    env.update(
        {
            "SAMTRYGG_SECRET_KEY": "k" * 60,
            "SAMTRYGG_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "samtrygg.settings",
        }
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["31536000", "True", "True", "True", "True"]


def test_request_id_header(client: Client, db: Any) -> None:
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abcdef12-3456"})["X-Request-ID"] == (
        "abcdef12-3456"
    )
    assert client.get("/healthz", headers={"X-Request-ID": "<script>"})["X-Request-ID"] != (
        "<script>"
    )


def test_signup_is_closed(client: Client, db: Any) -> None:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "someone@example.se",
            "password1": "Ett-långt-lösenord-1",
            "password2": "Ett-långt-lösenord-1",
        },
    )
    from samtrygg.tenancy.models import User

    assert not User.objects.filter(email="someone@example.se").exists()
    assert response.status_code == 200


def test_django_admin_is_for_superusers_only(world: World, client: Client) -> None:
    staff = factories.user("staff@example.se", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302  # to the admin login: not allowed
    client.force_login(world.alice)  # a municipality administrator is not a superuser
    assert client.get("/admin/").status_code == 302
    root = factories.user("root@example.se", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/audit/auditevent/").status_code == 200


@pytest.mark.parametrize(
    ("tile_url", "allowed"),
    [
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("https://minkarta.example.se/wmts/{z}/{x}/{y}.png", "https://minkarta.example.se"),
    ],
)
def test_tile_host_is_the_only_extra_image_source(
    tmp_path: Any, tile_url: str, allowed: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMTRYGG_", "PYTEST"))}
    env.update(
        {
            "SAMTRYGG_SECRET_KEY": "k" * 60,
            "SAMTRYGG_DATA_DIR": str(tmp_path),
            "SAMTRYGG_MAP_TILE_URL": tile_url,
            "DJANGO_SETTINGS_MODULE": "samtrygg.settings",
        }
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(' '.join(s.SECURE_CSP['img-src']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,  # noqa: S603
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["'self'", "data:", allowed]


@pytest.mark.usefixtures("swedish")
def test_administrator_unlocks_a_locked_account(world: World, client: Client) -> None:
    for _ in range(6):
        login(Client(), "bob@example.se", "fel-lösenord")
    assert login(Client(), "bob@example.se", factories.PASSWORD).status_code == 429
    admin = Client()
    admin.force_login(world.alice)
    page = admin.get(f"/k/{world.a.slug}/members/").content.decode()
    assert "Låst" in page
    bob = world.membership(world.bob)
    response = admin.post(f"/k/{world.a.slug}/members/{bob.pk}/unlock/", follow=True)
    assert "bob@example.se kan logga in igen" in response.content.decode()
    assert login(Client(), "bob@example.se", factories.PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_UNLOCKED).count() == 1
    # a coordinator may not unlock the administrator
    coordinator = Client()
    coordinator.force_login(world.dave)
    alice = world.membership(world.alice)
    page = coordinator.post(f"/k/{world.a.slug}/members/{alice.pk}/unlock/", follow=True)
    assert "högre roll" in page.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_UNLOCKED).count() == 1
