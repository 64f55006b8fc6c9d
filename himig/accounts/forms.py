"""Profile and preference forms (profile setup and the settings page share them)."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms

from himig.accounts.models import Preferences, User
from himig.engine.request import AUDIO_FORMATS, GENRES, MAX_DURATION, MIN_DURATION, MOODS

DOWNLOAD_FORMATS: tuple[tuple[str, str], ...] = (
    *((fmt, fmt.upper()) for fmt in AUDIO_FORMATS),
    ("midi", "MIDI"),
    ("stems", "Stems (ZIP of WAVs)"),
)
GENRE_CHOICES = [("auto", "Auto (from the prompt)"), *((g, g) for g in GENRES)]
MOOD_CHOICES = [("auto", "Auto (from the prompt)"), *((m, m) for m in MOODS)]


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label="Display name",
        max_length=80,
        required=False,
        help_text="How Himig addresses you. Leave it empty to use the first part of your email address.",
    )
    default_genre = forms.ChoiceField(label="Default genre", choices=GENRE_CHOICES)
    default_mood = forms.ChoiceField(label="Default mood", choices=MOOD_CHOICES)
    default_duration = forms.IntegerField(
        label="Default length",
        min_value=MIN_DURATION,
        max_value=MAX_DURATION,
        help_text=f"{MIN_DURATION}–{MAX_DURATION} seconds, in steps of 5.",
        # A slider like Generate's; app.js mirrors its value into the <output> beside it.
        widget=forms.NumberInput(
            attrs={
                "type": "range",
                "step": 5,
                "min": MIN_DURATION,
                "max": MAX_DURATION,
                "data-output": "id_default_duration-value",
            }
        ),
        error_messages={"invalid": "Enter the length as a whole number of seconds, e.g. 30."},
    )
    default_format = forms.ChoiceField(label="Default download format", choices=DOWNLOAD_FORMATS)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        prefs, _ = Preferences.objects.get_or_create(user=user)
        self.preferences = prefs
        kwargs.setdefault(
            "initial",
            {
                "display_name": user.display_name,
                "default_genre": prefs.default_genre,
                "default_mood": prefs.default_mood,
                "default_duration": prefs.default_duration,
                "default_format": prefs.default_format,
            },
        )
        super().__init__(*args, **kwargs)

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if any(ch in name for ch in "<>"):
            raise forms.ValidationError("A display name cannot contain < or >.")
        return name

    def clean_default_duration(self) -> int:
        value = int(self.cleaned_data["default_duration"])
        if value % 5:
            raise forms.ValidationError(f"Pick a length in steps of 5 seconds, e.g. {value - value % 5} or {value - value % 5 + 5}.")
        return value

    def save(self, *, completed_setup: bool = True) -> Preferences:
        data = self.cleaned_data
        self.user.display_name = data["display_name"]
        self.user.save(update_fields=["display_name"])
        prefs = self.preferences
        prefs.default_genre = data["default_genre"]
        prefs.default_mood = data["default_mood"]
        prefs.default_duration = data["default_duration"]
        prefs.default_format = data["default_format"]
        prefs.completed_setup = prefs.completed_setup or completed_setup
        prefs.save()
        return prefs


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form with Himig's wording."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"
