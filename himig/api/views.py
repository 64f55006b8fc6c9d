"""Settings → API keys: create (the key is shown once), list, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from himig.api.services import create_api_key, list_api_keys, revoke_api_key

MAX_ACTIVE_KEYS = 20


class NewKeyForm(forms.Form):
    name = forms.CharField(
        label="Key name",
        max_length=80,
        help_text="Where it will be used, e.g. “my video editor plugin”.",
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the key a name so you can tell it apart later.")
        return name


def _guest(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_guest", False))


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    if _guest(request):
        return HttpResponseRedirect("/")
    user = request.user
    new_key: str | None = None
    if request.method == "POST":
        form = NewKeyForm(request.POST)
        active = sum(1 for key in list_api_keys(user) if key.revoked_at is None)  # type: ignore[arg-type]
        if active >= MAX_ACTIVE_KEYS:
            form.add_error(None, f"You have {active} active keys; revoke one before making another.")
        if form.is_valid():
            key, new_key = create_api_key(user, form.cleaned_data["name"])  # type: ignore[arg-type]
            form = NewKeyForm()
            # Rendered, not redirected: the raw key exists only in this response.
    else:
        form = NewKeyForm()
    response = render(
        request,
        "api/api_keys.html",
        {"form": form, "keys": list_api_keys(user), "new_key": new_key},  # type: ignore[arg-type]
    )
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    if revoke_api_key(request.user, key_id):  # type: ignore[arg-type]
        messages.success(request, "Key revoked: requests using it now get 401.")
    else:
        messages.error(request, "That key was not found or is already revoked.")
    return HttpResponseRedirect("/settings/api-keys/")
