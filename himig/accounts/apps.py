from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "himig.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from himig.accounts import signals  # noqa: F401  (connects the receivers)
