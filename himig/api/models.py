"""Rate-limit counters for the embedded default (the database cache cannot count atomically)."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """One fixed window of one limit for one caller: ``rl:<scope>:<ident>:<window start>``.

    Django's DatabaseCache implements ``incr`` as read-then-write, so two processes
    can both read 9 and both write 10. Here the increment is a single
    ``UPDATE … SET count = count + n``, which the database serialises.
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key} = {self.count}"
