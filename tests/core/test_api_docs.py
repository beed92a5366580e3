"""The API documentation page (/api/docs/): Swagger UI from our own static
files, under the same Content-Security-Policy as every page, signed-in only."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_signed_in_user_gets_swagger_ui_from_our_static_files(sign_in, borough):
    response = sign_in("probation").get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sidecar = "/static/drf_spectacular_sidecar/swagger-ui-dist/"
    assert f'<script src="{sidecar}swagger-ui-bundle.js">' in html
    assert f'<link rel="stylesheet" href="{sidecar}swagger-ui.css">' in html
    # Nothing from elsewhere, and nothing inline for the CSP to refuse.
    assert not re.search(r'(src|href)="(https?:)?//', html), "a file from another site"
    assert "cdn" not in html.lower()
    assert "<style" not in html
    assert re.findall(r"<script[^>]*>", html) == [
        f'<script src="{sidecar}swagger-ui-bundle.js">',
        f'<script src="{sidecar}swagger-ui-standalone-preset.js">',
        '<script src="/api/docs/?script=">',
    ]
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    for path in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert finders.find(path), f"{path} is not one of our static files"


def test_the_start_up_script_is_a_file_that_loads_our_schema(sign_in, borough):
    response = sign_in("probation").get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/schema/"' in response.content.decode()


def test_signed_out_browsers_are_sent_to_sign_in(client, borough):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/api/docs/"
    assert client.get("/api/docs/?script=").status_code == 302
