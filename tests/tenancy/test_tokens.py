"""Personal API tokens: shown once, stored hashed, the owner's only."""

from __future__ import annotations

import pytest
from django.test import Client

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.tenancy.models import ApiToken

from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")


def test_token_is_shown_once_and_stored_hashed(world: World, client: Client) -> None:
    client.force_login(world.bob)
    response = client.post("/me/api-tokens/", {"name": "Vaktbolagets system", "days": "90"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("smt_") and secret in response.content.decode()
    token = ApiToken.objects.get(user=world.bob)
    assert secret not in {token.token_hash, token.prefix} and secret.startswith(token.prefix)
    again = client.get("/me/api-tokens/").content.decode()
    assert secret not in again and token.prefix in again
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_CREATED).count() == 1


def test_another_users_token_cannot_be_revoked(world: World, client: Client) -> None:
    client.force_login(world.bob)
    client.post("/me/api-tokens/", {"name": "a", "days": "30"})
    token = ApiToken.objects.get(user=world.bob)
    client.force_login(world.carol)
    assert client.post(f"/me/api-tokens/{token.pk}/revoke/").status_code == 404
    client.force_login(world.bob)
    assert client.post(f"/me/api-tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_name_is_required(world: World, client: Client) -> None:
    client.force_login(world.bob)
    response = client.post("/me/api-tokens/", {"name": "", "days": "30"})
    assert "Detta fält måste fyllas i." in response.content.decode()
    assert not ApiToken.objects.exists()
