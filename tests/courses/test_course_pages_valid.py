"""Every course page is valid HTML by the Nu HTML Checker, with CSRF protection on as in
production, and reading one writes nothing."""

from datetime import timedelta

from app.courses import services
from tests.core.test_html_valid import Pages, vnu_errors
from tests.courses.conftest import SLUG

MANAGE = f"/manage/e/{SLUG}"


def test_every_course_page_is_valid_html_and_reading_it_writes_nothing(
        app, client, organiser, running_course, tmp_path, monkeypatch, db):
    event, alva, nils = running_course["event"], running_course["alva"], running_course["nils"]
    sessions = running_course["sessions"]
    sessions[3].online_url = "https://meet.example.org/kurs"
    for session in sessions:
        session.starts_at -= timedelta(days=2)
        session.ends_at -= timedelta(days=2)
    services.save_rule(event, min_sessions=3, min_percent=None, signer_name="Karin",
                       signer_title="Kursledare")
    db.session.commit()
    issued = services.issue(event)
    db.session.commit()
    services.revoke(event, issued[1].id, type("U", (), {"id": None})(), "Fel namn")
    db.session.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    pages = Pages(tmp_path / "pages")

    pages.get(client, "course-event", f"/e/{SLUG}/")
    pages.get(client, "participant", f"/r/{alva.manage_token}")
    pages.get(client, "participant-without", f"/r/{running_course['eva'].manage_token}")
    pages.get(client, "verify-valid", f"/certificates/{issued[0].code}")
    pages.get(client, "verify-revoked", f"/certificates/{issued[1].code}", status=410)
    pages.get(client, "verify-unknown", "/certificates/" + "B" * 26, status=404)
    pages.get(organiser, "course", f"{MANAGE}/course")
    pages.post(organiser, "course-session-errors", f"{MANAGE}/course/sessions",
               {"day": "", "start": "10:00", "end": "09:00"}, status=400,
               form_page=f"{MANAGE}/course")
    pages.post(organiser, "course-rule-errors", f"{MANAGE}/course/rule",
               {"kind": "percent", "value": "0"}, status=400, form_page=f"{MANAGE}/course")
    pages.get(organiser, "session", f"{MANAGE}/course/sessions/{sessions[0].id}")
    pages.get(organiser, "attendance", f"{MANAGE}/course/attendance")
    pages.post(organiser, "attendance-errors", f"{MANAGE}/course/attendance",
               {"before": "", "attended": [f"{nils.id}-{sessions[7].id}"], "reason": ""},
               status=400)
    pages.get(organiser, "certificates", f"{MANAGE}/course/certificates")

    assert pages.writes == []
    assert vnu_errors(pages.files) == []
