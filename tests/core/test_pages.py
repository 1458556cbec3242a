"""Pages load nothing from elsewhere and keep to the base layout's landmarks."""

import re

import pytest


@pytest.mark.parametrize("path", ["/", "/login", "/e/varkonferensen-2027/",
                                  "/e/varkonferensen-2027/programme",
                                  "/e/varkonferensen-2027/register"])
def test_public_pages_are_self_contained(client, conference, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', html), "loads from another host"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<main" in html and "<header" in html and "<nav" in html
    assert 'href="#main"' in html


def test_static_css_and_js_are_served(client):
    assert client.get("/static/css/samla.css").status_code == 200
    assert client.get("/static/js/scanner.js").status_code == 200
