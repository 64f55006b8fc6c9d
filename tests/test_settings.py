import pytest

from himig.conf import ConfigError, envbool, envint


def test_envbool_refuses_garbage(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ConfigError):
        envbool("X_FLAG", False)


def test_envint_reads_and_checks_minimum(monkeypatch):
    monkeypatch.setenv("X_INT", "7")
    assert envint("X_INT", 1) == 7
    with pytest.raises(ConfigError):
        envint("X_INT", 1, minimum=10)


@pytest.mark.django_db
def test_migrations_apply_and_user_model_is_email_keyed(django_user_model):
    user = django_user_model.objects.create_user("Someone@Example.com", "pw-123456789")
    assert user.email == "someone@example.com"
    assert django_user_model.USERNAME_FIELD == "email"
