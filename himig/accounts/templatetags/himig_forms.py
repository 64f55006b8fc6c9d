"""Accessible form rendering: label, widget, help text and inline error, wired together.

Usage: ``{% load himig_forms %}{% form_field form.prompt %}`` renders one field
group; ``{% field_widget form.prompt class="big" %}`` renders just the widget with
``aria-invalid``/``aria-describedby`` set, for custom layouts.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


def _described_by(field: BoundField) -> list[str]:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-help")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return ids


@register.simple_tag
def field_widget(field: BoundField, **attrs: Any) -> SafeString:
    widget_attrs = dict(attrs)
    ids = _described_by(field)
    if ids:
        widget_attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        widget_attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=widget_attrs)


@register.inclusion_tag("accounts/_field.html")
def form_field(field: BoundField, **attrs: Any) -> dict[str, Any]:
    input_type = getattr(field.field.widget, "input_type", "")
    return {
        "is_range": input_type == "range",
        "field": field,
        "attrs": attrs,
        "is_check": input_type in ("checkbox", "radio") and not getattr(field.field.widget, "allow_multiple_selected", False),
    }
