"""Sign-up with email, verification by the mail file, sign-in, password reset, rate limits."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from himig.accounts.models import Preferences, User
from himig.ops.models import Event

from .conftest import PASSWORD, find_link, read_mails

pytestmark = pytest.mark.django_db


def signup(client, email: str = "new@example.com", password: str = PASSWORD):
    return client.post("/accounts/signup/", {"email": email, "password1": password, "password2": password})


def test_signup_sends_verification_mail_and_confirming_signs_in(client, mail_dir, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, "New.Person@Example.com")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="new.person@example.com")
    assert not user.is_guest
    assert "_auth_user_id" not in client.session  # not signed in before verifying
    assert Event.objects.filter(name="sign_up", user=user, properties__method="email").exists()

    mails = read_mails(mail_dir)
    assert len(mails) == 1
    assert "new.person@example.com" in mails[0]
    assert "Himig" in mails[0] and "example.com!" not in mails[0]
    link = find_link(mails[0], r"/accounts/confirm-email/[^\s]+/")

    page = client.get(link)
    assert page.status_code == 200
    assert b"Confirm" in page.content
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/settings/profile-setup/"  # first sign-in sets up the profile
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)


def test_verified_user_can_sign_in_again(client, verified_user):
    user = verified_user()
    Preferences.objects.create(user=user, completed_setup=True)
    response = client.post("/accounts/login/", {"login": "DANA@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/generate/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_unverified_account_cannot_sign_in(client, mail_dir):
    signup(client, "unverified@example.com")
    client.logout()
    response = client.post("/accounts/login/", {"login": "unverified@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    # allauth resends the verification mail only after a 3-minute cooldown.
    assert len(read_mails(mail_dir)) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "", "password1": PASSWORD, "password2": PASSWORD}, b"This field is required."),
        ({"email": "not-an-email", "password1": PASSWORD, "password2": PASSWORD}, b"Enter a valid email address."),
        ({"email": "x@example.com", "password1": PASSWORD, "password2": PASSWORD + "x"}, b"same password"),
        ({"email": "x@example.com", "password1": "short", "password2": "short"}, b"too short"),
    ],
)
def test_signup_rejects_bad_input_with_a_message(client, data, message):
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 200
    assert message in response.content
    assert b'aria-invalid="true"' in response.content
    assert not User.objects.exists()


def test_signup_with_a_taken_email_creates_no_second_account(client, verified_user, mail_dir):
    verified_user("dana@example.com")
    signup(client, "Dana@Example.com")
    assert User.objects.filter(email="dana@example.com").count() == 1


def test_password_reset_mail_and_new_password_works(client, verified_user, mail_dir):
    verified_user()
    response = client.post("/accounts/password/reset/", {"email": "dana@example.com"})
    assert response.status_code == 302
    mails = read_mails(mail_dir)
    assert len(mails) == 1
    link = find_link(mails[0], r"/accounts/password/reset/key/[^\s]+/")
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(action, {"password1": "another-long-tune-5", "password2": "another-long-tune-5"})
    assert done.status_code == 302
    assert client.login(email="dana@example.com", password="another-long-tune-5")


def test_sixth_failed_sign_in_is_refused_even_with_the_right_password(client, verified_user):
    verified_user()
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "dana@example.com", "password": "wrong-password"})
        assert response.status_code == 200
        assert b"not correct" in response.content
    response = client.post("/accounts/login/", {"login": "dana@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_failed_sign_ins_from_one_ip_are_limited_across_accounts(client, verified_user):
    for i in range(5):
        client.post("/accounts/login/", {"login": f"nobody{i}@example.com", "password": "wrong"})
    verified_user()
    response = client.post("/accounts/login/", {"login": "dana@example.com", "password": PASSWORD})
    assert b"Too many failed login attempts" in response.content


def test_sign_out_is_a_post(client, verified_user):
    user = verified_user()
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_signed_in_pages_render_for_email_and_password_changes(client, verified_user):
    client.force_login(verified_user())
    for url in ("/accounts/email/", "/accounts/password/change/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'class="settings-nav"' in response.content


def test_changing_email_verifies_the_new_address_first(client, verified_user, mail_dir):
    user = verified_user()
    client.force_login(user)
    response = client.post("/accounts/email/", {"action_add": "", "email": "dana.new@example.com"})
    assert response.status_code == 302
    mails = read_mails(mail_dir)
    assert len(mails) == 1 and "dana.new@example.com" in mails[0]
    page = client.get("/accounts/email/")
    assert b"Changing to" in page.content and b"dana.new@example.com" in page.content
    assert b"style=" not in page.content  # allauth's inline style is gone (CSP)
    link = find_link(mails[0], r"/accounts/confirm-email/[^\s]+/")
    client.post(link)
    user.refresh_from_db()
    assert user.email == "dana.new@example.com"
    assert EmailAddress.objects.get(user=user).email == "dana.new@example.com"


def test_changing_password_needs_the_old_one(client, verified_user):
    user = verified_user()
    client.force_login(user)
    wrong = client.post("/accounts/password/change/", {"oldpassword": "nope", "password1": "fresh-tune-77", "password2": "fresh-tune-77"})
    assert wrong.status_code == 200 and b"aria-invalid" in wrong.content
    ok = client.post("/accounts/password/change/", {"oldpassword": PASSWORD, "password1": "fresh-tune-77", "password2": "fresh-tune-77"})
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.check_password("fresh-tune-77")


def test_too_many_sign_ups_from_one_address_get_a_429_page(client, settings, mail_dir):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/h/ip"}
    signup(client, "first@example.com")
    client.logout()
    response = signup(client, "second@example.com")
    assert response.status_code == 429
    assert b"Slow down a little" in response.content
    assert not User.objects.filter(email="second@example.com").exists()
