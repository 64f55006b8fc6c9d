"""HTML pages of the studio: Generate, a track, the library, the shared page.

Thin views over ``services``; another user's track answers 404 everywhere, exactly
like a missing one, because every lookup goes through ``get_track_for``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from himig.engine.request import GENRES, MOODS
from himig.ratelimit import RateLimited
from himig.studio import files, services
from himig.studio.forms import EXAMPLE_PROMPTS, FIELDS, PROMPT_TIPS, GenerateForm
from himig.studio.models import Track

STAGES: tuple[tuple[str, str], ...] = (
    ("queued", "Queued"),
    ("composing", "Composing"),
    ("rendering", "Rendering"),
    ("mastering", "Mastering"),
    ("encoding", "Encoding"),
    ("ready", "Ready"),
)
FORMAT_LABELS: tuple[tuple[str, str], ...] = (
    ("mp3", "MP3"), ("wav", "WAV"), ("flac", "FLAC"), ("ogg", "OGG"), ("midi", "MIDI"), ("stems", "Stems (zip)"),
)


# --- who is acting --------------------------------------------------------------


def acting_user(request: HttpRequest, *, create: bool = False) -> Any:
    """The signed-in user, else this session's guest (created only when ``create``), else None."""
    from himig.accounts.services import current_guest, get_or_create_guest

    if request.user.is_authenticated:
        return request.user
    return get_or_create_guest(request) if create else current_guest(request)


def _own_track(request: HttpRequest, track_id: Any) -> Track:
    try:
        return services.get_track_for(acting_user(request), track_id)
    except Track.DoesNotExist:
        raise Http404("No such track.") from None


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


# --- Generate -------------------------------------------------------------------


def _generate_context(request: HttpRequest, form: GenerateForm, user: Any) -> dict[str, Any]:
    is_guest = user is None or getattr(user, "is_guest", False)
    max_duration = settings.HIMIG_GUEST_MAX_DURATION if is_guest else form.max_duration
    fields = {
        name: {"value": str(form[name].value() or ""), "error": (form.errors.get(name) or [""])[0]}
        for name in FIELDS
    }
    try:
        duration_value = int(fields["duration"]["value"])
    except ValueError:
        duration_value = 30
    fields["duration"]["slider"] = min(max(duration_value, form.min_duration), max_duration)
    return {
        "form": form,
        "fields": fields,
        "non_field_errors": form.non_field_errors(),
        "genres": GENRES,
        "moods": MOODS,
        "examples": EXAMPLE_PROMPTS,
        "tips": PROMPT_TIPS,
        "min_duration": form.min_duration,
        "max_duration": max_duration,
        "is_guest": is_guest,
        "guest_per_day": settings.HIMIG_GUEST_TRACKS_PER_DAY,
        "advanced_open": any(fields[n]["value"] or fields[n]["error"] for n in ("tempo_bpm", "key", "instruments", "seed")),
    }


@require_http_methods(["GET", "POST"])
def generate(request: HttpRequest) -> HttpResponse:
    from himig.accounts.services import preferences_for

    if request.method == "POST":
        form = GenerateForm(request.POST)
        form.is_valid()  # all fields optional text: binds cleaned_data for the service
        user = acting_user(request)
        try:
            if user is None:
                # Validate before making a guest, so a mistyped first try leaves no guest row behind.
                services.validate_params(form.params())
                user = acting_user(request, create=True)
            track = services.request_generation(user, form.params(), source="web")
        except services.GenerationRejected as exc:
            form.add_error(None if exc.field == services.NON_FIELD or exc.field not in FIELDS else exc.field,
                           exc.message)
            return render(request, "studio/generate.html", _generate_context(request, form, user), status=400)
        except RateLimited as exc:
            minutes = max(1, round(exc.limit.retry_after / 60))
            form.add_error(None, f"You have made {exc.limit.limit} tracks in the last 15 minutes. "
                                 f"Try again in about {minutes} minute{'s' if minutes != 1 else ''}.")
            response = render(request, "studio/generate.html", _generate_context(request, form, user), status=429)
            for header, value in exc.limit.headers().items():
                response[header] = value
            return response
        return redirect("studio:track", track_id=track.pk)

    user = acting_user(request)
    prefs = preferences_for(user)
    initial = {
        "prompt": request.GET.get("prompt", "")[:500],
        "genre": request.GET.get("genre") or prefs.default_genre or "auto",
        "mood": request.GET.get("mood") or prefs.default_mood or "auto",
        "duration": str(request.GET.get("duration") or prefs.default_duration or 30),
    }
    form = GenerateForm(initial=initial)
    return render(request, "studio/generate.html", _generate_context(request, form, user))


# --- one track ------------------------------------------------------------------


def status_payload(track: Track) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(track.pk),
        "status": track.status,
        "stage": track.stage,
        "progress": round(track.progress, 3),
        "error": track.error,
        "attempts": track.attempts,
        "generation_ms": track.generation_ms,
    }
    if track.status == Track.Status.QUEUED:
        payload["queue"] = services.queue_info(track)
    return payload


def _rows(track: Track) -> list[dict[str, str]]:
    """Requested vs what the engine chose vs what was measured in the audio."""
    requested = track.metadata.get("requested") or {
        "genre": track.genre, "mood": track.mood, "tempo_bpm": track.tempo_bpm, "key": track.key,
        "instruments": track.instruments,
    }
    chosen = services.resolved_settings(track)
    delivered = track.delivered or {}

    def show(value: Any, unit: str = "") -> str:
        if value in (None, "", [], "auto"):
            return "Auto"
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if isinstance(value, float):
            value = f"{value:.1f}".rstrip("0").rstrip(".")
        return f"{value}{unit}"

    measured_tempo = delivered.get("tempo_bpm") or delivered.get("tempo")
    measured_key = delivered.get("key")
    return [
        {"label": "Genre", "requested": show(requested.get("genre")), "chosen": show(chosen["genre"]), "measured": ""},
        {"label": "Mood", "requested": show(requested.get("mood")), "chosen": show(chosen["mood"]), "measured": ""},
        {"label": "Tempo", "requested": show(requested.get("tempo_bpm"), " BPM"),
         "chosen": show(chosen["tempo_bpm"], " BPM"), "measured": show(measured_tempo, " BPM") if measured_tempo else "—"},
        {"label": "Key", "requested": show(requested.get("key")), "chosen": show(chosen["key"]),
         "measured": show(measured_key) if measured_key else "—"},
        {"label": "Instruments", "requested": show(requested.get("instruments")),
         "chosen": show(chosen["instruments"]), "measured": ""},
    ]


def _sections(track: Track) -> list[dict[str, Any]]:
    out = []
    for section in track.metadata.get("sections") or []:
        if not isinstance(section, dict):
            continue
        start = section.get("start_s", section.get("start"))
        end = section.get("end_s", section.get("end"))
        out.append({
            "name": str(section.get("name") or section.get("label") or "section"),
            "start": round(float(start), 1) if isinstance(start, int | float) else None,
            "end": round(float(end), 1) if isinstance(end, int | float) else None,
            "bars": section.get("bars"),
        })
    return out


def _share_links(request: HttpRequest, track: Track) -> dict[str, str] | None:
    if not (track.is_public and track.share_slug):
        return None
    url = request.build_absolute_uri(reverse("studio:shared", args=[track.share_slug]))
    text = f"{track.title} — made with Himig"
    return {
        "url": url,
        "text": text,
        "x": "https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": url}),
        "facebook": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        "reddit": "https://www.reddit.com/submit?" + urlencode({"url": url, "title": text}),
        "whatsapp": "https://wa.me/?text=" + quote(f"{text} {url}"),
    }


def _player(track: Track, base: str, play_url: str) -> dict[str, Any]:
    return {
        "src": f"{base}mp3",
        "peaks": f"{base}peaks" if track.files.get("peaks") else "",
        "duration": track.duration,
        "title": track.title,
        "play_url": play_url,
    }


@require_GET
def track_detail(request: HttpRequest, track_id: Any) -> HttpResponse:
    track = _own_track(request, track_id)
    base = reverse("studio:track_file", args=[track.pk, "x"])[:-1]
    context = {
        "track": track,
        "stages": STAGES,
        "status": status_payload(track),
        "status_json": json.dumps(status_payload(track)),
        "rows": _rows(track) if track.status == Track.Status.READY else [],
        "sections": _sections(track),
        "formats": FORMAT_LABELS,
        "file_base": base,
        "player": _player(track, base, reverse("studio:track_play", args=[track.pk])),
        "share": _share_links(request, track),
        "is_guest": getattr(acting_user(request), "is_guest", False),
    }
    return render(request, "studio/track.html", context)


@never_cache
@require_GET
def track_status(request: HttpRequest, track_id: Any) -> JsonResponse:
    track = _own_track(request, track_id)
    return JsonResponse(status_payload(track))


@require_http_methods(["GET", "HEAD"])
def track_file(request: HttpRequest, track_id: Any, kind: str) -> HttpResponseBase:
    track = _own_track(request, track_id)
    try:
        return files.serve_track_file(request, track, kind)
    except services.TrackNotReady as exc:
        return JsonResponse({"error": str(exc), "code": "not_ready", "details": {"status": track.status}}, status=409)


@require_POST
def track_favorite(request: HttpRequest, track_id: Any) -> HttpResponse:
    track = _own_track(request, track_id)
    wanted = request.POST.get("is_favorite")
    on = (not track.is_favorite) if wanted is None else wanted in {"1", "true", "on", "yes"}
    services.update_track(acting_user(request), track, is_favorite=on)
    if _wants_json(request):
        return JsonResponse({"id": str(track.pk), "is_favorite": track.is_favorite})
    return _back(request, reverse("studio:track", args=[track.pk]))


@require_POST
def track_rename(request: HttpRequest, track_id: Any) -> HttpResponse:
    from django.contrib import messages

    track = _own_track(request, track_id)
    try:
        services.update_track(acting_user(request), track, title=request.POST.get("title", ""))
    except services.ChangeRejected as exc:
        if _wants_json(request):
            return JsonResponse({"error": exc.message, "code": exc.code, "details": {"field": exc.field}}, status=400)
        messages.error(request, exc.message)
    else:
        if _wants_json(request):
            return JsonResponse({"id": str(track.pk), "title": track.title})
        messages.success(request, "Renamed.")
    return _back(request, reverse("studio:track", args=[track.pk]))


@require_POST
def track_share(request: HttpRequest, track_id: Any) -> HttpResponse:
    from django.contrib import messages

    track = _own_track(request, track_id)
    on = request.POST.get("is_public") in {"1", "true", "on", "yes"}
    services.update_track(acting_user(request), track, is_public=on)
    messages.success(request, "Anyone with the link can now listen." if on else "The track is private again; the old link no longer works.")
    return _back(request, reverse("studio:track", args=[track.pk]))


@require_POST
def track_retry(request: HttpRequest, track_id: Any) -> HttpResponse:
    from django.contrib import messages

    track = _own_track(request, track_id)
    try:
        services.retry_track(track)
    except services.ChangeRejected as exc:
        messages.error(request, exc.message)
    return redirect("studio:track", track_id=track.pk)


@require_POST
def track_regenerate(request: HttpRequest, track_id: Any) -> HttpResponse:
    from django.contrib import messages

    track = _own_track(request, track_id)
    variation = request.POST.get("variation") in {"1", "true", "on", "yes"}
    try:
        new = services.regenerate(acting_user(request), track, variation=variation)
    except services.GenerationRejected as exc:
        messages.error(request, exc.message)
        return redirect("studio:track", track_id=track.pk)
    except RateLimited as exc:
        messages.error(request, f"Too many tracks in 15 minutes: try again in about {max(1, round(exc.limit.retry_after / 60))} min.")
        return redirect("studio:track", track_id=track.pk)
    return redirect("studio:track", track_id=new.pk)


@require_POST
def track_delete(request: HttpRequest, track_id: Any) -> HttpResponse:
    from django.contrib import messages

    track = _own_track(request, track_id)
    title = track.title
    services.delete_track(track)
    if _wants_json(request):
        return JsonResponse({"deleted": True})
    messages.success(request, f"Deleted “{title}”.")
    return redirect("studio:library")


@require_POST
def track_play(request: HttpRequest, track_id: Any) -> HttpResponse:
    track = _own_track(request, track_id)
    if _first_play(request, track):
        services.count_play(track, acting_user(request))
    return HttpResponse(status=204)


def _first_play(request: HttpRequest, track: Track) -> bool:
    """One counted play per visitor (address) and track per 10 minutes, so pings cannot inflate counts."""
    from django.core.cache import cache

    visitor = request.META.get("REMOTE_ADDR", "") or "unknown"
    # add() only succeeds for the first ping in the window (not a rate-limit refusal, so no event).
    return bool(cache.add(f"played:{track.pk}:{visitor}", 1, timeout=600))


# --- library --------------------------------------------------------------------


def _card_facts(track: Track) -> str:
    """“75 BPM (asked: auto, measured 74.9) · E major” — requested vs delivered, in one line."""
    if track.status != Track.Status.READY:
        return ""
    chosen = services.resolved_settings(track)
    measured = track.delivered or {}
    parts = []
    if chosen["tempo_bpm"]:
        tempo = f"{round(float(chosen['tempo_bpm']))} BPM"
        notes = [f"asked {track.tempo_bpm}" if track.tempo_bpm else "asked: auto"]
        if measured.get("tempo_bpm"):
            notes.append(f"measured {float(measured['tempo_bpm']):.1f}")
        parts.append(f"{tempo} ({', '.join(notes)})")
    if chosen["key"]:
        key = str(chosen["key"])
        notes = [f"asked {track.key}" if track.key else "asked: auto"]
        if measured.get("key"):
            notes.append(f"measured {measured['key']}")
        parts.append(f"{key} ({', '.join(notes)})")
    return " · ".join(parts)


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    q = request.GET.get("q", "").strip()[:200]
    genre = request.GET.get("genre", "")
    mood = request.GET.get("mood", "")
    favorite = request.GET.get("favorite") in {"1", "true", "on"}
    cursor = request.GET.get("cursor") or None
    tracks: list[Track] = []
    next_cursor = None
    error = ""
    if user is not None:
        try:
            tracks, next_cursor = services.list_tracks(
                user, q=q or None, genre=genre if genre in GENRES else None,
                mood=mood if mood in MOODS else None, favorite=favorite or None, cursor=cursor, limit=20,
            )
        except services.ChangeRejected as exc:
            error = exc.message
    filters = {k: v for k, v in {"q": q, "genre": genre, "mood": mood, "favorite": "1" if favorite else ""}.items() if v}
    next_url = f"?{urlencode({**filters, 'cursor': next_cursor})}" if next_cursor else ""
    items = []
    for track in tracks:
        base = reverse("studio:track_file", args=[track.pk, "x"])[:-1]
        items.append({"track": track, "file_base": base, "facts": _card_facts(track),
                      "player": _player(track, base, reverse("studio:track_play", args=[track.pk]))})
    return render(request, "studio/library.html", {
        "items": items,
        "next_url": next_url,
        "first_url": f"?{urlencode(filters)}" if filters else "?",
        "is_paged": bool(cursor),
        "filters": filters,
        "q": q, "genre": genre, "mood": mood, "favorite": favorite,
        "genres": GENRES, "moods": MOODS,
        "formats": FORMAT_LABELS,
        "error": error,
        "has_any": user is not None and Track.objects.filter(user=user).exists(),
    })


# --- shared tracks --------------------------------------------------------------


def _shared(slug: str) -> Track:
    try:
        return services.get_public_track(slug)
    except Track.DoesNotExist:
        raise Http404("No such shared track.") from None


@require_GET
def shared(request: HttpRequest, slug: str) -> HttpResponse:
    track = _shared(slug)
    if track.status != Track.Status.READY:
        raise Http404("This track is not ready.")
    base = reverse("studio:shared_file", args=[slug, "x"])[:-1]
    description = f"{services.resolved_settings(track)['genre']} · {services.resolved_settings(track)['mood']} · " \
                  f"{track.duration} s — “{track.prompt[:180]}”"
    return render(request, "studio/shared.html", {
        "track": track,
        "file_base": base,
        "player": _player(track, base, reverse("studio:shared_play", args=[slug])),
        "share": _share_links(request, track),
        "description": description,
        "audio_url": request.build_absolute_uri(f"{base}mp3"),
        "image_url": request.build_absolute_uri(reverse("studio:shared_image", args=[slug])),
        "page_url": request.build_absolute_uri(reverse("studio:shared", args=[slug])),
        "is_owner": getattr(acting_user(request), "pk", None) == track.user_id,
        "formats": FORMAT_LABELS[:1],
    })


@require_http_methods(["GET", "HEAD"])
def shared_file(request: HttpRequest, slug: str, kind: str) -> HttpResponseBase:
    track = _shared(slug)
    # Listeners get the player's files and an MP3 download; the rest stays with the owner.
    if kind not in {"mp3", "peaks"}:
        raise Http404("No such file.")
    try:
        return files.serve_track_file(request, track, kind)
    except services.TrackNotReady:
        raise Http404("This track is not ready.") from None


@require_GET
def shared_image(request: HttpRequest, slug: str) -> HttpResponse:
    from himig.studio.cards import share_card_png

    track = _shared(slug)
    response = HttpResponse(share_card_png(track), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_POST
def shared_play(request: HttpRequest, slug: str) -> HttpResponse:
    track = _shared(slug)
    if _first_play(request, track):
        services.count_play(track, acting_user(request))
    return HttpResponse(status=204)
