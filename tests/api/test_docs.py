from __future__ import annotations

import pytest
from django.test import Client, override_settings

PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.mark.django_db
def test_openapi_schema_is_served() -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Himig API"
    generate = schema["paths"]["/api/generate"]["post"]
    assert {"200", "202", "401", "409", "413", "415", "422", "429"} <= set(generate["responses"])
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


@pytest.mark.django_db
@override_settings(STORAGES=PLAIN_STATIC)
def test_the_docs_page_loads_swagger_from_our_own_static_files() -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui-init.js" in html
    # Offline and under the CSP (script-src 'self'): no CDN, no inline executable script.
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert "<script>" not in html


def test_swagger_assets_are_shipped() -> None:
    from django.contrib.staticfiles import finders

    for name in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        assert finders.find(name), name
