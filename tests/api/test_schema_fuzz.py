"""Schema-driven fuzzing: schemathesis generates requests from the served OpenAPI schema.

Every operation gets a bounded number of positive and negative cases, signed in with
a real key and, half the time, pointed at a real finished track so the file, patch and
delete routes do real work. Asserted: no 5xx, and every response matches the schema
(status code documented, content type, body shape).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from himig.studio.models import Track

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Per operation: enough to reach every branch of our validation, small enough for `make test`
# on a shared two-core machine (the whole fuzz takes about a minute and a half).
EXAMPLES_PER_OPERATION = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}


@pytest.fixture
def schema(db: None) -> Any:
    # As Django's test client does: the end of a request must not close the test's
    # database connection (it holds the test transaction; on PostgreSQL it would go).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def test_the_schema_is_served_and_lists_every_route(schema: Any) -> None:
    paths = set(schema.raw_schema["paths"])
    assert {"/api/generate", "/api/tracks", "/api/tracks/{track_id}", "/api/tracks/{track_id}/favorite",
            "/api/tracks/{track_id}/audio.mp3", "/api/tracks/{track_id}/midi", "/api/tracks/{track_id}/stems.zip",
            "/api/genres", "/api/moods", "/api/me", "/api/health", "/api/db-health"} <= paths


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzz_every_operation(schema: Any, user, api_key: str, track_factory, settings: Any, mode) -> None:
    # Limits would turn most of the run into 429s; they have their own tests.
    settings.HIMIG_RATE_API_WRITES = 10**6
    settings.HIMIG_RATE_GENERATE = 10**6
    # identity: the WSGI test transport does not undo the site's gzip of JSON responses.
    auth = {"Authorization": f"Bearer {api_key}", "Accept-Encoding": "identity"}
    ready = {"track": track_factory(user)}

    def a_real_track() -> str:
        if not Track.objects.filter(pk=ready["track"].pk).exists():  # a fuzzed DELETE took it
            ready["track"] = track_factory(user)
        return str(ready["track"].pk)

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 16
    fuzzed = 0
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode), use_real_track=st.booleans())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION[mode],
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any, use_real_track: bool) -> None:
            if use_real_track and "track_id" in (case.path_parameters or {}):
                case.path_parameters["track_id"] = a_real_track()
            if isinstance(case.body, dict) and isinstance(case.body.get("wait"), int):
                case.body["wait"] = 0  # waiting is tested on its own; here it would only sleep
            case.call_and_validate(headers=auth, checks=CHECKS)

        try:
            run()
        except Unsatisfiable:
            # Nothing to make invalid (no parameters, no body): only positive cases exist.
            assert mode == GenerationMode.NEGATIVE and not operation.path_parameters and not operation.body
            continue
        fuzzed += 1
    assert fuzzed >= (16 if mode == GenerationMode.POSITIVE else 10)
