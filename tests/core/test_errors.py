"""Errors speak the visitor's language, say what to do, and never leak a bare 500."""

import pytest

from app.extensions import limiter


def test_404_in_swedish_and_english(client):
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)
    client.get("/language/en")
    assert "Page not found" in client.get("/finns-inte").get_data(as_text=True)


def test_unknown_links_give_404(client, conference):
    for path in ("/r/nonsense", "/r/nonsense/badge.pdf", "/s/nonsense", "/e/nope/",
                 "/r/" + "x" * 300, "/dev/mail/../secret_key"):
        assert client.get(path).status_code == 404, path


def test_405_page(client):
    response = client.delete("/")
    assert response.status_code == 405
    assert "Det går inte här" in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    response = client.get("/finns-inte", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json["status"] == 404


def test_expired_form_says_what_to_do(app, conference):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/e/varkonferensen-2027/register", data={"name": "X"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Formuläret har gått ut" in html


def test_403_for_door_staff_on_organiser_pages(app, make_user, conference):
    from tests.conftest import login

    make_user("dorr@example.org", role="door")
    client = login(app.test_client(), "dorr@example.org")
    response = client.get("/manage/")
    assert response.status_code == 403
    assert "Du har inte behörighet" in response.get_data(as_text=True)


def test_500_page_is_friendly_and_in_swedish(app, client, monkeypatch):
    from app.events import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "render_template", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    assert "Något gick fel" in response.get_data(as_text=True)


@pytest.fixture
def rate_limited(app):
    app.config["RATELIMIT_LOGIN"] = "10 per minute"
    limiter.reset()
    yield
    app.config["RATELIMIT_LOGIN"] = "100000 per minute"
    limiter.reset()


def test_too_many_login_attempts_give_429(client, rate_limited):
    statuses = [
        client.post("/login", data={"email": "x@example.org", "password": "fel"}).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 401 and statuses[-1] == 429
    assert "För många försök" in client.post(
        "/login", data={"email": "x@example.org", "password": "fel"}).get_data(as_text=True)


def test_ids_beyond_what_the_database_holds_are_not_found(organiser, conference):
    slug = conference["event"].slug
    for path in (f"/manage/e/{slug}/tickets/9223372036854775808",
                 f"/manage/e/{slug}/orders/{10**30}", f"/manage/e/{slug}/items/2147483648"):
        assert organiser.get(path).status_code == 404, path


def test_a_nul_character_in_a_form_is_refused_before_it_reaches_the_database(client,
                                                                            conference):
    ticket = conference["ticket"]
    response = client.post(f"/e/{conference['event'].slug}/register?t{ticket.id}=1",
                           data={"a0-name": "Alva\x00", "a0-email": "alva@example.org"})
    assert response.status_code == 400
    assert client.get("/e/x\x00y/").status_code == 400
