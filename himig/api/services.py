"""API keys: creation (the raw key is returned once, never stored) and verification."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from himig.accounts.models import ApiKey, User
from himig.ops.events import record_event

KEY_PREFIX = "hm_"
MAX_KEY_LENGTH = 128  # anything longer is not one of ours; refuse before hashing
# last_used_at is written at most this often per key, so busy keys cost no write per request.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_key(user: User, name: str) -> tuple[ApiKey, str]:
    """Make a key for ``user``; returns the row and the raw key, which is shown once and then lost."""
    name = " ".join(name.split())[:80] or "API key"
    for _ in range(5):
        # "hm_" + 8 hex digits is the visible prefix that tells keys apart; 32 random bytes follow.
        prefix = KEY_PREFIX + secrets.token_hex(4)
        raw = f"{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(user=user, name=name, prefix=prefix, key_hash=hash_key(raw))
        except IntegrityError:  # a prefix collision (1 in 4 billion): draw again
            continue
        record_event("api_key_created", user=user, prefix=prefix)
        return key, raw
    raise RuntimeError("could not draw a unique API key prefix")


def authenticate_key(raw: str) -> ApiKey | None:
    """The active key ``raw`` names, or ``None`` (unknown, revoked, or its user disabled)."""
    raw = raw.strip()
    if not raw.startswith(KEY_PREFIX) or len(raw) > MAX_KEY_LENGTH:
        return None
    try:
        key = ApiKey.objects.select_related("user").get(key_hash=hash_key(raw))
    except ApiKey.DoesNotExist:
        return None
    if key.revoked_at is not None or not key.user.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        # A conditional UPDATE, not save(): no lost writes, no signal, one statement.
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def revoke_api_key(user: User, key_id: int) -> bool:
    """Revoke one of ``user``'s keys; ``False`` if it is not theirs or already revoked."""
    return bool(
        ApiKey.objects.filter(pk=key_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def list_api_keys(user: User) -> list[ApiKey]:
    return list(ApiKey.objects.filter(user=user).order_by("-created_at"))
