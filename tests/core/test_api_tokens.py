"""An API token ends when its owner's password changes, whichever way it changes."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from samtrygg.tenancy.models import ApiToken, User
from samtrygg.tenancy.tokens import create_token

from .. import factories
from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")
NEW_PASSWORD = "Ett-helt-annat-lösenord-456"


def api(client: Client, world: World, secret: str) -> int:
    response = client.get(
        f"/api/v1/k/{world.a.slug}/incidents", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    return response.status_code


def test_changing_the_password_through_allauth_ends_the_token(world: World, client: Client) -> None:
    _token, secret = create_token(world.bob, name="Larmcentralen", days=None)
    assert api(Client(), world, secret) == 200

    client.force_login(world.bob)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": factories.PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302  # the real allauth view accepted the change
    world.bob.refresh_from_db()
    assert world.bob.check_password(NEW_PASSWORD)

    assert api(Client(), world, secret) == 401
    # The owner sees why, and a token made now works.
    page = client.get("/me/api-tokens/").content.decode()
    assert "Upphörde när lösenordet byttes" in page
    _new, fresh = create_token(world.bob, name="Larmcentralen 2", days=30)
    assert api(Client(), world, fresh) == 200


def test_a_password_reset_by_e_mail_ends_the_token(world: World, client: Client) -> None:
    _token, secret = create_token(world.bob, name="cron", days=30)
    client.post("/accounts/password/reset/", {"email": world.bob.email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert User.objects.get(pk=world.bob.pk).check_password(NEW_PASSWORD)
    assert api(Client(), world, secret) == 401


def test_a_password_set_elsewhere_ends_the_token_but_a_new_login_does_not(
    world: World, client: Client
) -> None:
    _token, secret = create_token(world.bob, name="cron", days=30)
    # Logging in (and out) leaves the password hash alone: the token still works.
    response = client.post(
        "/accounts/login/", {"login": world.bob.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert api(Client(), world, secret) == 200
    # The admin's "set password" and `changepassword` both come down to set_password.
    world.bob.set_password(NEW_PASSWORD)
    world.bob.save()
    assert api(Client(), world, secret) == 401


def test_a_rotated_secret_key_keeps_tokens_working(world: World, settings: object) -> None:
    _token, secret = create_token(world.bob, name="cron", days=30)
    token = ApiToken.objects.get(user=world.bob)
    with override_settings(SECRET_KEY="a-new-key-" + "x" * 50, SECRET_KEY_FALLBACKS=[_key()]):
        assert ApiToken.objects.get(pk=token.pk).fits_password
        assert api(Client(), world, secret) == 200
    with override_settings(SECRET_KEY="a-new-key-" + "x" * 50, SECRET_KEY_FALLBACKS=[]):
        assert api(Client(), world, secret) == 401


def _key() -> str:
    from django.conf import settings

    return str(settings.SECRET_KEY)
