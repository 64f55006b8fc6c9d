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


@pytest.mark.django_db
def test_the_schema_json_has_no_duplicate_keys() -> None:
    # Swagger UI parses the schema as YAML, which refuses duplicate keys (e.g. 200 and "200").
    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    import json

    json.loads(Client().get("/api/openapi.json").content, object_pairs_hook=no_duplicates)


@pytest.mark.django_db
def test_file_routes_document_their_media_types() -> None:
    paths = Client().get("/api/openapi.json").json()["paths"]
    mp3 = paths["/api/tracks/{track_id}/audio.mp3"]["get"]["responses"]
    assert "audio/mpeg" in mp3["200"]["content"] and "audio/mpeg" in mp3["206"]["content"]
    assert "application/zip" in paths["/api/tracks/{track_id}/stems.zip"]["get"]["responses"]["200"]["content"]


@pytest.mark.django_db
def test_operation_ids_are_unique_and_readable() -> None:
    paths = Client().get("/api/openapi.json").json()["paths"]
    ids = [op["operationId"] for path in paths.values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert {"generate", "list_tracks", "get_track", "health", "health_head"} <= set(ids)
