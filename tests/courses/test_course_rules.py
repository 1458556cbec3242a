"""What the course pages refuse, and who may use them: bad input gets a clear message and a 4xx
with nothing written; the team's roles open what they should; the beat issues certificates
once; the calendar exists only for a course."""

from datetime import timedelta

from sqlalchemy import func, select

from app import signals
from app.audit.models import AuditEntry
from app.checkin.models import CheckIn
from app.courses import services
from app.courses.models import Certificate, Course, CourseSession
from app.db_types import utcnow
from tests.conftest import login
from tests.courses.conftest import SLUG

MANAGE = f"/manage/e/{SLUG}"


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def session_form(**changes):
    return {"title": "Träff", "day": "2027-04-07", "start": "09:00", "end": "12:00",
            "place": "Sal 3", "online_url": "", "leader_name": "Karin", **changes}


def test_a_session_form_refuses_what_makes_no_sense(organiser, course, db):
    backwards = organiser.post(f"{MANAGE}/course/sessions", data=session_form(end="08:00"))
    assert backwards.status_code == 400
    assert "En träff måste sluta efter att den börjar." in backwards.get_data(as_text=True)
    no_date = organiser.post(f"{MANAGE}/course/sessions", data=session_form(day=""))
    assert no_date.status_code == 400 and "Ange träffens datum." in no_date.get_data(
        as_text=True)
    bad_link = organiser.post(f"{MANAGE}/course/sessions",
                              data=session_form(online_url="meet.example"))
    assert bad_link.status_code == 400
    assert "Skriv hela adressen" in bad_link.get_data(as_text=True)
    two_lines = organiser.post(f"{MANAGE}/course/sessions",
                               data=session_form(leader_name="Karin\nKursledare"))
    assert two_lines.status_code == 400
    assert count(db, CourseSession) == 0
    assert organiser.get(f"{MANAGE}/course/sessions/999").status_code == 404
    assert organiser.post(f"{MANAGE}/course/sessions/999/delete").status_code == 404


def test_a_session_someone_attended_stays_and_a_move_tells_the_signal(
        organiser, running_course, db):
    first, last = running_course["sessions"][0], running_course["sessions"][-1]
    refused = organiser.post(f"{MANAGE}/course/sessions/{first.id}/delete")
    assert refused.status_code == 409
    assert "Det finns deltagare som har varit på träffen" in refused.get_data(as_text=True)
    old_start = last.starts_at
    heard = []

    def listen(session, **kw):
        heard.append((session.id, kw))

    with signals.course_session_moved.connected_to(listen):
        page = organiser.get(f"{MANAGE}/course/sessions/{last.id}")
        assert page.status_code == 200 and 'value="09:00"' in page.get_data(as_text=True)
        unchanged = session_form(title="Ny rubrik", day=running_course["days"][-1].isoformat(),
                                 place="Folkets hus, sal 3", leader_name="Karin Kursledare")
        assert organiser.post(f"{MANAGE}/course/sessions/{last.id}",
                              data=unchanged).status_code == 303
        assert heard == []
        assert organiser.post(f"{MANAGE}/course/sessions/{last.id}",
                              data={**unchanged, "start": "10:00"}).status_code == 303
        [(session_id, old)] = heard
        assert session_id == last.id and old["old_starts_at"] == old_start
    db.session.refresh(last)
    assert last.sequence == 1 and last.title == "Ny rubrik"
    last_id = last.id
    assert organiser.post(f"{MANAGE}/course/sessions/{last_id}/delete").status_code == 303
    assert count(db, CourseSession, CourseSession.id == last_id) == 0


def test_the_rule_refuses_nonsense(organiser, course, db):
    assert organiser.post(f"{MANAGE}/course/rule",
                          data={"kind": "percent", "value": "150"}).status_code == 400
    assert organiser.post(f"{MANAGE}/course/rule",
                          data={"kind": "maybe", "value": "5"}).status_code == 400
    assert organiser.post(f"{MANAGE}/course/rule",
                          data={"kind": "sessions", "value": "x"}).status_code == 400
    assert count(db, Course) == 0
    assert organiser.post(f"{MANAGE}/course/rule",
                          data={"kind": "sessions", "value": "5"}).status_code == 303
    assert db.session.scalar(select(Course.min_sessions)) == 5
    page = organiser.get(f"{MANAGE}/course").get_data(as_text=True)
    assert 'value="5"' in page


def test_the_grid_refuses_forged_cells_and_writes_nothing(organiser, running_course, db):
    alva, session = running_course["alva"], running_course["sessions"][-1]
    before = count(db, CheckIn)
    forged = organiser.post(f"{MANAGE}/course/attendance", data={
        "before": "", "attended": [f"99999-{session.id}"], "reason": "Test"})
    assert forged.status_code == 400
    assert "Tabellen har en person eller en träff" in forged.get_data(as_text=True)
    garbage = organiser.post(f"{MANAGE}/course/attendance", data={
        "before": "", "attended": ["drop table"], "reason": "Test"})
    assert garbage.status_code == 400
    other_event = organiser.post(f"{MANAGE}/course/attendance", data={
        "before": "", "attended": [f"{alva.id}-123456"], "reason": "Test"})
    assert other_event.status_code == 400
    assert count(db, CheckIn) == before and count(db, AuditEntry) == 0


def test_taking_attendance_back_annuls_the_check_in_with_the_reason(organiser, running_course,
                                                                   db):
    alva, first = running_course["alva"], running_course["sessions"][0]
    cell = f"{alva.id}-{first.id}"
    response = organiser.post(f"{MANAGE}/course/attendance", data={
        "before": cell, "attended": [], "reason": "Skannades av misstag"})
    assert response.status_code == 303
    check_in = db.session.scalar(select(CheckIn).where(
        CheckIn.registration_id == alva.id, CheckIn.list_key == f"session:{first.id}"))
    assert check_in.annulled_at is not None and check_in.annul_reason == "Skannades av misstag"
    [entry] = db.session.scalars(select(AuditEntry)).all()
    assert entry.action == "course.attendance_unmarked"
    assert entry.detail == {"registration": alva.id, "session": first.id,
                            "reason": "Skannades av misstag"}
    log = organiser.get(f"{MANAGE}/audit").get_data(as_text=True)
    assert "Tog bort närvaro för hand" in log and "Skannades av misstag" in log


def test_certificates_wait_for_the_last_session_and_the_beat_issues_once(
        app, organiser, running_course, mailbox, db):
    from app.tasks import issue_certificates

    early = organiser.post(f"{MANAGE}/course/certificates/issue")
    assert early.status_code == 409
    assert "Intyg utfärdas efter sista träffen." in early.get_data(as_text=True)
    assert issue_certificates() == 0
    last = running_course["sessions"][-1]
    last.starts_at -= timedelta(days=2)
    last.ends_at -= timedelta(days=2)
    services.save_rule(running_course["event"], min_sessions=None, min_percent=75,
                       signer_name="", signer_title="")
    db.session.commit()
    assert issue_certificates() == 1  # Alva, 6 of 8; Nils has 3, Eva none
    assert issue_certificates() == 0
    assert [m["To"] for m in mailbox.wait_for(1)] == ["alva@example.org"]


def test_who_may_use_the_course_pages(app, make_user, running_course, db):
    event = running_course["event"]
    make_user("kassa@example.org", role="organiser", events=[event], team_role="finance")
    make_user("las@example.org", role="organiser", events=[event], team_role="readonly")
    make_user("ledare@example.org", role="organiser", events=[event], team_role="organiser")
    make_user("dorr@example.org", role="door", events=[event])
    finance = login(app.test_client(), "kassa@example.org")
    reader = login(app.test_client(), "las@example.org")
    leader = login(app.test_client(), "ledare@example.org")
    door = login(app.test_client(), "dorr@example.org")
    for path in ("/course", "/course/attendance", "/course/certificates"):
        assert finance.get(MANAGE + path).status_code == 403
        assert reader.get(MANAGE + path).status_code == 200
        assert leader.get(MANAGE + path).status_code == 200
        assert door.get(MANAGE + path).status_code == 403
    alva, first = running_course["alva"], running_course["sessions"][0]
    post = {"before": f"{alva.id}-{first.id}", "attended": [], "reason": "Fel"}
    assert reader.post(f"{MANAGE}/course/attendance", data=post).status_code == 403
    assert leader.post(f"{MANAGE}/course/attendance", data=post).status_code == 303
    assert app.test_client().get(MANAGE + "/course").status_code == 302


def test_a_certificate_is_revoked_once_and_reissued_only_to_who_meets_the_rule(
        organiser, running_course, db):
    event, alva, nils = running_course["event"], running_course["alva"], running_course["nils"]
    services.save_rule(event, min_sessions=6, min_percent=None, signer_name="", signer_title="")
    for session in running_course["sessions"]:
        session.starts_at -= timedelta(days=2)
        session.ends_at -= timedelta(days=2)
    db.session.commit()
    [certificate] = services.issue(event, now=utcnow())
    db.session.commit()
    assert certificate.registration_id == alva.id
    no_reason = organiser.post(f"{MANAGE}/course/certificates/{certificate.id}/revoke",
                               data={"reason": ""}, follow_redirects=True)
    assert "Skriv varför intyget återkallas." in no_reason.get_data(as_text=True)
    assert db.session.get(Certificate, certificate.id).revoked_at is None
    assert organiser.post(f"{MANAGE}/course/certificates/{certificate.id}/revoke",
                          data={"reason": "Fel"}).status_code == 303
    twice = organiser.post(f"{MANAGE}/course/certificates/{certificate.id}/revoke",
                           data={"reason": "Fel igen"})
    assert twice.status_code == 409 and "redan återkallat" in twice.get_data(as_text=True)
    assert organiser.post(f"{MANAGE}/course/certificates/4242/revoke",
                          data={"reason": "x"}).status_code == 404
    # Nils never met the rule: a forged reissue for someone else's certificate changes nothing.
    services.save_rule(event, min_sessions=3, min_percent=None, signer_name="", signer_title="")
    [nils_certificate] = [c for c in services.issue(event) if c.registration_id == nils.id]
    db.session.commit()
    services.save_rule(event, min_sessions=6, min_percent=None, signer_name="", signer_title="")
    db.session.commit()
    refused = organiser.post(f"{MANAGE}/course/certificates/{nils_certificate.id}/reissue")
    assert refused.status_code == 409
    assert "uppfyller inte längre kursens regel" in refused.get_data(as_text=True)
    assert count(db, Certificate, Certificate.registration_id == nils.id) == 1


def test_a_conference_has_no_course_calendar_and_no_course_part(client, conference):
    from tests.factories import register

    alva = register(conference["event"], conference["ticket"])
    assert client.get(f"/r/{alva.manage_token}/course.ics").status_code == 404
    assert client.get(f"/r/{alva.manage_token}/certificate.pdf").status_code == 404
    assert "Din kurs" not in client.get(f"/r/{alva.manage_token}").get_data(as_text=True)
    assert client.get("/r/no-such-token/course.ics").status_code == 404


def test_an_english_participant_gets_the_certificate_in_english(running_course, db):
    from app.courses.documents import pdf_for
    from tests.readback import pdf_text, qr_codes

    event, alva = running_course["event"], running_course["alva"]
    alva.language = "en"
    services.save_rule(event, min_sessions=6, min_percent=None, signer_name="Karin Kursledare",
                       signer_title="Course leader")
    for session in running_course["sessions"]:
        session.starts_at -= timedelta(days=2)
        session.ends_at -= timedelta(days=2)
    db.session.commit()
    [certificate] = services.issue(event)
    db.session.commit()
    pdf = pdf_for(db.session, certificate)
    [text] = pdf_text(pdf)
    for expected in ("Certificate of attendance", "This certifies that", "Alva Persson",
                     "6 of 8", "Hours:", "18", "Karin Kursledare", "Course leader"):
        assert expected in text, expected
    assert qr_codes(pdf) == [f"http://localhost/certificates/{certificate.code}"]


def test_the_participants_own_data_holds_their_attendance_and_certificate(
        client, running_course, db):
    import json

    event, alva = running_course["event"], running_course["alva"]
    services.save_rule(event, min_sessions=6, min_percent=None, signer_name="", signer_title="")
    for session in running_course["sessions"]:
        session.starts_at -= timedelta(days=2)
        session.ends_at -= timedelta(days=2)
    db.session.commit()
    [certificate] = services.issue(event)
    db.session.commit()
    response = client.post(f"/r/{alva.manage_token}/my-data")
    assert response.status_code == 200
    data = json.loads(response.data)
    assert [c["where"].split()[:2] for c in data["check_ins"]] == [
        ["Träff", str(n)] for n in range(1, 7)]
    [kept] = data["certificates"]
    assert kept["id"] == certificate.code and kept["sessions_attended"] == 6
    assert kept["minutes_attended"] == 6 * 180 and kept["revoked_at"] is None


def test_the_door_checks_in_to_a_session_and_refuses_who_is_not_enrolled(
        app, make_user, running_course, db):
    from app.registration.services import cancel

    event, eva = running_course["event"], running_course["eva"]
    first = running_course["sessions"][0]
    make_user("dorr@example.org", role="door", events=[event])
    door = login(app.test_client(), "dorr@example.org")
    page = door.get(f"/checkin/{SLUG}?list=session:{first.id}")
    assert page.status_code == 200 and "Träff 1" in page.get_data(as_text=True)
    assert door.get(f"/checkin/{SLUG}?list=session:999999").status_code == 404
    cancel(eva)
    db.session.commit()
    refused = door.post(f"/checkin/{SLUG}/scan.json?list=session:{first.id}",
                        data={"code": eva.badge_token}, headers={"Accept": "application/json"})
    assert refused.status_code == 409 and refused.get_json()["outcome"] == "cancelled"
