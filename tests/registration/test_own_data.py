"""An attendee downloads everything Samla holds about their registration from their own page:
one JSON file with their details, answers and needs, their seat and order, sign-ups, their own
programme, check-ins and the emails sent to them; and nothing about anyone else. The download
is written in the event's audit log and limited to a few an hour."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.checkin.models import CheckIn
from app.checkin.services import Door, scan
from app.db_types import utcnow
from app.programme import signups
from app.registration import services
from app.registration.models import Registration
from app.registration.personal import star
from app.registration.questions import save_question
from app.waitlist.models import WaitingListEntry
from tests.conftest import login
from tests.factories import add_workshop, build_conference, publish_programme, register

SLUG = "varkonferensen-2027"


def download(client, registration):
    return client.post(f"/r/{registration.manage_token}/my-data")


@pytest.fixture
def group_order(conference, db, make_user, mailbox):
    """Dag Chef of Region Väst orders (by invoice) for his colleagues Alva and Cai. Alva gave
    her needs and answers, signed up for the workshop, starred the talk, was let in at the door
    by mistake as Cai (undone, with a reason naming Cai) and then as herself; she also waits
    for the paid ticket of another event under her address."""
    event, paid = conference["event"], conference["paid"]
    role = save_question(event, None, label="Vad arbetar du med?", kind="text")
    workshop = add_workshop(event)
    publish_programme(event)
    order = services.place_order(
        event, "Dag Chef", "dag@region.example", "sv", [
            (paid, services.Attendee("Alva Ek", "alva@example.org", phone="0701234567",
                                     dietary_needs="Vegetarisk",
                                     accessibility_needs="Hörslinga", sensitive_consent=True,
                                     answers={role.id: "Kurator"})),
            (paid, services.Attendee("Cai Ström", "cai@example.org", dietary_needs="Glutenfri",
                                     sensitive_consent=True, answers={role.id: "Chef"})),
        ], payment_method="invoice",
        billing=services.Billing(name="Region Väst", address="Box 1, Göteborg",
                                 org_number="232100-0131", reference="Dag Chef"))
    db.session.commit()
    alva, cai = sorted(order.registrations, key=lambda r: r.name)
    signups.sign_up(alva, workshop)
    star(alva, conference["talk"])
    door = make_user("dorr@example.org", role="door", events=[event], name="Dörte Dörrvakt")
    db.session.add(CheckIn(registration_id=alva.id, event_id=event.id,
                           checked_in_at=utcnow() - timedelta(minutes=5),
                           annulled_at=utcnow() - timedelta(minutes=4),
                           annul_reason="Fel person, det var Cai Ström"))
    db.session.commit()
    scan(Door(event, user=door), alva.badge_token)
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    register(other["event"], other["ticket"], name="Alva Ek", email="alva@example.org")
    db.session.add(WaitingListEntry(event_id=event.id, ticket_type_id=conference["ticket"].id,
                                    name="Alva Ek", email="alva@example.org",
                                    token="alva-vantar"))
    db.session.commit()
    mailbox.wait_for(4)
    return {"order": order, "alva": alva, "cai": cai, "workshop": workshop}


def test_the_attendee_downloads_everything_about_their_registration(client, conference,
                                                                    group_order):
    alva = group_order["alva"]
    page = client.get(f"/r/{alva.manage_token}").get_data(as_text=True)
    assert f'action="/r/{alva.manage_token}/my-data"' in page
    assert "Ladda ner dina uppgifter" in page

    response = download(client, alva)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{SLUG}-my-data.json"')
    assert response.headers["Cache-Control"] == "private, no-store"
    data = json.loads(response.get_data(as_text=True))

    assert data["format"] == "samla-personal-data/1"
    assert data["event"]["name"] == "Vårkonferensen"
    mine = data["registration"]
    assert (mine["name"], mine["email"], mine["phone"], mine["status"]) == (
        "Alva Ek", "alva@example.org", "0701234567", "confirmed")
    assert (mine["ticket_type"], mine["price_ore"], mine["currency"]) == (
        "Ordinarie", 95000, "SEK")
    assert mine["badge_code"] == alva.badge_token
    assert data["needs"] == {"dietary": "Vegetarisk", "accessibility": "Hörslinga",
                             "consent": True}
    assert data["answers"] == [{"question": "Vad arbetar du med?", "answer": "Kurator",
                                "value": "Kurator", "sensitive": False}]
    order = data["order"]
    assert order["code"] == group_order["order"].code and order["you_are_the_buyer"] is False
    assert order["payment_method"] == "invoice" and "buyer" not in order
    assert "billing" not in order and "total_ore" not in order
    assert [s["title"] for s in data["signups"]] == ["Workshop om återhämtning"]
    assert "Peer support i vården" in [i["title"] for i in data["personal_programme"]]
    undone, live = data["check_ins"]
    assert undone["where"] == live["where"] == "entrance"
    assert undone["undone_at"] is not None and live["undone_at"] is None
    assert set(live) == {"at", "where", "undone_at", "offline", "by_hand"}
    assert [(w["status"], w["ticket_type"]) for w in data["waiting_list"]] == [
        ("waiting", "Fri entré")]
    subjects = [mail["subject"] for mail in data["emails"]]
    assert subjects and all("Vårkonferensen" in subject for subject in subjects)
    assert {mail["status"] for mail in data["emails"]} == {"sent"}
    assert data["retention"]["sensitive_answers_deleted_on"] == "2027-04-18"
    assert data["retention"]["personal_data_deleted_on"] == "2028-03-18"
    # Times are the event's wall clock with its offset.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", mine["registered_at"])


def test_the_file_holds_nothing_about_anyone_else(client, conference, group_order):
    raw = download(client, group_order["alva"]).get_data(as_text=True)
    for other in ("Dag Chef", "dag@region.example", "Region Väst", "232100-0131",
                  "Cai", "cai@example.org", "Glutenfri", "Chef", "Dörte", "dorr@example.org",
                  "Fel person", "Höstkonferensen", group_order["cai"].badge_token,
                  group_order["cai"].manage_token, group_order["order"].manage_token):
        assert other not in raw, other


def test_the_buyer_gets_the_order_they_placed_but_not_their_colleagues(client, conference,
                                                                       db, mailbox):
    event, paid = conference["event"], conference["paid"]
    order = services.place_order(
        event, "Dag Chef", "dag@region.example", "sv", [
            (paid, services.Attendee("Dag Chef", "dag@region.example")),
            (paid, services.Attendee("Alva Ek", "alva@example.org", phone="0701234567"))],
        payment_method="invoice",
        billing=services.Billing(name="Region Väst", address="Box 1, Göteborg",
                                 org_number="232100-0131", reference="Kst 4711"))
    db.session.commit()
    dag = next(r for r in order.registrations if r.name == "Dag Chef")
    response = download(client, dag)
    raw = response.get_data(as_text=True)
    data = json.loads(raw)
    placed = data["order"]
    assert placed["you_are_the_buyer"] is True
    assert placed["buyer"] == {"name": "Dag Chef", "email": "dag@region.example"}
    assert placed["billing"]["name"] == "Region Väst"
    assert placed["billing"]["reference"] == "Kst 4711"
    assert (placed["seats"], placed["total_ore"], placed["currency"]) == (2, 190000, "SEK")
    assert placed["invoice_number"] is not None and placed["refunds"] == []
    assert "Alva" not in raw and "alva@example.org" not in raw and "0701234567" not in raw


def test_the_download_is_in_the_audit_log_as_done_by_the_attendee(app, client, organiser,
                                                                  conference,
                                                                  group_order, db):
    alva = group_order["alva"]
    assert download(client, alva).status_code == 200
    db.session.rollback()
    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "attendee.data_exported")).all()
    assert entry.event_id == conference["event"].id and entry.user_id is None
    assert entry.detail == {"registration": alva.id} and entry.actor == ""
    organiser = login(app.test_client(), "arrangor@example.org")
    log = organiser.get(f"/manage/e/{SLUG}/audit").get_data(as_text=True)
    assert "Deltagaren laddade ner sina uppgifter" in log
    assert "Deltagaren, via sin personliga länk" in log


@pytest.fixture
def alva(conference, organiser):
    return register(conference["event"], conference["ticket"], name="Alva Ek")


def test_a_few_downloads_an_hour_per_link(client, alva):
    for _ in range(10):
        assert download(client, alva).status_code == 200
    assert download(client, alva).status_code == 429


def test_only_a_form_and_only_a_real_link_download(client, conference, alva, db):
    assert client.get(f"/r/{alva.manage_token}/my-data").status_code == 405
    assert client.post("/r/not-a-real-link/my-data").status_code == 404
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "attendee.data_exported")) is None


def test_a_cancelled_attendee_still_gets_their_data(client, conference, alva, db):
    services.cancel(db.session.get(Registration, alva.id))
    page = client.get(f"/r/{alva.manage_token}").get_data(as_text=True)
    assert "my-data" in page
    data = json.loads(download(client, alva).get_data(as_text=True))
    assert data["registration"]["status"] == "cancelled"
    assert data["registration"]["cancelled_at"] is not None


def test_the_english_page_exports_in_english(client, conference, alva):
    client.get("/language/en")
    page = client.get(f"/r/{alva.manage_token}").get_data(as_text=True)
    assert "Download your data" in page
    data = json.loads(download(client, alva).get_data(as_text=True))
    assert data["registration"]["ticket_type"] == "Fri entré"
