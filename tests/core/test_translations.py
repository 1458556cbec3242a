"""Every string a user can see is in the Swedish catalogue, translated, not fuzzy."""

import subprocess
import sys

from babel.messages.pofile import read_po

from config import BASE_DIR

CATALOGUE = BASE_DIR / "app" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"


def extracted_messages(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "_ln:1,2", "-o", str(pot), "."],
        cwd=BASE_DIR, check=True,
    )
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def test_every_extracted_string_has_a_swedish_translation(tmp_path):
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    def done(message):
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        return all(forms) and not message.fuzzy

    translated = {m.id for m in catalogue if m.id and done(m)}
    missing = sorted(str(m) for m in extracted_messages(tmp_path) - translated)
    assert not missing, "untranslated or fuzzy: " + "; ".join(missing[:20])


def test_placeholders_survive_translation():
    import re

    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    def placeholders(text):
        return sorted(re.findall(r"%\(\w+\)[sd]", text))

    for message in catalogue:
        if not (message.id and message.string):
            continue
        # A plural entry: msgid and msgid_plural name the same placeholders, and so must every
        # Swedish form.
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = placeholders(ids[-1])
        for form in forms:
            assert placeholders(form) == wanted, message.id


def test_swedish_is_the_default_and_english_can_be_chosen(client):
    assert 'lang="sv"' in client.get("/").get_data(as_text=True)
    switched = client.get("/language/en?next=/login")
    assert switched.status_code == 302 and switched.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Log in" in page and "På svenska" in page


def test_language_switch_does_not_redirect_elsewhere(client):
    response = client.get("/language/sv?next=//evil.example/")
    assert response.headers["Location"] == "/"
    assert client.get("/language/de").status_code == 404
