"""People and their credentials.

A guest (someone trying Himig without an account) is a real ``User`` row with
``is_guest=True`` and no email, tied to their browser session; their tracks are
owned like anyone's, signing up claims them, and ``cleanup_guests`` removes the
ones that never signed up.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str | None, password: str | None, **extra: object) -> User:
        if email:
            email = self.normalize_email(email).lower()
        user = self.model(email=email or None, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)

    def create_guest(self) -> User:
        return self._create(None, None, is_guest=True)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True, null=True, blank=True)
    display_name = models.CharField(max_length=80, blank=True)
    is_guest = models.BooleanField(default=False, db_index=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now, db_index=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["-date_joined"]

    def __str__(self) -> str:
        return self.email or f"guest #{self.pk}"

    @property
    def name(self) -> str:
        if self.display_name:
            return self.display_name
        if self.email:
            return self.email.split("@", 1)[0]
        return "Guest"


class Preferences(models.Model):
    """Defaults that prefill Generate, chosen at profile setup."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="preferences")
    default_genre = models.CharField(max_length=20, default="auto")
    default_mood = models.CharField(max_length=20, default="auto")
    default_duration = models.PositiveSmallIntegerField(default=30)
    default_format = models.CharField(max_length=8, default="mp3")
    completed_setup = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"preferences of {self.user}"


class ApiKey(models.Model):
    """A bearer key for the JSON API. Only its SHA-256 is stored; the prefix tells keys apart."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.user.is_active
