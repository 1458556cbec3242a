"""Every page a person sees is valid HTML by the Nu HTML Checker (vnu), so browsers and screen
readers get what the markup says: ids are unique and each label names its own field.

The pages are rendered with CSRF protection on, as in production (a page with several forms
carries several CSRF fields), saved to files, and checked by one run of vnu over them all."""

import io
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from PIL import Image
from sqlalchemy import select, update

from app.accounts.services import find_user
from app.checkin.services import Door, scan
from app.feedback.services import create_survey, request_feedback
from app.mail.models import OutgoingEmail
from app.mail.outbox import build_message
from app.mail.transport import FolderTransport
from app.orders.models import Order
from app.payments import invoicing
from app.programme import signups
from app.programme.services import ItemPlacement, create_item
from app.registration import retention, services
from app.registration.personal import star
from app.registration.questions import save_question
from app.speakers.services import send_invitation, set_photo
from app.teams import services as teams
from app.waitlist import services as waitlist
from config import BASE_DIR
from tests.conftest import login
from tests.factories import DAY, card_order, edit_talk, publish_programme, register
from tests.queries import recorded_queries

VNU = BASE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SLUG = "varkonferensen-2027"
MANAGE = f"/manage/e/{SLUG}"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def vnu_errors(paths) -> list[str]:
    """vnu's errors in the files as `file:line: message`, from one start of the JVM."""
    java = shutil.which("java")
    assert java, "java is missing: `make test` installs Debian's default-jre-headless"
    assert VNU.is_file(), f"{VNU} is missing: `make test` installs it (npm ci)"
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, paths)],
        capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(result.stderr)  # vnu writes its report to stderr
    except json.JSONDecodeError:
        raise AssertionError(f"vnu gave no report (exit {result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}") from None
    errors = [f"{Path(unquote(urlparse(m.get('url', '')).path)).name}:{m.get('lastLine', '?')}: "
              f"{m['message']}" for m in report["messages"]]
    assert errors or result.returncode == 0, result.stderr
    return errors


def test_the_checker_finds_a_heading_with_the_id_of_a_field(tmp_path):
    """The speaker page's old mistake: the label pointed at the heading, not the file field."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html lang="sv"><head><title>Trasig</title></head><body>'
                    '<h2 id="photo">Foto</h2><label for="photo">Foto</label>'
                    '<input type="file" id="photo" name="photo"></body></html>')
    errors = vnu_errors([page])
    assert any(e.startswith("broken.html:1: Duplicate ID “photo”") for e in errors), errors


class Pages:
    """The pages visited, each saved as a numbered file named after what it shows, and what
    each GET wrote to the database (it must write nothing: a read is not a unit of work)."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir()
        self.files: list[Path] = []
        self.writes: list[str] = []

    def save(self, name: str, response, status: int = 200) -> str:
        html = response.get_data(as_text=True)
        assert response.status_code == status, f"{name}: {response.status_code}\n{html[:2000]}"
        assert response.mimetype == "text/html", f"{name}: {response.mimetype}"
        path = self.folder / f"{len(self.files) + 1:02d}-{name}.html"
        path.write_text(html, encoding="utf-8")
        self.files.append(path)
        return html

    def get(self, client, name: str, path: str, status: int = 200) -> str:
        with recorded_queries() as statements:
            response = client.get(path)
        self.writes += [f"{name}: {statement.split()[0]} {statement[:80]}"
                        for statement in statements if statement.lstrip().upper().startswith(
                            ("INSERT", "UPDATE", "DELETE"))]
        return self.save(name, response, status)

    def post(self, client, name: str, path: str, data: dict, status: int = 200,
             form_page: str | None = None, **kwargs) -> str:
        """Post a form as a browser does: with the CSRF token of the page the form is on."""
        [token, *_] = CSRF_FIELD.findall(client.get(form_page or path).get_data(as_text=True))
        return self.save(name, client.post(path, data={"csrf_token": token, **data}, **kwargs),
                         status)


def small_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (0, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def invoice_order(conference, name):
    email = f"{name.split()[0].lower()}@region.example"
    return services.place_order(
        conference["event"], name, email, "sv",
        [(conference["paid"], services.Attendee(name, email))], payment_method="invoice",
        billing=services.Billing(name="Region Örebro län", address="Box 1613\n701 16 Örebro",
                                 org_number="232100-0164", reference="Kst 4711"))


@pytest.fixture
def busy_conference(app, conference, organiser, make_user, mailbox, db, monkeypatch, tmp_path):
    """Vårkonferensen with something on every page: a workshop to sign up for, questions (one
    required), a sold-out ticket with a waiting list, free, card and invoice orders (one paid), a
    checked-in attendee asked for feedback, a speaker with a photo, a draft change waiting to
    be published, a failed email and one in the developer mailbox."""
    event, ticket = conference["event"], conference["ticket"]
    workshop = create_item(event, title="Workshop om återhämtning", kind="workshop",
                           description="", signup=(True, 10),
                           placement=ItemPlacement(DAY, time(14, 0), time(15, 30),
                                                   conference["side"]))
    empty_workshop = create_item(event, title="Yoga", kind="workshop", description="",
                                 signup=(True, 10),
                                 placement=ItemPlacement(DAY, time(16, 0), time(17, 0), None))
    db.session.commit()
    publish_programme(event)
    question = save_question(event, None, label="Hur hörde du om oss?", kind="choice",
                             options_text="Vänner\nWebben", help_text="Ett svar räcker.")
    save_question(event, None, label="Vilka dagar kommer du?", kind="multiple",
                  options_text="Torsdag\nFredag", ticket_type_ids=[conference["paid"].id])
    ticket.capacity = 2
    db.session.commit()
    alva = register(event, ticket, answers={question.id: "Vänner"})
    nils = register(event, ticket, name="Nils Karlsson", email="nils@example.org")
    star(alva, conference["talk"])
    entry = waitlist.join(event, ticket, "Bo Ek", "bo@example.org", "sv")
    card = card_order(conference)
    invoice, unpaid = invoice_order(conference, "Eva Chef"), invoice_order(conference, "Ola Ek")
    overdue = invoice_order(conference, "Per Ek")
    overdue.invoice_due_on = event.today() - timedelta(days=3)
    invoicing.mark_paid(db.session.get(Order, invoice.id))
    door = make_user("dorr@example.org", role="door", events=[event])
    signups.sign_up(alva, workshop)
    scan(Door(event, user=door), nils.badge_token)
    survey = create_survey(event, "conference")
    request_feedback(event, confirm_early=True)
    [slot] = conference["speaker"].slots
    send_invitation(slot)
    event.venue_address = "Järntorget 3\n413 04 Göteborg"  # on the speaker's page
    event.arrival_info = "Spårvagn till Järntorget."
    set_photo(conference["speaker"], small_jpeg())
    question.required = True  # from now on: the others registered without answering
    db.session.commit()
    assert edit_talk(organiser, conference, start="11:00", end="11:45").status_code == 302
    first = db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)).first()
    folder = tmp_path / "dev-mail"
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    FolderTransport(str(folder)).send(build_message(first), first.id)
    db.session.execute(update(OutgoingEmail).where(OutgoingEmail.id == first.id)
                       .values(status="failed"))
    db.session.commit()
    return {**conference, "survey": survey, "workshop": workshop,
            "empty_workshop": empty_workshop,
            "question": question, "alva": alva,
            "nils": nils, "entry": entry, "card": card, "invoice": invoice, "unpaid": unpaid,
            "dev_mail": f"{first.id:08d}.eml"}


def test_every_page_is_valid_html_and_reading_it_writes_nothing(
        app, client, organiser, busy_conference, tmp_path, monkeypatch, db):
    pages = Pages(tmp_path / "pages")
    c = busy_conference
    alva, speaker = c["alva"], c["speaker"]
    door = login(app.test_client(), "dorr@example.org")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    # The public pages and registration.
    pages.get(client, "start", "/")
    pages.get(client, "event", f"/e/{SLUG}/")
    pages.get(client, "programme", f"/e/{SLUG}/programme")
    pages.get(client, "speakers", f"/e/{SLUG}/speakers")
    pages.get(client, "speaker", f"/e/{SLUG}/speakers/{speaker.id}")
    pages.get(client, "tickets", f"/e/{SLUG}/register")
    paid_form = f"/e/{SLUG}/register?t{c['paid'].id}=2"
    pages.get(client, "register-form", paid_form)
    pages.post(client, "register-form-errors", paid_form,
               {"a0-name": "", "a0-email": "inte en adress"}, status=400)
    pages.get(client, "waiting-list-join", f"/e/{SLUG}/waiting-list?ticket={c['ticket'].id}")
    pages.post(client, "waiting-list-join-errors",
               f"/e/{SLUG}/waiting-list?ticket={c['ticket'].id}", {"name": "", "email": ""},
               status=400)
    pages.get(client, "waiting-list-entry", f"/waiting-list/{c['entry'].token}")
    pages.get(client, "link-again", f"/e/{SLUG}/my-link")
    pages.post(client, "link-again-errors", f"/e/{SLUG}/my-link", {"email": "x"}, status=400)

    # What attendees, buyers and speakers reach from their emails.
    attendee = f"/r/{alva.manage_token}"
    pages.get(client, "attendee", attendee)
    pages.get(client, "attendee-edit", f"{attendee}/edit")
    pages.post(client, "attendee-edit-errors", f"{attendee}/edit", {"name": ""}, status=400)
    pages.get(client, "attendee-transfer", f"{attendee}/transfer")
    pages.post(client, "attendee-transfer-errors", f"{attendee}/transfer", {"email": "x"},
               status=400)
    pages.get(client, "attendee-programme", f"{attendee}/programme")
    pages.get(client, "order-free", f"/o/{alva.order.manage_token}")
    pages.get(client, "order-card", f"/o/{c['card'].manage_token}")
    pages.get(client, "order-invoice", f"/o/{c['invoice'].manage_token}")
    replace = (f"/o/{c['invoice'].manage_token}/attendees/"
               f"{c['invoice'].registrations[0].id}/replace")
    pages.get(client, "order-replace", replace)
    pages.post(client, "order-replace-errors", replace, {"email": "x"}, status=400)
    came = f"/r/{c['nils'].manage_token}"
    pages.get(client, "attendee-checked-in", came)
    pages.get(client, "feedback", f"{came}/feedback")
    rating = f"q{c['survey'].questions[0].id}"
    pages.post(client, "feedback-errors", f"{came}/feedback", {rating: "9"}, status=400)
    pages.post(client, "feedback-thanks", f"{came}/feedback", {rating: "4"})
    portal = f"/s/{speaker.token}"
    pages.get(client, "speaker-portal", portal)
    pages.get(client, "speaker-feedback", f"{portal}/feedback")
    pages.post(client, "speaker-portal-errors", portal, {"name": ""}, status=400)
    pages.post(client, "speaker-photo-errors", f"{portal}/photo",
               {"photo": (io.BytesIO(b"not a picture"), "face.jpg")}, status=400,
               form_page=portal, content_type="multipart/form-data")

    # Signing in, and the error pages.
    visitor = app.test_client()
    pages.get(visitor, "login", "/login")
    pages.post(visitor, "login-errors", "/login",
               {"email": "arrangor@example.org", "password": "fel"}, status=401)
    pages.get(visitor, "not-found", "/finns-inte", status=404)
    pages.save("not-allowed", visitor.delete("/"), status=405)
    pages.save("expired-form", visitor.post("/login", data={"email": "x"}), status=400)

    # The door.
    pages.get(door, "door-events", "/checkin/")
    pages.get(door, "door", f"/checkin/{SLUG}")
    pages.post(door, "door-scanned", f"/checkin/{SLUG}", {"code": c["nils"].badge_token},
               status=409)
    pages.get(door, "door-search", f"/checkin/{SLUG}/search?q=karlsson")
    pages.get(door, "door-search-none", f"/checkin/{SLUG}/search?q=finns+inte")
    pages.post(door, "door-search-checked-in",
               f"/checkin/{SLUG}/registrations/{alva.id}/check-in", {"q": "alva"},
               form_page=f"/checkin/{SLUG}/search?q=alva")
    pages.get(door, "door-missing", f"/checkin/{SLUG}/missing")
    workshop_door = f"/checkin/{SLUG}?list=item:{c['workshop'].id}"
    pages.get(door, "door-workshop", workshop_door)
    pages.post(door, "door-workshop-refused", workshop_door, {"code": c["nils"].badge_token},
               status=409)
    # An offline door let Nils in again: a conflict for the organiser.
    [token, *_] = CSRF_FIELD.findall(door.get(workshop_door).get_data(as_text=True))
    queued = {"code": c["nils"].badge_token, "nonce": "offline-1", "list": "",
              "offline_outcome": "checked_in", "device_time": ""}
    assert door.post(f"/checkin/{SLUG}/upload.json", headers={"X-CSRFToken": token},
                     json={"scans": [queued]}).status_code == 200
    pages.get(door, "forbidden", "/manage/", status=403)

    # The organiser's pages.
    o = organiser
    pages.get(o, "dashboard", "/manage/")
    pages.get(o, "event-new", "/manage/events/new")
    pages.get(o, "event-manage", f"{MANAGE}/")
    pages.get(o, "event-programme", f"{MANAGE}/programme")
    pages.get(o, "event-edit", f"{MANAGE}/edit")
    pages.post(o, "event-edit-errors", f"{MANAGE}/edit", {"name": ""}, status=400)
    pages.get(o, "item-new", f"{MANAGE}/items/new")
    pages.get(o, "item-edit", f"{MANAGE}/items/{c['talk'].id}")
    pages.post(o, "item-errors", f"{MANAGE}/items/new", {"title": ""}, status=400)
    pages.get(o, "grid", f"{MANAGE}/grid")
    pages.get(o, "import", f"{MANAGE}/programme/import")
    csv = ("day,start,end,room,kind,title,speakers,description,status\n"
           f"{DAY.isoformat()},16:00,17:00,Sal B,talk,Avslutning,Sara Nilsson,,\n")
    pages.post(o, "import-preview", f"{MANAGE}/programme/import",
               {"file": (io.BytesIO(csv.encode()), "programme.csv")},
               content_type="multipart/form-data")
    pages.get(o, "tickets", f"{MANAGE}/tickets")
    pages.get(o, "ticket-new", f"{MANAGE}/tickets/new")
    pages.get(o, "ticket-edit", f"{MANAGE}/tickets/{c['ticket'].id}")
    pages.post(o, "ticket-errors", f"{MANAGE}/tickets/new", {"name": ""}, status=400)
    pages.get(o, "registration-settings", f"{MANAGE}/registration-settings")
    pages.get(o, "questions", f"{MANAGE}/questions")
    pages.get(o, "question-new", f"{MANAGE}/questions/new")
    pages.get(o, "question-edit", f"{MANAGE}/questions/{c['question'].id}")
    pages.get(o, "question-delete", f"{MANAGE}/questions/{c['question'].id}/delete")
    pages.get(o, "attendees", f"{MANAGE}/attendees")
    pages.get(o, "attendees-filtered",
              f"{MANAGE}/attendees?q=alva&ticket={c['ticket'].id}&status=confirmed"
              f"&payment=none&checked_in=no&item={c['workshop'].id}&needs=none&sort=surname")
    pages.get(o, "attendees-none", f"{MANAGE}/attendees?q=finns+inte")
    pages.get(o, "orders", f"{MANAGE}/orders")
    pages.get(o, "order-detail", f"{MANAGE}/orders/{c['invoice'].id}")
    pages.get(o, "order-detail-unpaid", f"{MANAGE}/orders/{c['unpaid'].id}")
    pages.get(o, "order-detail-card", f"{MANAGE}/orders/{c['card'].id}")
    pages.get(o, "refund", f"{MANAGE}/orders/{c['invoice'].id}/refund")
    pages.get(o, "invoices", f"{MANAGE}/invoices")
    [token, *_] = CSRF_FIELD.findall(o.get(f"{MANAGE}/invoices").get_data(as_text=True))
    assert o.post(f"{MANAGE}/invoices/remind", data={"csrf_token": token}).status_code == 303
    pages.get(o, "invoices-reminded", f"{MANAGE}/invoices")
    pages.get(o, "waiting-list", f"{MANAGE}/waiting-list")
    pages.get(o, "publish", f"{MANAGE}/publish")
    pages.get(o, "speakers-manage", f"{MANAGE}/speakers")
    pages.get(o, "feedback", f"{MANAGE}/feedback")
    pages.get(o, "feedback-questions", f"{MANAGE}/feedback/questions")
    pages.post(o, "feedback-question-errors", f"{MANAGE}/feedback/questions",
               {"kind": "grid", "text": ""}, status=400)
    grid = c["survey"].questions[2].id
    pages.get(o, "feedback-question", f"{MANAGE}/feedback/questions/{grid}")
    pages.get(o, "feedback-results", f"{MANAGE}/feedback/results")
    pages.get(o, "signups", f"{MANAGE}/items/{c['workshop'].id}/signups")
    person = f"{MANAGE}/attendees/{alva.id}"
    pages.get(o, "attendee-person", person)
    pages.get(o, "attendee-person-order", f"{MANAGE}/attendees/{c['invoice'].registrations[0].id}")
    pages.post(o, "attendee-person-transfer-errors", f"{person}/transfer",
               {"transfer-email": "x"}, status=400, form_page=person)
    pages.post(o, "attendee-person-refused", f"{person}/ticket",
               {"ticket-ticket_type": c["paid"].id}, status=409, form_page=person)
    pages.get(o, "purge", f"{MANAGE}/purge")
    pages.get(o, "exports", f"{MANAGE}/exports")
    pages.post(o, "exports-errors", f"{MANAGE}/exports/attendees",
               {"file_format": "xlsx", "who": "confirmed"}, status=400,
               form_page=f"{MANAGE}/exports")
    pages.post(o, "exports-badges-errors", f"{MANAGE}/exports/badges", {"layout": "a9"},
               status=400, form_page=f"{MANAGE}/exports")
    pages.get(o, "audit", f"{MANAGE}/audit")
    messages = f"{MANAGE}/messages"
    pages.get(o, "messages-none", messages)
    message_form = pages.get(o, "message-new", f"{messages}/new")
    [nonce] = re.findall(r'name="nonce" type="hidden" value="([^"]+)"', message_form)
    message = {"audience": "all", "subject_sv": "Välkommen, {namn}",
               "body_sv": "Hej {namn}!\n\nVälkommen till Vårkonferensen.",
               "subject_en": "", "body_en": "", "nonce": nonce}
    pages.post(o, "message-new-errors", f"{messages}/new",
               {**message, "body_sv": "Hej\x07", "subject_en": "Only a subject",
                "step": "preview"}, status=400, form_page=f"{messages}/new")
    pages.post(o, "message-preview", f"{messages}/new", {**message, "step": "preview"},
               form_page=f"{messages}/new")
    pages.post(o, "message-preview-nobody", f"{messages}/new",
               {**message, "audience": f"item:{c['empty_workshop'].id}", "step": "preview"},
               form_page=f"{messages}/new")
    pages.post(o, "message-edit", f"{messages}/new", {**message, "step": "edit"},
               form_page=f"{messages}/new")
    [token, *_] = CSRF_FIELD.findall(o.get(f"{messages}/new").get_data(as_text=True))
    sent = o.post(f"{messages}/new", data={**message, "step": "send", "csrf_token": token})
    assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
    pages.get(o, "messages", messages)
    pages.get(o, "message", urlparse(sent.headers["Location"]).path)
    pages.get(o, "door-devices", f"{MANAGE}/door-devices")
    conflicts = pages.get(o, "check-in-conflicts", f"{MANAGE}/check-in-conflicts")
    [conflict_id] = re.findall(r'id="conflict-(\d+)"', conflicts)
    pages.post(o, "check-in-conflict-empty",
               f"{MANAGE}/check-in-conflicts/{conflict_id}/resolve", {"resolution": ""},
               status=400, form_page=f"{MANAGE}/check-in-conflicts")
    pages.post(o, "door-device-new", f"{MANAGE}/door-devices",
               {"name": "Entré norr", "valid_from": f"{DAY.isoformat()}T07:00",
                "valid_until": f"{DAY.isoformat()}T18:00"})
    pages.get(o, "team", f"{MANAGE}/team")
    pages.post(o, "team-invite-errors", f"{MANAGE}/team/invite",
               {"email": "inte en adress", "role": "door"}, status=400,
               form_page=f"{MANAGE}/team")
    teams.invite(c["event"], "nina@example.org", "finance", find_user("arrangor@example.org"),
                 "sv")
    db.session.commit()
    pages.get(o, "team-invited", f"{MANAGE}/team")
    [link] = re.findall(r"/team-invitation/\S+", db.session.scalars(
        select(OutgoingEmail.body_text).where(OutgoingEmail.kind == "team-invitation")).one())
    pages.get(visitor, "team-invitation", link)
    pages.post(visitor, "team-invitation-errors", link,
               {"name": "", "password": "kort", "confirm_password": "lång"}, status=400)
    pages.get(o, "users", "/admin/users")
    pages.get(visitor, "accessibility-statement", "/tillganglighet")
    pages.get(o, "accessibility-statement-admin", "/tillganglighet")
    pages.get(o, "accessibility-statement-edit", "/admin/tillganglighet")
    pages.post(o, "accessibility-statement-errors", "/admin/tillganglighet",
               {"organisation": "", "compliance": "partial", "shortcomings_sv": "",
                "reviewed_on": "2020-01-01", "contact_email": "x"}, status=400)
    pages.get(o, "outbox", "/manage/outbox")
    pages.get(o, "dev-mail", "/dev/mail")
    pages.get(o, "dev-mail-message", f"/dev/mail/{c['dev_mail']}")

    # Postponing and cancelling: the form, its errors, the preview, then the event postponed.
    postpone = f"{MANAGE}/postpone"
    later = (DAY + timedelta(days=28)).isoformat()
    pages.get(o, "postpone", postpone)
    pages.post(o, "postpone-errors", f"{postpone}/preview",
               {"new_starts_on": DAY.isoformat(), "decision_days": "14"}, status=400,
               form_page=postpone)
    pages.post(o, "postpone-preview", f"{postpone}/preview",
               {"new_starts_on": later, "decision_days": "14", "message": "Nytt datum."},
               form_page=postpone)
    pages.get(o, "cancel-event", f"{MANAGE}/cancel")
    [token, *_] = CSRF_FIELD.findall(o.get(postpone).get_data(as_text=True))
    assert o.post(postpone, data={"csrf_token": token, "new_starts_on": later,
                                  "decision_days": "14", "seen_starts_on": DAY.isoformat()}
                  ).status_code == 303
    pages.get(o, "postponed", postpone)
    pages.get(client, "event-postponed", f"/e/{SLUG}/")
    pages.get(client, "attendee-postponed", attendee)

    # A year after the event Samla has deleted its personal data by itself.
    retention.purge_expired(now=datetime(2028, 6, 1, tzinfo=UTC))
    db.session.commit()
    pages.get(o, "event-manage-purged", f"{MANAGE}/")
    pages.get(client, "attendee-purged", attendee)

    assert pages.writes == [], "reading a page wrote to the database"
    errors = vnu_errors(pages.files)
    if errors:
        pytest.fail(f"{len(errors)} HTML errors in {len(pages.files)} pages:\n"
                    + "\n".join(errors), pytrace=False)
