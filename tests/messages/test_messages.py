"""The organiser writes to the attendees: to everyone or to some of them (a ticket type, those
not checked in, those signed up for a workshop), in Swedish and English, sees a preview with the
number of recipients per language, and sends it through the outbox; the message's page shows
who got which version and whether it was delivered. A form sent twice sends once."""

import re
from datetime import time

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.checkin.models import CheckIn
from app.checkin.services import Door, annul, scan
from app.events.models import Event
from app.extensions import db as _db
from app.mail.models import OutgoingEmail
from app.messages import services
from app.messages.models import Message, MessageRecipient
from app.programme.models import SessionSignup
from app.programme.signups import sign_up
from app.registration.services import cancel
from app.tickets.models import TicketType
from tests.concurrency import run_at_once
from tests.conftest import login, mail_held
from tests.factories import add_workshop, build_conference, card_order, publish_programme, register

SLUG = "varkonferensen-2027"
MESSAGES = f"/manage/e/{SLUG}/messages"
NONCE = re.compile(r'name="nonce" type="hidden" value="([^"]+)"')


# --- helpers -------------------------------------------------------------------------------------

def fresh_nonce(client) -> str:
    page = client.get(f"{MESSAGES}/new")
    assert page.status_code == 200
    [nonce] = NONCE.findall(page.get_data(as_text=True))
    return nonce


def post(client, step="preview", nonce=None, **fields):
    data = {"audience": "all", "subject_sv": "", "body_sv": "", "subject_en": "",
            "body_en": "", "nonce": nonce or fresh_nonce(client), "step": step, **fields}
    return client.post(f"{MESSAGES}/new", data=data)


def send(client, **fields):
    response = post(client, step="send", **fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response


def swedish(**fields):
    return {"subject_sv": "Välkommen, {namn}", "body_sv": "Hej {namn}!\n\nVi ses i Göteborg.",
            **fields}


def both(**fields):
    return swedish(subject_en="Welcome, {name}", body_en="Hello {name}!\n\nSee you.", **fields)


def figure(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}">(\d+)<', html)
    assert match, f"no #{element_id} in the page"
    return int(match.group(1))


def recipients_on_page(client, message_id: int) -> list[str]:
    html = client.get(f"{MESSAGES}/{message_id}").get_data(as_text=True)
    return re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]*)', html)


def latest_message(db) -> Message:
    db.session.rollback()
    return db.session.scalars(select(Message).order_by(Message.id.desc())).first()


def count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def message_mail(db) -> int:
    """Emails of messages in the outbox (the attendees' confirmations are there too)."""
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(OutgoingEmail).where(
        OutgoingEmail.kind == "message"))


def body(mailbox, message) -> str:
    """The text as the reader sees it (lines end in CRLF on the wire)."""
    return mailbox.body(message).replace("\r\n", "\n")


@pytest.fixture
def crowd(app, conference, db, make_user, mailbox):
    """Everyone an audience could wrongly include or leave out:
    - Alva (Swedish, free ticket) checked in at the entrance, signed up for the workshop;
    - Bo (English, free ticket) not checked in, signed up for the workshop;
    - Cilla (Swedish, volunteer ticket) checked in only at the workshop's door;
    - Dan (Swedish, free ticket) signed up for the workshop, then cancelled;
    - Eva (English, volunteer ticket) checked in and the check-in undone;
    - Kim, a card order waiting for payment (a seat held, not confirmed)."""
    with mail_held(app):  # their confirmations are not what these tests read
        event = conference["event"]
        volunteer = TicketType(event=event, name="Volontär", name_en="Volunteer", price_ore=0,
                               position=2)
        db.session.add(volunteer)
        db.session.commit()
        workshop = add_workshop(event, seats=10)
        empty = add_workshop(event, title="Yoga", start=time(16, 0), end=time(17, 0))
        publish_programme(event)
        alva = register(event, conference["ticket"], name="Alva Persson", email="alva@example.org")
        bo = register(event, conference["ticket"], name="Bo Berg", email="bo@example.org",
                      language="en")
        cilla = register(event, volunteer, name="Cilla Ek", email="cilla@example.org")
        dan = register(event, conference["ticket"], name="Dan Dahl", email="dan@example.org")
        eva = register(event, volunteer, name="Eva Lind", email="eva@example.org", language="en")
        card_order(conference, email="kim@example.org", name="Kim Kort")
        for person in (alva, bo, dan):
            sign_up(person, workshop)
        door = make_user("dorr@example.org", role="door", events=[event])
        scan(Door(event, user=door), alva.badge_token)
        undone = scan(Door(event, user=door), eva.badge_token).check_in
        annul(Door(event, user=door), undone.id, "Fel bricka")
        db.session.add(CheckIn(registration_id=cilla.id, event_id=event.id,
                               list_key=f"item:{workshop.id}"))
        db.session.commit()
        cancel(dan)
        # A sign-up kept from before cancelling left the sessions: the filter still sees the status.
        db.session.add(SessionSignup(registration_id=dan.id, item_id=workshop.id))
        db.session.commit()
    mailbox.clear()
    return {**conference, "volunteer": volunteer, "workshop": workshop, "empty": empty,
            "alva": alva, "bo": bo, "cilla": cilla, "dan": dan, "eva": eva}


# --- who gets it ---------------------------------------------------------------------------------

@pytest.mark.parametrize("audience, names", [
    ("all", ["Alva Persson", "Bo Berg", "Cilla Ek", "Eva Lind"]),
    ("ticket:{ticket}", ["Alva Persson", "Bo Berg"]),
    ("ticket:{volunteer}", ["Cilla Ek", "Eva Lind"]),
    ("not_checked_in", ["Bo Berg", "Cilla Ek", "Eva Lind"]),
    ("item:{workshop}", ["Alva Persson", "Bo Berg"]),
])
def test_each_audience_is_exactly_the_people_it_says(organiser, crowd, db, mailbox, audience,
                                                     names):
    """Cancelled registrations and seats held for a payment never get a message; an undone
    check-in and a check-in at a workshop's door are not arrivals at the entrance."""
    to = audience.format(ticket=crowd["ticket"].id, volunteer=crowd["volunteer"].id,
                         workshop=crowd["workshop"].id)
    preview = post(organiser, audience=to, **both())
    assert preview.status_code == 200
    assert figure(preview.get_data(as_text=True), "recipient-count") == len(names)

    send(organiser, audience=to, **both())
    message = latest_message(db)
    assert message.recipient_count == len(names)
    assert recipients_on_page(organiser, message.id) == names
    delivered = mailbox.wait_for(len(names))
    assert sorted(m["To"] for m in delivered) == sorted(
        f"{name.split()[0].lower()}@example.org" for name in names)


def test_the_audiences_offered_are_the_events_own(organiser, crowd):
    html = organiser.get(f"{MESSAGES}/new").get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="([^"]+)"[^>]*>([^<]*)</option>', html)
    assert options == [
        ("all", "Alla anmälda"),
        (f"ticket:{crowd['ticket'].id}", "Biljettyp: Fri entré"),
        (f"ticket:{crowd['paid'].id}", "Biljettyp: Ordinarie"),
        (f"ticket:{crowd['volunteer'].id}", "Biljettyp: Volontär"),
        ("not_checked_in", "Anmälda som inte checkat in vid entrén"),
        (f"item:{crowd['workshop'].id}", "Anmälda till: Workshop om återhämtning"),
        (f"item:{crowd['empty'].id}", "Anmälda till: Yoga"),
    ]


# --- languages -----------------------------------------------------------------------------------

def test_each_attendee_reads_their_own_language_with_their_name_and_link(organiser, crowd, db,
                                                                          mailbox):
    send(organiser, audience=f"ticket:{crowd['ticket'].id}", **both())
    alva_mail, bo_mail = (mailbox.to(address)[0] for address in ("alva@example.org",
                                                                  "bo@example.org"))
    assert alva_mail["Subject"] == "Välkommen, Alva Persson"
    assert body(mailbox, alva_mail).startswith("Hej Alva Persson!\n\nVi ses i Göteborg.\n")
    assert "Du får det här mejlet för att du är anmäld till Vårkonferensen." in body(
        mailbox, alva_mail)
    assert mailbox.link(alva_mail, "/r/") == f"/r/{crowd['alva'].manage_token}"
    assert bo_mail["Subject"] == "Welcome, Bo Berg"
    assert body(mailbox, bo_mail).startswith("Hello Bo Berg!\n\nSee you.\n")
    assert "because you are registered for Vårkonferensen" in body(mailbox, bo_mail)
    assert mailbox.link(bo_mail, "/r/") == f"/r/{crowd['bo'].manage_token}"

    # The record: each recipient linked to the email the outbox sent them, with the version.
    message = latest_message(db)
    rows = db.session.execute(
        select(MessageRecipient.language, OutgoingEmail.to_address, OutgoingEmail.kind,
               OutgoingEmail.event_id)
        .join(OutgoingEmail, OutgoingEmail.id == MessageRecipient.email_id)
        .where(MessageRecipient.message_id == message.id)
        .order_by(OutgoingEmail.to_address)).all()
    assert rows == [("sv", "alva@example.org", "message", crowd["event"].id),
                    ("en", "bo@example.org", "message", crowd["event"].id)]
    assert (message.subject_sv, message.subject_en) == ("Välkommen, {namn}", "Welcome, {name}")
    assert message.author == "Olga Organiser <arrangor@example.org>"


def test_an_empty_version_falls_back_to_the_other_language(organiser, crowd, db, mailbox):
    everyone = f"ticket:{crowd['ticket'].id}"
    preview = post(organiser, audience=everyone, **swedish()).get_data(as_text=True)
    assert figure(preview, "count-sv") == 2 and "count-en" not in preview
    assert ("Anmälda på engelska som får den svenska versionen, eftersom det inte finns någon "
            "på engelska: 1") in preview
    send(organiser, audience=everyone, **swedish())
    assert mailbox.to("bo@example.org")[0]["Subject"] == "Välkommen, Bo Berg"
    assert "Du får det här mejlet" in body(mailbox, mailbox.to("bo@example.org")[0])

    mailbox.clear()
    english_only = {"subject_en": "Parking", "body_en": "Park behind the hall, {name}."}
    preview = post(organiser, audience=everyone, **english_only).get_data(as_text=True)
    assert figure(preview, "count-en") == 2 and "count-sv" not in preview
    send(organiser, audience=everyone, **english_only)
    alva_mail = mailbox.to("alva@example.org")[0]
    assert alva_mail["Subject"] == "Parking"
    assert body(mailbox, alva_mail).startswith("Park behind the hall, Alva Persson.")
    assert [r.language for r in latest_message(db).recipients] == ["en", "en"]


def test_the_preview_shows_the_message_and_the_counts_and_sends_nothing(organiser, crowd, db,
                                                                         mailbox):
    nonce = fresh_nonce(organiser)
    response = post(organiser, nonce=nonce, **both())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert figure(html, "recipient-count") == 4
    assert figure(html, "count-sv") == 2 and figure(html, "count-en") == 2
    # Each version as its first recipient (by name) reads it.
    assert "Välkommen, Alva Persson" in html and "Hej Alva Persson!" in html
    assert "Welcome, Bo Berg" in html and "Hello Bo Berg!" in html
    assert "Skicka till 4 personer" in html
    assert count(db, Message) == 0 and message_mail(db) == 0
    assert mailbox.messages == []

    # Back to the form with what was written, the same nonce with it.
    edit = post(organiser, step="edit", nonce=nonce, **both())
    page = edit.get_data(as_text=True)
    assert edit.status_code == 200 and "Hej {namn}!\n\nVi ses i Göteborg.</textarea>" in page
    assert NONCE.findall(page) == [nonce]
    assert count(db, Message) == 0


def test_nobody_in_the_group_means_nothing_to_send(organiser, crowd, db, mailbox):
    to = f"item:{crowd['empty'].id}"
    preview = post(organiser, audience=to, **swedish()).get_data(as_text=True)
    assert figure(preview, "recipient-count") == 0
    assert "Det finns ingen i den här gruppen just nu" in preview
    assert 'value="send"' not in preview
    refused = post(organiser, step="send", audience=to, **swedish())
    assert refused.status_code == 400
    assert "Det finns ingen i den här gruppen just nu" in refused.get_data(as_text=True)
    assert count(db, Message) == 0 and message_mail(db) == 0


# --- once ----------------------------------------------------------------------------------------

def test_a_form_sent_twice_sends_once(organiser, crowd, db, mailbox):
    nonce = fresh_nonce(organiser)
    first = send(organiser, nonce=nonce, **both())
    again = send(organiser, nonce=nonce, **both())
    assert again.headers["Location"] == first.headers["Location"]
    page = organiser.get(again.headers["Location"]).get_data(as_text=True)
    assert "Meddelandet var redan skickat. Det skickades inte en gång till." in page
    assert count(db, Message) == 1 and message_mail(db) == 4
    mailbox.wait_for(4)
    assert len(mailbox.messages) == 4
    # A new form is a new message.
    send(organiser, **both())
    assert count(db, Message) == 2 and message_mail(db) == 8


def test_the_same_form_sent_at_the_same_instant_sends_once(app, crowd, db, mailbox):
    event_id, nonce = crowd["event"].id, services.new_nonce()

    def submit(_i):
        event = _db.session.get(Event, event_id)
        message, sent = services.send(event, None, services.Audience("all"),
                                      services.Draft(**both()), nonce)
        return sent

    outcomes = run_at_once(app, 3, submit)
    assert sorted(result for _i, result in outcomes) == [False, False, True]
    assert count(db, Message) == 1 and count(db, MessageRecipient) == 4
    assert message_mail(db) == 4


def test_a_second_submit_that_meets_the_unique_nonce_gets_the_first_message(
        organiser, crowd, db, monkeypatch, mailbox):
    """On PostgreSQL two submits can both find no message before either is stored: the unique
    (event, nonce) lets one in, and the other gets that one."""
    nonce = fresh_nonce(organiser)
    send(organiser, nonce=nonce, **both())
    first = latest_message(db)
    looked = []
    real = services._by_nonce

    def not_yet(event, found_nonce):
        looked.append(found_nonce)
        return None if len(looked) == 1 else real(event, found_nonce)

    monkeypatch.setattr(services, "_by_nonce", not_yet)
    again = send(organiser, nonce=nonce, **both())
    assert again.headers["Location"].endswith(f"/messages/{first.id}")
    assert len(looked) == 2
    assert count(db, Message) == 1 and message_mail(db) == 4


# --- the record ----------------------------------------------------------------------------------

def test_the_organiser_sees_what_was_sent_to_whom_and_its_delivery(organiser, crowd, db,
                                                                    mailbox):
    send(organiser, audience="not_checked_in", **both())
    mailbox.wait_for(3)
    message = latest_message(db)
    failed = db.session.scalar(
        select(OutgoingEmail).join(MessageRecipient, MessageRecipient.email_id == OutgoingEmail.id)
        .where(OutgoingEmail.to_address == "eva@example.org"))
    failed.status = "failed"
    db.session.commit()

    listing = organiser.get(MESSAGES).get_data(as_text=True)
    assert "Välkommen, {namn}" in listing
    assert "Anmälda som inte checkat in vid entrén" in listing
    assert "Levererade: 2. Väntar: 0. Misslyckade: 1." in listing
    assert "Olga Organiser" in listing

    page = organiser.get(f"{MESSAGES}/{message.id}").get_data(as_text=True)
    assert "Hej {namn}!" in page and "Hello {name}!" in page
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", page, re.S)
    assert len(rows) == 3
    bo, cilla, eva = rows
    assert "Bo Berg" in bo and "bo@example.org" in bo and "Engelska" in bo
    assert "lämnat till e-postservern" in bo
    assert "Cilla Ek" in cilla and "Svenska" in cilla
    assert "Eva Lind" in eva and "kunde inte levereras" in eva
    assert f'href="/manage/e/{SLUG}/attendees/{crowd["bo"].id}"' in bo
    assert "/manage/outbox" in page

    # In the audit log: who sent what to how many.
    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "message.sent")).all()
    assert entry.detail["recipients"] == 3 and entry.detail["message"] == message.id
    assert entry.detail["languages"] == {"sv": 1, "en": 2}
    log = organiser.get(f"/manage/e/{SLUG}/audit").get_data(as_text=True)
    assert "Skickade ett meddelande till deltagarna" in log


def test_many_recipients_are_listed_a_page_at_a_time(organiser, conference, db, mailbox,
                                                     monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    for i in range(5):
        register(conference["event"], conference["ticket"], name=f"Person {i}",
                 email=f"p{i}@example.org")
    send(organiser, **swedish())
    message = latest_message(db)
    assert recipients_on_page(organiser, message.id) == ["Person 0", "Person 1"]
    third = organiser.get(f"{MESSAGES}/{message.id}?page=3").get_data(as_text=True)
    assert "Sida 3 av 3" in third and "Person 4" in third
    assert organiser.get(f"{MESSAGES}/{message.id}?page=4").status_code == 404


# --- what may not be sent ------------------------------------------------------------------------

@pytest.mark.parametrize("fields, error", [
    (swedish(body_sv="Hej\x07 {namn}"), "Ta bort styrtecken eller osynliga tecken"),
    (swedish(body_sv="Hej \u202eredro{namn}"), "Ta bort styrtecken eller osynliga tecken"),
    (swedish(body_sv="Hej\u200b {namn}"), "Ta bort styrtecken eller osynliga tecken"),
    (swedish(subject_sv="Två\nrader"), "Skriv på en rad"),
    (swedish(subject_sv="Ämne\u200f"), "Skriv på en rad"),
    (swedish(body_sv=""), "Skriv texten också"),
    (swedish(subject_sv=""), "Skriv ett ämne också"),
    ({"subject_en": "Only a subject"}, "Skriv texten också"),
    ({}, "Skriv ett ämne och en text på svenska, på engelska eller på båda."),
    (swedish(subject_sv="Å" * 201), "Fältet får inte vara längre än 200 tecken."),
    (swedish(body_sv="x" * 20_001), "Fältet får inte vara längre än 20000 tecken."),
    (swedish(audience="ticket:999999"), "Välj vilka som ska få meddelandet i listan."),
    (swedish(audience="everyone"), "Välj vilka som ska få meddelandet i listan."),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_sent(organiser, crowd, db, mailbox,
                                                                 fields, error):
    for step in ("preview", "send"):
        response = post(organiser, step=step, **fields)
        assert response.status_code == 400, step
        assert error in response.get_data(as_text=True), step
    assert count(db, Message) == 0 and message_mail(db) == 0


def test_line_breaks_and_tabs_are_kept_and_html_is_only_text(organiser, crowd, db, mailbox):
    text = "Schema:\r\n\t09.00 <b>Start</b> & <script>alert(1)</script>\r\n\r\nHälsningar"
    preview = post(organiser, audience=f"ticket:{crowd['volunteer'].id}",
                   **swedish(body_sv=text)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in preview and "<b>Start</b>" not in preview
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in preview
    send(organiser, audience=f"ticket:{crowd['volunteer'].id}", **swedish(body_sv=text))
    [cilla] = mailbox.to("cilla@example.org")
    assert cilla.get_content_type() == "multipart/alternative"
    assert body(mailbox, cilla).startswith(
        "Schema:\n\t09.00 <b>Start</b> & <script>alert(1)</script>\n\nHälsningar\n")
    # In the HTML version the organiser's text is text too: escaped, its line breaks kept.
    html = cilla.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "<b>" not in html
    assert "09.00 &lt;b&gt;Start&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Schema:<br>" in html
    page = organiser.get(f"{MESSAGES}/{latest_message(db).id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def test_another_events_audience_or_message_is_not_this_events(organiser, crowd, db, mailbox):
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    register(other["event"], other["ticket"], name="Olle Andra", email="olle@example.org")
    response = post(organiser, step="send", audience=f"ticket:{other['ticket'].id}", **swedish())
    assert response.status_code == 400
    send(organiser, **swedish())
    mine = latest_message(db)
    assert organiser.get(f"/manage/e/hostkonferensen-2027/messages/{mine.id}").status_code == 404
    assert organiser.get(f"{MESSAGES}/{mine.id + 1}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(OutgoingEmail).where(
        OutgoingEmail.to_address == "olle@example.org", OutgoingEmail.kind == "message")) == 0


@pytest.mark.parametrize("nonce, step", [("", "send"), ("kort", "send"), ("x" * 65, "preview"),
                                         ("a/b" * 10, "send"), (None, "publish")])
def test_a_form_without_its_key_or_step_is_refused(organiser, crowd, db, mailbox, nonce, step):
    data = {"audience": "all", **swedish(), "step": step}
    data["nonce"] = nonce if nonce is not None else fresh_nonce(organiser)
    response = organiser.post(f"{MESSAGES}/new", data=data)
    assert response.status_code == 400
    assert count(db, Message) == 0 and message_mail(db) == 0


# --- who may ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, reads, sends", [
    ("owner", 200, 303), ("organiser", 200, 303), ("finance", 403, 403), ("door", 403, 403),
    ("readonly", 200, 403),
])
def test_the_team_role_decides_who_writes_to_attendees(app, crowd, db, make_user, mailbox, role,
                                                       reads, sends):
    make_user(f"{role}@team.example", role="door" if role != "owner" else "organiser",
              events=[crowd["event"]], team_role=role)
    client = login(app.test_client(), f"{role}@team.example")
    assert client.get(MESSAGES).status_code == reads
    assert client.get(f"{MESSAGES}/new").status_code == reads
    response = client.post(f"{MESSAGES}/new", data={
        "audience": "all", **swedish(), "nonce": services.new_nonce(), "step": "send"})
    assert response.status_code == sends
    assert count(db, Message) == (1 if sends == 303 else 0)


def test_an_organiser_of_another_event_gets_404(app, crowd, db, make_user, mailbox):
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    make_user("bo@other.example", role="organiser", events=[other["event"]], team_role="owner")
    client = login(app.test_client(), "bo@other.example")
    assert client.get(MESSAGES).status_code == 404
    assert client.post(f"{MESSAGES}/new", data={
        "audience": "all", **swedish(), "nonce": services.new_nonce(),
        "step": "send"}).status_code == 404
    assert count(db, Message) == 0


def test_the_event_page_links_to_the_messages(organiser, crowd):
    page = organiser.get(f"/manage/e/{SLUG}/").get_data(as_text=True)
    assert f'href="{MESSAGES}"' in page


def test_a_refused_character_is_shown_where_it_was(organiser, crowd, db, mailbox):
    response = post(organiser, **swedish(subject_sv="Hej\u200bdär", body_sv="Rad ett\x1b\nRad två"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Hej\ufffddär"' in html and "Rad ett\ufffd\nRad två</textarea>" in html
    assert "\x1b" not in html and "\u200b" not in html


def test_a_workshops_sign_up_page_leads_to_a_message_to_its_people(organiser, crowd):
    workshop = crowd["workshop"]
    page = organiser.get(f"/manage/e/{SLUG}/items/{workshop.id}/signups").get_data(as_text=True)
    link = f"{MESSAGES}/new?to=item:{workshop.id}"
    assert f'href="{link}"' in page
    form = organiser.get(link).get_data(as_text=True)
    assert f'<option selected value="item:{workshop.id}">' in form
