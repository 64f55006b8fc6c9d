"""The Generate form: binds and re-displays what was typed; the rules live in services.

Every field is plain text here on purpose, so the one validator
(``services.validate_params`` → ``GenerationRequest.create``) decides and its
message appears next to the field it concerns.
"""

from __future__ import annotations

from typing import Any

from django import forms

from himig.engine.request import GENRES, MAX_DURATION, MIN_DURATION, MOODS

EXAMPLE_PROMPTS: tuple[str, ...] = (
    "Upbeat acoustic guitar and light percussion for a cooking video",
    "Calm lo-fi piano for studying, soft and warm",
    "Epic cinematic trailer with big drums and strings, slow build",
    "High-energy electronic workout track at 128 bpm with a drop",
    "Peaceful ambient pads for meditation, loopable",
    "Romantic jazz trio with brushed drums and upright bass",
)

PROMPT_TIPS: tuple[tuple[str, str], ...] = (
    ("Be descriptive", "Say what the music is for and how it should feel: “warm, nostalgic, unhurried”."),
    ("Add context", "Mention the use: “for a cooking video”, “workout”, “study session”, “game menu”, “trailer”."),
    ("Name instruments", "For example “acoustic guitar”, “piano”, “strings”, “808”; “no drums” is honoured too."),
    ("Say the energy level", "“Relaxing”, “building”, “high-energy”, “intense”, or a tempo like “90 bpm”."),
)

FIELDS = ("prompt", "genre", "mood", "duration", "tempo_bpm", "key", "instruments", "seed")


class GenerateForm(forms.Form):
    prompt = forms.CharField(required=False, strip=False)
    genre = forms.CharField(required=False)
    mood = forms.CharField(required=False)
    duration = forms.CharField(required=False)
    tempo_bpm = forms.CharField(required=False)
    key = forms.CharField(required=False)
    instruments = forms.CharField(required=False)
    seed = forms.CharField(required=False)

    genre_choices = ("auto", *GENRES)
    mood_choices = ("auto", *MOODS)
    min_duration = MIN_DURATION
    max_duration = MAX_DURATION

    def params(self) -> dict[str, Any]:
        """The submitted values as the service expects them (blank optional fields → None)."""
        data = self.cleaned_data
        params: dict[str, Any] = {"prompt": data.get("prompt", ""), "duration": data.get("duration", "")}
        for name in ("genre", "mood", "tempo_bpm", "key", "seed"):
            value = (data.get(name) or "").strip()
            params[name] = value or None
        instruments = [part.strip() for part in (data.get("instruments") or "").split(",") if part.strip()]
        params["instruments"] = instruments or None
        return params

    def value(self, name: str) -> str:
        return str(self[name].value() or "")

    def field_error(self, name: str) -> str:
        errors = self.errors.get(name)
        return str(errors[0]) if errors else ""
