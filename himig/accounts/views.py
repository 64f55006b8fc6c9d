"""Pages of the accounts side: home, help, profile setup and settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from himig.accounts.forms import ProfileForm
from himig.accounts.services import preferences_for
from himig.engine.request import GENRES, MAX_DURATION, MAX_PROMPT, MIN_DURATION, MOODS
from himig.ops.events import record_event

EXAMPLE_PROMPTS = (
    "Upbeat acoustic guitar and claps for a cooking video",
    "Calm lo-fi piano for studying, slow and warm",
    "Epic cinematic trailer with big drums and strings, slow build",
    "High-energy electronic workout track at 128 bpm",
    "Peaceful ambient pads for meditation, loopable",
    "Sad jazz ballad with soft piano and brushed drums",
)


def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: with hashed static names the URL is only known once collected.
    return HttpResponsePermanentRedirect(static("icons/icon-32.png"))


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"examples": EXAMPLE_PROMPTS, "max_prompt": MAX_PROMPT})


def help_page(request: HttpRequest) -> HttpResponse:
    context = {
        "genres": GENRES,
        "moods": MOODS,
        "examples": EXAMPLE_PROMPTS,
        "min_duration": MIN_DURATION,
        "max_duration": MAX_DURATION,
        "max_prompt": MAX_PROMPT,
        "guest_tracks": settings.HIMIG_GUEST_TRACKS_PER_DAY,
        "guest_duration": settings.HIMIG_GUEST_MAX_DURATION,
        "rate_generate": settings.HIMIG_RATE_GENERATE,
    }
    return render(request, "help.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next") or "/generate/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = "/generate/"
    if request.method == "POST":
        form = ProfileForm(request.POST, user=user)  # type: ignore[arg-type]
        if form.is_valid():
            first_time = not form.preferences.completed_setup
            form.save(completed_setup=True)
            if first_time:
                record_event("profile_setup_completed", user=user)
            messages.success(request, "Your profile is set. Describe the music you need.")
            return HttpResponseRedirect(next_url)
    else:
        form = ProfileForm(user=user)  # type: ignore[arg-type]
    return render(request, "accounts/profile_setup.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, user=user)  # type: ignore[arg-type]
        if form.is_valid():
            form.save(completed_setup=True)
            messages.success(request, "Settings saved.")
            return HttpResponseRedirect("/settings/")
    else:
        form = ProfileForm(user=user)  # type: ignore[arg-type]
    context = {
        "form": form,
        "preferences": preferences_for(user),
        "social_accounts": list(user.socialaccount_set.all()),  # type: ignore[union-attr]
    }
    return render(request, "accounts/settings.html", context)
