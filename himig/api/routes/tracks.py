"""The caller's tracks: list, read, change, delete, and their files.

Every rule (ownership, validation, events) lives in ``himig.studio.services``; these
views translate HTTP to those calls and their refusals to API errors.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import BaseModel, Field, field_validator

from himig.api.errors import ApiError, not_found, validation_error
from himig.api.schemas import AUDIO_KINDS, ErrorOut, StrictIn, TrackOut, track_json
from himig.studio import services
from himig.studio.files import KINDS
from himig.studio.models import Track

router = Router(tags=["tracks"])

READ_ERRORS = {401: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut,
                415: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def own_track(request: HttpRequest, track_id: str) -> Track:
    """The caller's track or a 404 (missing and someone else's look the same)."""
    try:
        return services.get_track_for(request.auth, track_id)  # type: ignore[attr-defined]
    except Track.DoesNotExist:
        raise not_found() from None


def rejected(exc: services.Rejected) -> ApiError:
    """A studio refusal as an API error: conflicts are 409, guest caps 403, bad values 422."""
    if exc.code in {"idempotency_conflict", "not_failed"}:
        return ApiError(409, exc.code, exc.message, {"field": exc.field})
    if exc.code == "guest_limit":
        return ApiError(403, exc.code, exc.message, {"field": exc.field})
    return ApiError(422, "validation_error", exc.message, {"fields": {exc.field: exc.message}})


class TrackPage(BaseModel):
    items: list[TrackOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


class TrackFilters(Schema):
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the previous page.")
    limit: int = Field(20, ge=1, le=100, description="Tracks per page (at most 100).")
    q: str | None = Field(None, max_length=200, description="Words to find in the title or prompt.")
    genre: str | None = Field(None, max_length=40)
    mood: str | None = Field(None, max_length=40)
    favorite: bool | None = Field(None, description="true: favorites only.")

    @field_validator("cursor", "q", "genre", "mood")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        # PostgreSQL cannot compare against text holding NUL; it is never a real search.
        if value is not None and "\x00" in value:
            raise ValueError("may not contain NUL characters")
        return value


@router.get("/tracks", response={200: TrackPage, 401: ErrorOut, 422: ErrorOut}, url_name="track_list")
def list_tracks(request: HttpRequest, filters: Query[TrackFilters]) -> dict[str, Any]:
    """The caller's tracks, newest first, a page at a time."""
    try:
        tracks, next_cursor = services.list_tracks(
            request.auth,  # type: ignore[attr-defined]
            q=filters.q,
            genre=filters.genre,
            mood=filters.mood,
            favorite=filters.favorite,
            cursor=filters.cursor,
            limit=filters.limit,
        )
    except services.ChangeRejected as exc:
        raise validation_error({exc.field: exc.message}) from None
    return {"items": [track_json(t, request) for t in tracks], "next_cursor": next_cursor}


@router.get("/tracks/{track_id}", response={200: TrackOut, **READ_ERRORS}, url_name="track_detail")
def get_track(request: HttpRequest, track_id: str) -> dict[str, Any]:
    """One track (the studio page polls this while it generates)."""
    return track_json(own_track(request, track_id), request)


class TrackPatch(StrictIn):
    title: str | None = Field(None, description="A new title (1–120 characters).")
    is_favorite: bool | None = None
    is_public: bool | None = Field(None, description="true makes a share link; false kills it.")


def _update(request: HttpRequest, track: Track, **changes: Any) -> dict[str, Any]:
    try:
        services.update_track(request.auth, track, **changes)  # type: ignore[attr-defined]
    except services.ChangeRejected as exc:
        raise rejected(exc) from None
    except Track.DoesNotExist:
        raise not_found() from None
    return track_json(track, request)


@router.patch("/tracks/{track_id}", response={200: TrackOut, **WRITE_ERRORS}, url_name="track_update")
def update_track(request: HttpRequest, track_id: str, payload: TrackPatch) -> dict[str, Any]:
    """Rename, favorite, or share (is_public) a track; send only the fields to change."""
    track = own_track(request, track_id)
    return _update(request, track, **payload.model_dump(exclude_unset=True, exclude_none=True))


class FavoriteIn(StrictIn):
    is_favorite: bool


@router.patch("/tracks/{track_id}/favorite", response={200: TrackOut, **WRITE_ERRORS}, url_name="track_favorite")
def favorite_track(request: HttpRequest, track_id: str, payload: FavoriteIn) -> dict[str, Any]:
    """Heart or un-heart a track."""
    return _update(request, own_track(request, track_id), is_favorite=payload.is_favorite)


@router.delete("/tracks/{track_id}", response={204: None, **WRITE_ERRORS}, url_name="track_delete")
def delete_track(request: HttpRequest, track_id: str) -> Status:
    """Delete a track and its files."""
    services.delete_track(own_track(request, track_id))
    return Status(204, None)


# --- files ----------------------------------------------------------------------

FILE_ERRORS = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 416: ErrorOut}


def _file(request: HttpRequest, track_id: str, kind: str) -> HttpResponse:
    from himig.studio.files import serve_track_file

    track = own_track(request, track_id)
    try:
        return serve_track_file(request, track, kind)
    except services.TrackNotReady as exc:
        raise ApiError(409, "track_not_ready", str(exc), {"status": track.status}) from None


def _file_docs(kind: str, what: str, *, ranges: bool = False) -> dict[str, Any]:
    """OpenAPI for a file response: its media type (from studio.files.KINDS), binary or JSON."""
    content_type = KINDS[kind][0]
    schema: dict[str, Any] = {} if content_type == "application/json" else {"type": "string", "format": "binary"}
    # Integer keys merge into ninja's own entries (string keys would duplicate them in the JSON).
    responses: dict[int, Any] = {200: {"description": what, "content": {content_type: {"schema": schema}}}}
    if ranges:
        responses[206] = {"description": "The requested byte range (Content-Range)",
                          "content": {content_type: {"schema": schema}}}
    return {"responses": responses}


def _audio_view(kind: str) -> Any:
    def view(request: HttpRequest, track_id: str) -> HttpResponse:
        return _file(request, track_id, kind)

    view.__name__ = f"track_audio_{kind}"
    view.__doc__ = f"The {kind.upper()} audio. Honours HTTP Range (206) so players can seek."
    return view


for _kind in AUDIO_KINDS:
    # GET and HEAD (players probe the size first) as two operations: operationIds must be unique.
    for _method in ("GET", "HEAD"):
        router.api_operation(
            [_method],
            f"/tracks/{{track_id}}/audio.{_kind}",
            response={200: None, 206: None, **FILE_ERRORS},
            url_name=f"track_audio_{_kind}",
            operation_id=f"track_audio_{_kind}" + ("_head" if _method == "HEAD" else ""),
            openapi_extra=_file_docs(_kind, f"The {_kind.upper()} audio", ranges=True),
        )(_audio_view(_kind))


@router.get("/tracks/{track_id}/midi", response={200: None, **FILE_ERRORS}, url_name="track_midi",
            openapi_extra=_file_docs("midi", "The score as a Standard MIDI File"))
def track_midi(request: HttpRequest, track_id: str) -> HttpResponse:
    """The score as a Standard MIDI File."""
    return _file(request, track_id, "midi")


@router.get("/tracks/{track_id}/stems.zip", response={200: None, **FILE_ERRORS}, url_name="track_stems",
            openapi_extra=_file_docs("stems", "One WAV per part, zipped"))
def track_stems(request: HttpRequest, track_id: str) -> HttpResponse:
    """Each part as its own WAV, zipped."""
    return _file(request, track_id, "stems")


@router.get("/tracks/{track_id}/peaks", response={200: None, **FILE_ERRORS}, url_name="track_peaks",
            openapi_extra=_file_docs("peaks", "Waveform peaks (JSON) for drawing the player"))
def track_peaks(request: HttpRequest, track_id: str) -> HttpResponse:
    """Waveform peaks for drawing the player."""
    return _file(request, track_id, "peaks")
