"""The whole API against its own OpenAPI schema (/api/schema/), by schemathesis.

In-process through the WSGI app, on the PostgreSQL test database with the demo
borough, as the probation practitioner holding an API token. For every
operation: requests that fit the schema (positive) and requests that break it
(negative), once with random ids and once with the id of a record the
practitioner can see, so details and writes are exercised too. Bounded and
deterministic: a fixed number of examples per operation, derandomized.

What must hold (docs/api.md): no 5xx, every response matches the schema's
description of it, and every request that breaks the schema is refused with a
4xx (a bad filter value is a 400, not silently ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
)
from werkzeug.test import Client as WerkzeugClient

CHECKS = [not_a_server_error, response_schema_conformance, negative_data_rejection]
EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 3}


@contextmanager
def _in_test_transaction() -> Iterator[None]:
    """Requests through the WSGI handler would close the test's connection
    (close_old_connections), ending its transaction: Django's test client
    disconnects the same signals."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _collection_of(path: str, name: str) -> str:
    if name == "person_id":
        return "/api/v1/people/"
    if name == "referral_id":
        return "/api/v1/pathways/referrals/"
    return path.split("{")[0]


def _visible_ids(
    app: Any, operations: list[Any], headers: dict[str, str]
) -> dict[tuple[str, str], int]:
    """For each path parameter, the id of a record the practitioner can see."""
    client = WerkzeugClient(app)
    found: dict[tuple[str, str], int] = {}
    for operation in operations:
        for name in re.findall(r"{(\w+)}", operation.path):
            response = client.get(_collection_of(operation.path, name), headers=headers)
            body = response.json
            rows = body["results"] if isinstance(body, dict) else body
            if rows:
                found[(operation.path, name)] = rows[0]["id"]
    return found


def test_the_api_keeps_to_its_schema(demo, token_for):
    headers = {"Authorization": f"Bearer {token_for('probation')}"}
    failures: list[str] = []
    cases = 0
    with _in_test_transaction():
        app = get_wsgi_application()
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app, headers=headers)
        operations = [result.ok() for result in schema.get_all_operations()]
        ids = _visible_ids(app, operations, headers)
        for operation in operations:
            names = re.findall(r"{(\w+)}", operation.path)
            real = {n: ids[(operation.path, n)] for n in names if (operation.path, n) in ids}
            variants = [None, real] if names and real else [None]
            for mode, examples in EXAMPLES.items():
                for path_parameters in variants:
                    strategy = operation.as_strategy(
                        generation_mode=mode, path_parameters=path_parameters
                    )

                    @given(case=strategy)
                    @settings(
                        max_examples=examples,
                        derandomize=True,
                        database=None,
                        deadline=None,
                        phases=[Phase.explicit, Phase.generate],
                        suppress_health_check=list(HealthCheck),
                    )
                    def run(case: Any) -> None:
                        nonlocal cases
                        cases += 1
                        case.call_and_validate(headers=headers, checks=CHECKS)

                    try:
                        run()
                    except (Exception, BaseExceptionGroup) as failure:  # every failure reported
                        failures.append(f"{operation.label} [{mode}]: {failure}")
    print(f"{len(operations)} operations, {cases} cases")
    assert not failures, "\n\n".join(failures)
