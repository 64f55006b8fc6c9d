from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from himig.accounts.models import ApiKey, User
from himig.api.services import authenticate_key
from himig.ops.models import Event


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_needs_sign_in(db) -> None:
    response = Client().get("/settings/api-keys/")
    assert response.status_code == 302


def test_creating_a_key_shows_it_once(browser, user) -> None:
    response = browser.post("/settings/api-keys/", {"name": "My plugin"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = re.search(r'data-testid="new-api-key">([^<]+)<', response.content.decode()).group(1)
    key = authenticate_key(raw)
    assert key is not None and key.user == user and key.name == "My plugin"
    page = browser.get("/settings/api-keys/").content.decode()
    assert raw not in page
    assert key.prefix in page and "My plugin" in page and "Never" not in page


@pytest.mark.django_db(transaction=True)
def test_key_creation_is_an_analytics_event(user) -> None:
    client = Client()
    client.force_login(user)
    client.post("/settings/api-keys/", {"name": "k"})
    assert Event.objects.filter(name="api_key_created", user=user).exists()


def test_a_key_needs_a_name(browser) -> None:
    response = browser.post("/settings/api-keys/", {"name": "   "})
    assert response.status_code == 200
    assert not ApiKey.objects.exists()


def test_revoking_from_the_page(browser, user) -> None:
    browser.post("/settings/api-keys/", {"name": "old"})
    key = ApiKey.objects.get(user=user)
    response = browser.post(f"/settings/api-keys/{key.pk}/revoke")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert "Revoked" in browser.get("/settings/api-keys/").content.decode()


def test_revoking_someone_elses_key_does_nothing(browser, other_user) -> None:
    from himig.api.services import create_api_key

    key, _ = create_api_key(other_user, "theirs")
    browser.post(f"/settings/api-keys/{key.pk}/revoke")
    key.refresh_from_db()
    assert key.revoked_at is None


def test_revoke_needs_post(browser, user) -> None:
    assert browser.get("/settings/api-keys/1/revoke").status_code == 405


def test_the_command_prints_the_key_last(user) -> None:
    out, err = StringIO(), StringIO()
    call_command("create_api_key", "--email", "ALICE@example.com", "--name", "ci", stdout=out, stderr=err)
    raw = out.getvalue().strip().splitlines()[-1]
    assert authenticate_key(raw).user == user


def test_the_command_can_create_the_user(db) -> None:
    out = StringIO()
    call_command("create_api_key", "--email", "new@example.com", "--create-user", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip().splitlines()[-1]
    assert authenticate_key(raw).user == User.objects.get(email="new@example.com")


def test_the_command_refuses_unknown_users_without_create(db) -> None:
    with pytest.raises(CommandError):
        call_command("create_api_key", "--email", "nobody@example.com", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("create_api_key", "--email", "not-an-email", "--create-user", stdout=StringIO(),
                     stderr=StringIO())
