"""Google and GitHub sign-in end to end, with the providers' HTTP mocked by `responses`.

Each test drives allauth exactly as a browser would: POST to the provider login
view, read the `state` from the redirect to the provider, then call our callback
with a code and that state while the provider's token and profile endpoints
answer from the mocks.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from himig.accounts.models import Preferences, User
from himig.ops.models import Event

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"
GOOGLE_USERINFO = "https://www.googleapis.com/oauth2/v2/userinfo"
GITHUB_TOKEN = "https://github.com/login/oauth/access_token"
GITHUB_USER = "https://api.github.com/user"
GITHUB_EMAILS = "https://api.github.com/user/emails"


@pytest.fixture
def providers_on(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"SCOPE": ["openid", "profile", "email"], "APPS": [{"client_id": "g-id", "secret": "g-secret", "key": ""}]},
        "github": {"SCOPE": ["read:user", "user:email"], "APPS": [{"client_id": "gh-id", "secret": "gh-secret", "key": ""}]},
    }


def start_login(client, provider: str) -> str:
    response = client.post(f"/accounts/{provider}/login/")
    assert response.status_code == 302
    location = response["Location"]
    expected = {"google": "accounts.google.com", "github": "github.com"}[provider]
    assert urlsplit(location).netloc == expected
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == [{"google": "g-id", "github": "gh-id"}[provider]]
    return query["state"][0]


def mock_google(rsps: responses.RequestsMock, *, sub: str = "g-123", email: str = "gina@example.com", verified: bool = True) -> None:
    rsps.add(responses.POST, GOOGLE_TOKEN, json={"access_token": "g-token", "token_type": "Bearer", "expires_in": 3600})
    rsps.add(
        responses.GET,
        GOOGLE_USERINFO,
        json={"id": sub, "email": email, "verified_email": verified, "given_name": "Gina", "family_name": "Reyes"},
    )


def mock_github(rsps: responses.RequestsMock, *, uid: int = 42, email: str = "octo@example.com") -> None:
    rsps.add(responses.POST, GITHUB_TOKEN, json={"access_token": "gh-token", "token_type": "bearer", "scope": "read:user"})
    rsps.add(responses.GET, GITHUB_USER, json={"id": uid, "login": "octo", "name": "Octo Cat", "email": None})
    rsps.add(responses.GET, GITHUB_EMAILS, json=[{"email": email, "primary": True, "verified": True}])


def finish_login(client, provider: str, state: str):
    return client.get(f"/accounts/{provider}/login/callback/", {"code": "the-code", "state": state})


@pytest.mark.parametrize("provider", ["google", "github"])
def test_new_person_gets_an_account_and_goes_to_profile_setup(client, providers_on, provider, django_capture_on_commit_callbacks):
    state = start_login(client, provider)
    with responses.RequestsMock() as rsps, django_capture_on_commit_callbacks(execute=True):
        (mock_google if provider == "google" else mock_github)(rsps)
        response = finish_login(client, provider, state)
    assert response.status_code == 302
    assert response["Location"] == "/settings/profile-setup/"
    email = "gina@example.com" if provider == "google" else "octo@example.com"
    user = User.objects.get(email=email)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.display_name == ("Gina Reyes" if provider == "google" else "Octo Cat")
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user, email=email).verified
    assert SocialAccount.objects.filter(user=user, provider=provider).exists()
    assert Event.objects.filter(name="sign_up", user=user, properties__method=provider).exists()


@pytest.mark.parametrize("provider", ["google", "github"])
def test_returning_person_signs_into_the_same_account(client, providers_on, provider):
    mock = mock_google if provider == "google" else mock_github
    state = start_login(client, provider)
    with responses.RequestsMock() as rsps:
        mock(rsps)
        finish_login(client, provider, state)
    user = SocialAccount.objects.get(provider=provider).user
    Preferences.objects.filter(user=user).update(completed_setup=True)
    client.logout()

    state = start_login(client, provider)
    with responses.RequestsMock() as rsps:
        mock(rsps)
        response = finish_login(client, provider, state)
    assert response.status_code == 302
    assert response["Location"] == "/generate/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert User.objects.count() == 1


@pytest.mark.parametrize("provider", ["google", "github"])
def test_verified_email_of_an_existing_account_signs_into_it(client, providers_on, provider, verified_user):
    email = "gina@example.com" if provider == "google" else "octo@example.com"
    user = verified_user(email)
    state = start_login(client, provider)
    with responses.RequestsMock() as rsps:
        (mock_google if provider == "google" else mock_github)(rsps)
        response = finish_login(client, provider, state)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert User.objects.count() == 1
    assert SocialAccount.objects.get(provider=provider).user == user  # connected for next time
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # a verified owner keeps their password


def test_existing_unverified_account_is_taken_over_safely(client, providers_on):
    # Someone registered gina's address without verifying it; Google vouches for gina.
    squatter = User.objects.create_user("gina@example.com", PASSWORD)
    EmailAddress.objects.create(user=squatter, email="gina@example.com", verified=False, primary=True)
    state = start_login(client, "google")
    with responses.RequestsMock() as rsps:
        mock_google(rsps)
        response = finish_login(client, "google", state)
    squatter.refresh_from_db()
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(squatter.pk)
    assert not squatter.has_usable_password()  # whoever set the password is locked out
    assert EmailAddress.objects.get(user=squatter).verified  # Google proved gina owns it
    assert not client.login(email="gina@example.com", password=PASSWORD)


def test_unverified_provider_email_does_not_sign_into_an_existing_account(client, providers_on, verified_user):
    owner = verified_user("gina@example.com")
    state = start_login(client, "google")
    with responses.RequestsMock() as rsps:
        mock_google(rsps, verified=False)
        response = finish_login(client, "google", state)
    assert client.session.get("_auth_user_id") != str(owner.pk)
    # allauth answers as if a verification mail went out, so nobody can probe
    # which addresses have accounts; nothing is created or connected.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get(response["Location"]).status_code == 200
    assert User.objects.count() == 1
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize("provider", ["google", "github"])
def test_provider_error_shows_a_clear_page_and_creates_nobody(client, providers_on, provider):
    state = start_login(client, provider)
    with responses.RequestsMock() as rsps:
        token_url = GOOGLE_TOKEN if provider == "google" else GITHUB_TOKEN
        rsps.add(responses.POST, token_url, status=500, body="upstream broke")
        response = finish_login(client, provider, state)
    assert response.status_code == 401
    assert b"Sign-in did not work" in response.content
    assert b"no account was created" in response.content
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session


def test_denied_access_at_the_provider_is_a_cancelled_sign_in(client, providers_on):
    state = start_login(client, "github")
    response = client.get("/accounts/github/login/callback/", {"error": "access_denied", "state": state})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert not User.objects.exists()


def test_callback_with_a_forged_state_is_refused(client, providers_on):
    start_login(client, "github")
    response = client.get("/accounts/github/login/callback/", {"code": "x", "state": "forged"})
    assert response.status_code == 401
    assert not User.objects.exists()


def test_buttons_show_only_for_configured_providers(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"google": {}, "github": {}}
    page = client.get("/accounts/login/").content
    assert b"Continue with Google" not in page and b"Continue with GitHub" not in page

    settings.SOCIALACCOUNT_PROVIDERS = {"google": {}, "github": {"APPS": [{"client_id": "gh", "secret": "s", "key": ""}]}}
    page = client.get("/accounts/login/").content
    assert b"Continue with GitHub" in page and b"Continue with Google" not in page
    assert b'action="/accounts/github/login/?process=login"' in page


def test_provider_without_a_secret_stays_hidden(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"google": {"APPS": [{"client_id": "g", "secret": "", "key": ""}]}, "github": {}}
    from himig.accounts.providers import enabled_providers

    assert enabled_providers() == []


def test_github_without_a_public_email_asks_for_one(client, providers_on, mail_dir):
    state = start_login(client, "github")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, GITHUB_TOKEN, json={"access_token": "gh-token", "token_type": "bearer"})
        rsps.add(responses.GET, GITHUB_USER, json={"id": 7, "login": "quiet", "name": "Quiet One", "email": None})
        rsps.add(responses.GET, GITHUB_EMAILS, status=404)
        response = finish_login(client, "github", state)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/3rdparty/signup/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b'name="email"' in page.content
    assert not User.objects.exists()

    done = client.post("/accounts/3rdparty/signup/", {"email": "quiet@example.com"})
    assert done.status_code == 302
    user = User.objects.get(email="quiet@example.com")
    assert SocialAccount.objects.get(user=user).uid == "7"
    # An address GitHub did not vouch for must be verified by mail first.
    assert not EmailAddress.objects.get(user=user).verified
    assert len(list(mail_dir.iterdir())) == 1


def test_account_without_an_address_row_is_claimed_by_the_vouched_owner(client, providers_on):
    # e.g. made with `manage.py createsuperuser`: an email on the user, no allauth row.
    admin = User.objects.create_superuser("gina@example.com", PASSWORD)
    state = start_login(client, "google")
    with responses.RequestsMock() as rsps:
        mock_google(rsps)
        response = finish_login(client, "google", state)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)
    admin.refresh_from_db()
    assert not admin.has_usable_password()
    assert EmailAddress.objects.get(user=admin).verified
