"""Settings pages for API keys (mounted at /settings/api-keys/)."""

from django.urls import path

from himig.api import views

urlpatterns = [
    path("", views.api_keys, name="api_keys"),
    path("<int:key_id>/revoke", views.revoke, name="api_key_revoke"),
]
