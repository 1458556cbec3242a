"""Content written by organisers in Swedish and, optionally, English."""

from types import SimpleNamespace

from flask_babel import force_locale

from app.i18n import loc, localized


def test_english_reader_gets_english_text_where_there_is_one(app):
    room = SimpleNamespace(name="Stora salen", name_en="Main hall")
    with app.test_request_context("/"), force_locale("en"):
        text = localized(room, "name")
        assert (text, text.lang) == ("Main hall", "en")
        assert str(loc(room, "name")) == "Main hall"


def test_english_reader_falls_back_to_swedish_marked_as_swedish(app):
    room = SimpleNamespace(name="Stora <salen>", name_en="")
    with app.test_request_context("/"), force_locale("en"):
        assert localized(room, "name").lang == "sv"
        assert str(loc(room, "name")) == '<span lang="sv">Stora &lt;salen&gt;</span>'


def test_swedish_reader_always_gets_swedish(app):
    room = SimpleNamespace(name="Stora salen", name_en="Main hall")
    with app.test_request_context("/"), force_locale("sv"):
        assert str(loc(room, "name")) == "Stora salen"
        assert localized(room, "name", "en") == "Main hall"
