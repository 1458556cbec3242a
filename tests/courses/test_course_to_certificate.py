"""A course of eight sessions from enrolment to certificate, through HTTP: the organiser adds
the sessions and the rule, people enrol (free seats, and by invoice through their employer),
the door checks them in per session, the course leader corrects attendance in the grid with a
reason, each participant sees their progress, the leader sees who is at risk, the last session
ends, the CLI issues certificates by email, and the QR code on the PDF leads to the public
check, which tells valid, revoked and unknown apart."""

import re
from datetime import timedelta

import icalendar
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.checkin.models import CheckIn
from app.courses.models import Certificate, CourseSession
from app.registration.models import Registration
from app.waitlist.models import WaitingListEntry
from tests.conftest import login
from tests.courses.conftest import SLUG
from tests.readback import attachment, pdf_text, qr_codes

MANAGE = f"/manage/e/{SLUG}"


def add_sessions(organiser, days):
    for number, day in enumerate(days, start=1):
        response = organiser.post(f"{MANAGE}/course/sessions", data={
            "title": f"Träff {number}: återhämtning", "title_en": f"Meeting {number}",
            "day": day.isoformat(), "start": "09:00", "end": "12:00",
            "place": "Folkets hus, sal 3" if number != 4 else "",
            "online_url": "https://meet.example.org/kurs" if number == 4 else "",
            "leader_name": "Karin Kursledare"})
        assert response.status_code == 303, response.get_data(as_text=True)


def enrol(client, ticket, name, email, **extra):
    response = client.post(f"/e/{SLUG}/register?t{ticket.id}=1", data={
        "a0-name": name, "a0-email": email, **extra})
    assert response.status_code == 303, response.get_data(as_text=True)


def scan(door, registration, session):
    return door.post(f"/checkin/{SLUG}/scan.json?list=session:{session.id}",
                     data={"code": registration.badge_token},
                     headers={"Accept": "application/json"})


def cells(registration, sessions):
    return [f"{registration.id}-{session.id}" for session in sessions]


def test_a_course_from_enrolment_to_certificate(app, client, organiser, make_user, course,
                                                  mailbox, db):
    event = course["event"]
    add_sessions(organiser, course["days"])
    rule = organiser.post(f"{MANAGE}/course/rule", data={
        "kind": "percent", "value": "75", "signer_name": "Karin Kursledare",
        "signer_title": "Kursledare, NSPH"})
    assert rule.status_code == 303
    sessions = db.session.scalars(select(CourseSession).order_by(CourseSession.starts_at)).all()
    assert len(sessions) == 8

    # The course page lists the sessions, the online one with its link.
    page = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    assert page.count("Kursledare: Karin Kursledare") == 8
    assert "Träff 8: återhämtning" in page and "https://meet.example.org/kurs" in page

    # One enrolment covers the course: free seats, and an employer's invoice.
    enrol(client, course["free"], "Alva Persson", "alva@example.org")
    enrol(client, course["free"], "Nils Karlsson", "nils@example.org")
    enrol(client, course["paid"], "Eva Ek", "eva@region.example", payment_method="invoice",
          billing_name="Region Örebro län", billing_org_number="232100-0164",
          billing_address="Box 1613\n701 16 Örebro", invoice_reference="Kst 4711")
    people = {r.name.split()[0]: r for r in db.session.scalars(select(Registration))}
    alva, nils, eva = people["Alva"], people["Nils"], people["Eva"]
    assert {r.status for r in people.values()} == {"confirmed"}
    assert eva.order.payment_status == "to_invoice" and eva.order.invoice_number
    # The free seats are counted like any event's: the third is refused as sold out.
    full = client.post(f"/e/{SLUG}/register?t{course['free'].id}=1",
                       data={"a0-name": "Sen Anmälan", "a0-email": "sen@example.org"})
    assert full.status_code == 409
    queued = client.post(f"/e/{SLUG}/waiting-list?ticket={course['free'].id}",
                         data={"name": "Sen Anmälan", "email": "sen@example.org"})
    assert queued.status_code == 303
    assert db.session.scalar(select(WaitingListEntry.status)) == "waiting"

    # The participant's calendar: one entry per session, UIDs that stay.
    ics = client.get(f"/r/{alva.manage_token}/course.ics")
    assert ics.status_code == 200 and ics.content_type.startswith("text/calendar")
    entries = icalendar.Calendar.from_ical(ics.data).walk("VEVENT")
    uids = [str(entry["UID"]) for entry in entries]
    assert uids == [f"session-{s.id}@{uids[0].split('@')[1]}" for s in sessions]
    assert str(entries[3]["LOCATION"]) == "https://meet.example.org/kurs"
    assert entries[0]["DTSTART"].dt.hour == 9 and entries[0]["SEQUENCE"] == 0

    # The door checks people in on each session's own list.
    make_user("dorr@example.org", role="door", events=[event], name="Dora Door")
    door = login(app.test_client(), "dorr@example.org")
    keys = [entry["key"] for entry in door.get(f"/checkin/{SLUG}/lists.json").get_json()["lists"]]
    assert keys == [""] + [f"session:{s.id}" for s in sessions]
    for session in sessions[:6]:
        assert scan(door, alva, session).get_json()["outcome"] == "checked_in"
    for session in sessions[:3]:
        assert scan(door, nils, session).status_code == 200
    again = scan(door, alva, sessions[0])
    assert again.status_code == 409 and again.get_json()["outcome"] == "already"

    # The course leader's grid: Eva's attendance was kept on paper; a reason is required.
    grid = organiser.get(f"{MANAGE}/course/attendance").get_data(as_text=True)
    before = re.search(r'name="before" value="([^"]*)"', grid)[1]
    assert sorted(before.split()) == sorted(cells(alva, sessions[:6]) + cells(nils, sessions[:3]))
    ticked = before.split() + cells(eva, sessions[:5])
    refused = organiser.post(f"{MANAGE}/course/attendance",
                             data={"before": before, "attended": ticked, "reason": ""})
    assert refused.status_code == 400
    assert "Skriv varför du ändrar närvaron." in refused.get_data(as_text=True)
    assert db.session.scalar(select(CheckIn).where(CheckIn.registration_id == eva.id)) is None
    saved = organiser.post(f"{MANAGE}/course/attendance", data={
        "before": before, "attended": ticked, "reason": "Närvarolista på papper"})
    assert saved.status_code == 303
    marks = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "course.attendance_marked")).all()
    assert len(marks) == 5
    assert {m.detail["reason"] for m in marks} == {"Närvarolista på papper"}
    assert {m.detail["registration"] for m in marks} == {eva.id}

    # A box left as it was changes nothing, even if the door scanned meanwhile.
    assert scan(door, nils, sessions[3]).status_code == 200
    organiser.post(f"{MANAGE}/course/attendance", data={
        "before": before, "attended": ticked, "reason": "Ingen ändring"})
    assert db.session.scalar(select(CheckIn).where(
        CheckIn.registration_id == nils.id, CheckIn.list_key == f"session:{sessions[3].id}",
        CheckIn.counts())) is not None

    # Progress: Alva has enough; Nils cannot make it any more; Eva must come tomorrow.
    alva_page = client.get(f"/r/{alva.manage_token}").get_data(as_text=True)
    assert "Du har varit med på 6 av 8 träffar." in alva_page
    assert "Det räcker för intyget om deltagande" in alva_page
    eva_page = client.get(f"/r/{eva.manage_token}").get_data(as_text=True)
    assert "Du har varit med på 5 av 8 träffar." in eva_page
    assert "För intyget behöver du vara med på 1 träff till." in eva_page
    assert "Kom till alla träffar som är kvar." in eva_page
    nils_page = client.get(f"/r/{nils.manage_token}").get_data(as_text=True)
    assert "För intyget krävs 6 träffar, och det går inte längre att nå." in nils_page
    risk = organiser.get(f"{MANAGE}/course/attendance").get_data(as_text=True)
    at_risk = risk.split('id="at-risk"')[1].split("</ul>")[0]
    assert "Nils Karlsson" in at_risk and "Eva Ek" in at_risk and "Alva" not in at_risk

    # Nothing is issued before the last session.
    runner = app.test_cli_runner()
    assert "certificates issued: 0" in runner.invoke(args=["courses", "issue-certificates"]).output
    mailbox.clear()

    # The last session moves to yesterday: same calendar entry, SEQUENCE raised. Eva was there.
    last = sessions[-1]
    moved_day = course["days"][-1] - timedelta(days=2)
    moved = organiser.post(f"{MANAGE}/course/sessions/{last.id}", data={
        "title": "Träff 8: återhämtning", "day": moved_day.isoformat(), "start": "13:00",
        "end": "16:00", "place": "Folkets hus, sal 3", "leader_name": "Karin Kursledare"})
    assert moved.status_code == 303
    # Everyone enrolled is told of the new time, with the entry moved in their calendar.
    enrolled = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == course["event"].id, Registration.status == "confirmed"))
    told = mailbox.wait_for(enrolled)
    assert len(told) == enrolled and all(m["Subject"].startswith("Ny tid") for m in told)
    mailbox.clear()
    entry = icalendar.Calendar.from_ical(
        client.get(f"/r/{alva.manage_token}/course.ics").data).walk("VEVENT")[-1]
    assert str(entry["UID"]) == uids[-1] and entry["SEQUENCE"] == 1
    assert entry["DTSTART"].dt.hour == 13
    grid = organiser.get(f"{MANAGE}/course/attendance").get_data(as_text=True)
    before = re.search(r'name="before" value="([^"]*)"', grid)[1]
    organiser.post(f"{MANAGE}/course/attendance", data={
        "before": before, "attended": before.split() + [f"{eva.id}-{last.id}"],
        "reason": "Kom till sista träffen"})

    # The CLI (and the beat) issue the certificates once, by email with the PDF.
    first = runner.invoke(args=["courses", "issue-certificates"])
    assert "certificates issued: 2" in first.output, first.output
    assert "certificates issued: 0" in runner.invoke(args=["courses", "issue-certificates"]).output
    messages = mailbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["alva@example.org", "eva@region.example"]
    [to_alva] = mailbox.to("alva@example.org")
    assert to_alva["Subject"] == "Ditt intyg om deltagande: Kamratstödjarutbildning Göteborg"
    pdf = attachment(to_alva)
    text = pdf_text(pdf)[0]
    for expected in ("Intyg om deltagande", "Alva Persson", "Kamratstödjarutbildning Göteborg",
                     "6 av 8", "Timmar:", "18", "NSPH", "Karin Kursledare",
                     "Kursledare, NSPH"):
        assert expected in text, expected
    [url] = qr_codes(pdf)
    code = db.session.scalar(select(Certificate.code).where(
        Certificate.registration_id == alva.id))
    assert url == f"http://localhost/certificates/{code}"
    assert " ".join(code[i:i + 4] for i in range(0, 26, 4)) in text

    # The public check shows only the status, the course, the date and the initials.
    check = client.get(url.removeprefix("http://localhost"))
    shown = check.get_data(as_text=True)
    assert check.status_code == 200 and "Giltigt intyg" in shown
    assert "A. P." in shown and "Kamratstödjarutbildning Göteborg" in shown
    assert "Alva" not in shown and "alva@example.org" not in shown and "6 av 8" not in shown

    # On the participant's page, and as a download.
    assert "Ladda ner ditt intyg (PDF)" in client.get(f"/r/{alva.manage_token}").get_data(
        as_text=True)
    download = client.get(f"/r/{alva.manage_token}/certificate.pdf")
    assert download.status_code == 200 and qr_codes(download.data) == [url]
    assert client.get(f"/r/{nils.manage_token}/certificate.pdf").status_code == 404

    # Revoked and unknown are told apart, and neither says more.
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    organiser.post(f"{MANAGE}/course/certificates/{certificate.id}/revoke",
                   data={"reason": "Fel namn på intyget"})
    revoked = client.get(f"/certificates/{code}")
    assert revoked.status_code == 410
    assert "Återkallat: intyget gäller inte längre." in revoked.get_data(as_text=True)
    assert "Fel namn" not in revoked.get_data(as_text=True)
    unknown = client.get("/certificates/" + "A" * 26)
    assert unknown.status_code == 404 and "Okänt" in unknown.get_data(as_text=True)
    assert "Kamratstödjarutbildning" not in unknown.get_data(as_text=True)
    assert client.get("/certificates/not-a-code").status_code == 404
    assert client.get("/certificates/not-a-code%00").status_code == 400

    # Issued again: a new id that checks as valid, sent by email.
    mailbox.clear()
    assert organiser.post(f"{MANAGE}/course/certificates/{certificate.id}/reissue"
                          ).status_code == 303
    new = db.session.scalar(select(Certificate).where(
        Certificate.registration_id == alva.id, Certificate.revoked_at.is_(None)))
    assert new.code != code
    assert client.get(f"/certificates/{new.code.lower()}").status_code == 200
    [again] = mailbox.wait_for(1)
    assert qr_codes(attachment(again)) == [f"http://localhost/certificates/{new.code}"]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"course.certificates_issued", "course.certificate_revoked",
            "course.certificate_reissued"} <= actions
