"""The fixed vocabularies a request may use: ``/api/genres`` and ``/api/moods``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from himig.engine.request import GENRES, MOODS

router = Router(tags=["catalog"])


@router.get("/genres", response=list[str], auth=None, url_name="genres")
def genres(request: HttpRequest) -> list[str]:
    """Genres a request may name (case-insensitive); 'auto' or omitted means inferred from the prompt."""
    return list(GENRES)


@router.get("/moods", response=list[str], auth=None, url_name="moods")
def moods(request: HttpRequest) -> list[str]:
    """Moods a request may name (case-insensitive); 'auto' or omitted means inferred from the prompt."""
    return list(MOODS)
