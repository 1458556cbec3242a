"""The audit log: what an organiser does that someone must answer for later is written down,
with who and when, in the same unit of work as the action; the event's organisers read it,
newest first, a page at a time, in the event's own time."""

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.audit import services as audit
from app.audit.models import AuditEntry
from app.events.models import Event
from app.programme.models import ProgrammeItem
from tests.conftest import login
from tests.factories import build_conference, edit_talk, register
from tests.payments.test_invoices import invoice_order

SLUG = "varkonferensen-2027"
LOG = f"/manage/e/{SLUG}/audit"
APP = Path(__file__).resolve().parents[2] / "app"


def entries(db, action=None):
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return db.session.scalars(query).all()


def english(client):
    client.get("/language/en")
    return client


def test_publishing_the_programme_is_logged_with_who_did_it(organiser, conference, db):
    assert edit_talk(organiser, conference, start="11:00", end="11:45").status_code == 302
    assert organiser.post(f"/manage/e/{SLUG}/publish", data={"message": ""}).status_code == 302
    first, entry = entries(db, "programme.published")
    assert entry.event_id == conference["event"].id
    assert entry.actor == "Olga Organiser <arrangor@example.org>" and entry.user_id is not None
    assert entry.detail == {"version": 2, "changes": 1}
    # Version 1, published by the test's factory without a person: Samla itself.
    assert first.detail == {"version": 1, "changes": 0}
    assert first.user_id is None and first.actor == ""


def test_a_refund_by_hand_is_logged_with_the_order_and_amount(organiser, conference, db,
                                                              mailbox):
    order = invoice_order(conference)
    organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid")
    response = organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/refund",
                              data={"amount": "500", "note": "", "seen_refunded_ore": "0"})
    assert response.status_code == 303, response.get_data(as_text=True)
    [entry] = entries(db, "order.refunded")
    assert entry.detail == {"order": order.code, "amount_ore": 50000, "currency": "SEK"}
    page = english(organiser).get(LOG).get_data(as_text=True)
    assert "Refunded an order" in page and order.code in page and "SEK\u00a0500" in page


def test_a_refused_refund_leaves_no_entry(organiser, conference, db, mailbox):
    order = invoice_order(conference)
    organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid")
    response = organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/refund",
                              data={"amount": "5000", "note": "", "seen_refunded_ore": "0"})
    assert response.status_code == 400
    assert entries(db, "order.refunded") == []


def test_cancelling_an_item_and_purging_are_logged(organiser, conference, db):
    talk = conference["talk"]
    response = organiser.post(f"/manage/e/{SLUG}/items/{talk.id}/cancel", data={"confirm": "y"})
    assert response.status_code == 302
    assert db.session.get(ProgrammeItem, talk.id).cancelled
    [cancelled] = entries(db, "programme.item_cancelled")
    assert cancelled.detail == {"item": "Peer support i vården"}
    assert cancelled.actor.startswith("Olga Organiser")

    register(conference["event"], conference["ticket"], dietary_needs="Vegan",
             sensitive_consent=True)
    response = organiser.post(f"/manage/e/{SLUG}/purge", data={"confirm_slug": SLUG})
    assert response.status_code == 303
    [purged] = entries(db, "event.purged")
    assert purged.detail["purged"]["sensitive"] == 1
    page = english(organiser).get(LOG).get_data(as_text=True)
    assert "Deleted personal data" in page and "sensitive details: 1" in page
    assert "Cancelled a programme item" in page and "Peer support i vården" in page


def test_the_log_reads_newest_first_in_the_events_time_a_page_at_a_time(organiser,
                                                                        conference, db):
    event = db.session.get(Event, conference["event"].id)
    start = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    for n in range(audit.PAGE_SIZE + 5):
        audit.record(event, None, "export.attendees", {"rows": n},
                     now=start + timedelta(minutes=n))
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    audit.record(other["event"], None, "export.attendees", {"rows": 999})
    db.session.commit()

    first = english(organiser).get(LOG)
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    rows = [int(n) for n in re.findall(r"<dt>Rows</dt><dd>(\d+)</dd>", html)]
    assert rows == list(range(audit.PAGE_SIZE + 4, 4, -1)), "newest first, one page"
    assert 999 not in rows
    # 08:00 UTC on 1 March is 09:00 in Stockholm (winter time); the newest is 54 minutes on.
    assert "2027-03-01 09:54" in html and "Page 1 of 2" in html
    assert "Samla (automatically)" in html
    second = organiser.get(f"{LOG}?page=2").get_data(as_text=True)
    assert [int(n) for n in re.findall(r"<dt>Rows</dt><dd>(\d+)</dd>", second)] == [4, 3, 2, 1, 0]
    assert "2027-03-01 09:00" in second
    assert organiser.get(f"{LOG}?page=3").status_code == 404
    assert organiser.get(f"{LOG}?page=0").status_code == 404


def test_the_log_is_for_the_events_organisers(app, client, make_user, conference, db):
    response = client.get(LOG)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    assert login(app.test_client(), "dorr@example.org").get(LOG).status_code == 403
    make_user("annan@example.org", role="organiser")
    outsider = login(app.test_client(), "annan@example.org")
    assert outsider.get("/manage/e/finns-inte/audit").status_code == 404
    assert outsider.get(LOG).status_code == 404  # not in the event's team
    make_user("arr@example.org", role="organiser", events=[conference["event"]])
    assert login(app.test_client(), "arr@example.org").get(LOG).status_code == 200


def test_an_empty_log_says_so(organiser, db):
    build_conference(publish=False)
    assert "Nothing has been logged" in english(organiser).get(LOG).get_data(as_text=True)


def test_the_audit_area_imports_nothing_from_the_areas_that_use_it():
    """Any area may record to the log, so the log's rules and model stand on the database,
    the money format and the refusals only (its page needs the organiser pages' prefix and
    the roles that may read it)."""
    allowed = {"app.extensions", "app.db_types", "app.errors", "app", "app.money", "app.signals",
               "app.events.manage", "app.teams.access"}
    for path in sorted((APP / "audit").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 \
                    and (node.module or "").startswith("app"):
                assert node.module in allowed, f"{path.name} imports {node.module}"
