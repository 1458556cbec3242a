"""The outbox: mail is stored in the caller's transaction, delivered after commit exactly once,
retried with growing pauses, given up on after many attempts, and shown to organisers."""

import io
import time
from contextlib import contextmanager
from datetime import timedelta
from email.message import EmailMessage

import pytest
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import func, select, update

from app.db_types import utcnow
from app.extensions import db as _db
from app.mail import outbox
from app.mail.models import EmailAttachment, OutgoingEmail
from app.mail.transport import FolderTransport
from tests.concurrency import run_at_once
from tests.readback import attachment, pdf_text

TO = "mottagare@example.org"


def small_pdf(text="Bilaga till testet") -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def queue(subject="Hej från Samla", to=TO, attachments=()):
    return outbox.queue_email(to=to, subject=subject, body=f"Brödtext: {subject}", kind="test",
                              attachments=attachments)


@contextmanager
def held(app):
    """Commit without the after-commit delivery, as if no worker had picked the message up."""
    app.config["OUTBOX_HOLD"] = True
    try:
        yield
    finally:
        app.config.pop("OUTBOX_HOLD", None)


@contextmanager
def smtp_down(smtp_server):
    smtp_server.stop()
    try:
        yield
    finally:
        if smtp_server.controller is None:
            smtp_server.start()


def queued_and_held(app, subject="Väntande"):
    with held(app):
        email = queue(subject)
        _db.session.commit()
    return email.id


def row(email_id) -> OutgoingEmail:
    _db.session.rollback()
    email = _db.session.get(OutgoingEmail, email_id)
    _db.session.refresh(email)
    return email


def count(model) -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(model))


# --- queued in the caller's transaction ------------------------------------------------------

def test_rolled_back_message_is_never_stored_or_sent(db, mailbox):
    queue("Ska aldrig skickas", attachments=[("a.pdf", "application/pdf", small_pdf())])
    db.session.flush()
    db.session.rollback()
    # A later, unrelated commit must not send what the rolled-back transaction queued.
    db.session.commit()
    assert count(OutgoingEmail) == 0
    assert count(EmailAttachment) == 0
    with pytest.raises(AssertionError):
        mailbox.wait_for(1, timeout=0.5)


def test_committed_message_is_delivered_with_message_id_and_attachment(db, mailbox):
    pdf = small_pdf()
    email = queue("Din namnbricka", attachments=[("namnbricka.pdf", "application/pdf", pdf)])
    db.session.commit()
    [message] = mailbox.wait_for(1)
    stored = row(email.id)
    assert stored.status == "sent" and stored.attempts == 1 and stored.sent_at is not None
    assert message["To"] == TO and message["Subject"] == "Din namnbricka"
    assert message["Message-ID"] == stored.message_id
    assert stored.message_id.startswith("<") and stored.message_id.endswith("@samla.localhost>")
    assert message["From"] == "Samla <noreply@samla.localhost>"
    assert "Brödtext: Din namnbricka" in mailbox.body(message)
    assert attachment(message) == pdf
    [part] = message.iter_attachments()
    assert part.get_filename() == "namnbricka.pdf"
    assert [t.strip() for t in pdf_text(attachment(message))] == ["Bilaga till testet"]


def test_each_message_gets_its_own_message_id(db, mailbox):
    first, second = queue("Ett"), queue("Två")
    db.session.commit()
    messages = mailbox.wait_for(2)
    assert len({m["Message-ID"] for m in messages}) == 2
    assert {m["Message-ID"] for m in messages} == {row(first.id).message_id,
                                                   row(second.id).message_id}


# --- failures and retries --------------------------------------------------------------------

def test_an_event_name_stored_with_a_line_break_does_not_stop_its_mail(app, db, mailbox,
                                                                     conference):
    """Forms refuse line breaks in names now; a name stored before that (or written straight
    into the database) must not make every message of the event fail forever."""
    from tests.factories import register

    event = conference["event"]
    event.name = "Vår\r\nkonferensen\u200b\u2028"
    db.session.commit()
    with held(app):
        registration = register(event, conference["ticket"])
    email = db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.kind == "confirmation"))
    assert "\n" in email.subject  # as stored
    email.to_address = registration.email + "\r\n"
    db.session.commit()

    assert outbox.deliver(email.id) is True
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Din anmälan: Vår konferensen"
    assert message["To"] == "alva@example.org"
    db.session.rollback()
    email = db.session.get(OutgoingEmail, email.id)
    assert email.status == "sent" and email.last_error == ""


def test_backoff_doubles_from_a_minute_and_stops_at_an_hour():
    assert outbox.backoff(1) == timedelta(minutes=1)
    assert outbox.backoff(2) == timedelta(minutes=2)
    assert outbox.backoff(3) == timedelta(minutes=4)
    assert outbox.backoff(6) == timedelta(minutes=32)
    assert outbox.backoff(7) == timedelta(hours=1)
    assert outbox.backoff(12) == timedelta(hours=1)
    assert outbox.backoff(1000) == timedelta(hours=1)


def test_smtp_outage_keeps_the_message_and_schedules_a_retry(db, mailbox, smtp_server):
    with smtp_down(smtp_server):
        before = utcnow()
        email = queue("Under avbrottet")
        db.session.commit()
        after = utcnow()
        stored = row(email.id)
        assert stored.status == "pending"
        assert stored.attempts == 1
        assert stored.last_error and "Error" in stored.last_error
        assert stored.claimed_at is None and stored.sent_at is None
        assert before + outbox.backoff(1) <= stored.next_attempt_at <= after + outbox.backoff(1)
        # Nothing is due yet: the sweep leaves it alone.
        assert outbox.deliver_due() == 0
    assert len(mailbox.messages) == 0

    retry_at = stored.next_attempt_at
    assert outbox.deliver_due(now=retry_at - timedelta(seconds=1)) == 0
    assert row(email.id).attempts == 1
    assert len(mailbox.messages) == 0

    assert outbox.deliver_due(now=retry_at + timedelta(seconds=1)) == 1
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Under avbrottet"
    stored = row(email.id)
    assert stored.status == "sent" and stored.attempts == 2 and stored.last_error == ""
    # Sent is final: a later sweep sends nothing more.
    assert outbox.deliver_due(now=retry_at + timedelta(days=1)) == 0
    assert len(mailbox.messages) == 1


def test_each_failure_waits_longer(db, mailbox, smtp_server):
    with smtp_down(smtp_server):
        email = queue("Allt längre pauser")
        db.session.commit()
        for attempts in (2, 3):
            now = row(email.id).next_attempt_at
            assert outbox.deliver(email.id, now=now) is False
            stored = row(email.id)
            assert stored.attempts == attempts and stored.status == "pending"
            assert stored.next_attempt_at == now + outbox.backoff(attempts)


def fail_until_given_up(app, email_id):
    """Let every allowed attempt fail; returns the row as it was before the last attempt."""
    limit = app.config["MAIL_MAX_ATTEMPTS"]
    assert limit > 2
    before_last = None
    while row(email_id).attempts < limit:
        stored = row(email_id)
        if stored.attempts == limit - 1:
            before_last = (stored.status, stored.attempts)
        assert outbox.deliver(email_id, now=stored.next_attempt_at) is False
    return before_last


def test_after_max_attempts_the_message_fails_and_an_organiser_retries_it(
        app, db, mailbox, smtp_server, organiser):
    with smtp_down(smtp_server):
        email = queue("Kommer inte fram", to="okand@example.org")
        db.session.commit()
        limit = app.config["MAIL_MAX_ATTEMPTS"]
        assert fail_until_given_up(app, email.id) == ("pending", limit - 1)
        stored = row(email.id)
        assert stored.status == "failed"
        assert stored.attempts == limit
        # A failed message waits for a person, however late the sweep runs.
        assert outbox.deliver_due(now=utcnow() + timedelta(days=365)) == 0
        assert outbox.deliver(email.id, now=utcnow() + timedelta(days=365)) is False

    page = organiser.get("/manage/outbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "okand@example.org" in html and "Kommer inte fram" in html
    assert f"/manage/outbox/{email.id}/retry" in html

    response = organiser.post(f"/manage/outbox/{email.id}/retry")
    assert response.status_code == 302 and response.headers["Location"].endswith("/manage/outbox")
    stored = row(email.id)
    assert stored.status == "pending" and stored.attempts == 0
    assert stored.next_attempt_at <= utcnow()
    # Retrying again (it is no longer failed) and an unknown id are both "not found".
    assert organiser.post(f"/manage/outbox/{email.id}/retry").status_code == 404
    assert organiser.post(f"/manage/outbox/{email.id + 1000}/retry").status_code == 404

    assert outbox.deliver_due() == 1
    [message] = mailbox.wait_for(1)
    assert message["To"] == "okand@example.org"
    assert row(email.id).status == "sent"


def test_the_deliver_command_sends_every_due_message_not_only_the_first_batch(app, db, mailbox):
    """`flask outbox deliver` after a bulk load: 450 held messages, more than two batches."""
    with held(app):
        for n in range(450):
            queue(f"Utskick {n}", to=f"deltagare{n}@example.org")
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert "sent: 450" in result.output
    assert len(mailbox.wait_for(450)) == 450
    assert count(OutgoingEmail) == 450
    _db.session.rollback()
    assert _db.session.scalar(select(func.count()).where(OutgoingEmail.status != "sent")) == 0


def test_a_message_that_keeps_failing_does_not_hold_the_sweep_up(app, db, mailbox, monkeypatch):
    """Batches of two: the failing message waits for its back-off, the others all go out, and
    the sweep ends."""
    monkeypatch.setattr(outbox, "DELIVERY_BATCH", 2)
    real = outbox.get_transport

    class Refusing:
        def send(self, message, email_id):
            if message["To"] == "studsar@example.org":
                raise OSError("550 no such user")
            real().send(message, email_id)

    monkeypatch.setattr(outbox, "get_transport", Refusing)
    with held(app):
        refused = queue("Studsar", to="studsar@example.org")
        for n in range(4):
            queue(f"Går fram {n}", to=f"deltagare{n}@example.org")
        db.session.commit()
    assert outbox.deliver_due() == 4
    assert len(mailbox.wait_for(4)) == 4
    stored = row(refused.id)
    assert stored.status == "pending" and stored.attempts == 1
    assert stored.next_attempt_at > utcnow()


def test_outbox_page_is_for_organisers_only(app, client, make_user, db):
    anonymous = client.get("/manage/outbox")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_user("dorr@example.org", role="door")
    from tests.conftest import login

    door = login(app.test_client(), "dorr@example.org")
    assert door.get("/manage/outbox").status_code == 403
    email_id = queued_and_held(app)
    db.session.execute(update(OutgoingEmail).where(OutgoingEmail.id == email_id)
                       .values(status="failed", attempts=12))
    db.session.commit()
    assert door.post(f"/manage/outbox/{email_id}/retry").status_code == 403
    assert row(email_id).status == "failed"


# --- exactly once ----------------------------------------------------------------------------

def test_eight_workers_delivering_one_message_send_it_once(app, db, mailbox):
    email_id = queued_and_held(app, "Bara en gång")
    assert row(email_id).status == "pending"
    _db.session.commit()
    results = [sent for _, sent in run_at_once(app, 8, lambda _i: outbox.deliver(email_id))]
    assert sorted(results) == [False] * 7 + [True]
    assert len(mailbox.messages) == 1
    assert mailbox.messages[0]["Subject"] == "Bara en gång"
    stored = row(email_id)
    assert stored.status == "sent" and stored.attempts == 1


def mark_sending(email_id, claimed_at):
    _db.session.execute(update(OutgoingEmail).where(OutgoingEmail.id == email_id)
                        .values(status="sending", claimed_at=claimed_at))
    _db.session.commit()


def test_message_stuck_in_sending_is_reclaimed_only_after_the_claim_timeout(app, db, mailbox):
    now = utcnow()
    stale = queued_and_held(app, "Avsändaren dog")
    fresh = queued_and_held(app, "Skickas just nu")
    mark_sending(stale, now - outbox.CLAIM_TIMEOUT - timedelta(minutes=1))
    mark_sending(fresh, now - timedelta(minutes=1))

    assert outbox.due_ids() == [stale]
    assert outbox.deliver_due() == 1
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Avsändaren dog"
    assert row(stale).status == "sent"
    assert row(fresh).status == "sending"
    assert outbox.deliver(fresh) is False
    assert len(mailbox.messages) == 1
    # Once its own claim has gone stale, the fresh one is picked up too.
    later = now + outbox.CLAIM_TIMEOUT + timedelta(seconds=1)
    assert outbox.deliver_due(now=later) == 1
    assert len(mailbox.wait_for(2)) == 2
    assert row(fresh).status == "sent"


# --- the developer mailbox (/dev/mail) -------------------------------------------------------

@pytest.fixture
def dev_folder(app, tmp_path, monkeypatch):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    monkeypatch.setitem(app.config, "DEV_MAIL_VIEW", True)
    return folder


def dev_message(subject, body, pdf=None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Samla <noreply@samla.localhost>"
    message["To"] = TO
    message["Subject"] = subject
    message.set_content(body)
    if pdf is not None:
        message.add_attachment(pdf, maintype="application", subtype="pdf",
                               filename="namnbricka.pdf")
    return message


def write_dev_mail(app, subject, body, email_id, pdf=None) -> str:
    FolderTransport(app.config["MAIL_FOLDER"]).send(dev_message(subject, body, pdf), email_id)
    return f"{email_id:08d}.eml"


def test_dev_mailbox_lists_shows_and_serves_attachments(app, client, dev_folder):
    pdf = small_pdf("Namnbricka i utvecklarlådan")
    name = write_dev_mail(app, "Välkommen till Vårkonferensen", "Hej Alva,\nvälkommen!", 42, pdf)
    write_dev_mail(app, "Andra brevet", "Annan text", 43)

    inbox = client.get("/dev/mail")
    assert inbox.status_code == 200
    html = inbox.get_data(as_text=True)
    assert "Välkommen till Vårkonferensen" in html and "Andra brevet" in html
    assert f"/dev/mail/{name}" in html

    page = client.get(f"/dev/mail/{name}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Hej Alva," in html and "välkommen!" in html and "namnbricka.pdf" in html
    assert f"/dev/mail/{name}/0" in html

    served = client.get(f"/dev/mail/{name}/0")
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    assert served.data == pdf
    assert [t.strip() for t in pdf_text(served.data)] == ["Namnbricka i utvecklarlådan"]
    assert client.get(f"/dev/mail/{name}/1").status_code == 404


def test_dev_mailbox_shows_the_html_part_in_a_sandbox_that_loads_nothing(app, client,
                                                                           dev_folder):
    message = dev_message("Med HTML", "Hej Alva, i text")
    message.add_alternative('<!doctype html><html lang="sv"><title>x</title>'
                            '<p style="color:red">Hej Alva, i HTML</p>'
                            '<script>alert(1)</script><img src="https://example.org/t.gif">',
                            subtype="html")
    FolderTransport(app.config["MAIL_FOLDER"]).send(message, 50)
    page = client.get("/dev/mail/00000050.eml").get_data(as_text=True)
    assert '<iframe class="mail-preview" sandbox src="/dev/mail/00000050.eml/html"' in page
    assert "Hej Alva, i text" in page

    served = client.get("/dev/mail/00000050.eml/html")
    assert served.status_code == 200 and served.mimetype == "text/html"
    assert "Hej Alva, i HTML" in served.get_data(as_text=True)
    policy = dict(rule.strip().partition(" ")[::2] for rule in
                  served.headers["Content-Security-Policy"].split(";"))
    # No script runs, nothing is fetched (not the tracking image), inline styles apply.
    assert "sandbox" in policy and policy["default-src"] == "'none'"
    assert policy["img-src"] == "data:" and policy["style-src"] == "'unsafe-inline'"
    assert policy["frame-ancestors"] == "'self'"

    write_dev_mail(app, "Bara text", "Text", 51)
    assert client.get("/dev/mail/00000051.eml/html").status_code == 404
    assert "<iframe" not in client.get("/dev/mail/00000051.eml").get_data(as_text=True)
    assert client.get("/dev/mail/..%2Fsecret.eml/html").status_code == 404


def test_a_message_with_html_goes_out_as_alternatives_and_one_without_as_text(db, mailbox):
    with_html = outbox.queue_email(to=TO, subject="Båda", body="Texten", html="<p>HTML</p>",
                                   kind="test", attachments=[("a.pdf", "application/pdf",
                                                              small_pdf())])
    text_only = outbox.queue_email(to="annan@example.org", subject="Bara text", body="Texten",
                                   kind="test")
    db.session.commit()
    mail = {m["Subject"]: m for m in mailbox.wait_for(2)}
    both = mail["Båda"]
    assert both.get_content_type() == "multipart/mixed"
    alternative, pdf = both.get_payload()
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert pdf.get_filename() == "a.pdf"
    assert both.get_body(preferencelist=("html",)).get_content().strip() == "<p>HTML</p>"
    assert mail["Bara text"].get_content_type() == "text/plain"
    assert row(with_html.id).body_html == "<p>HTML</p>" and row(text_only.id).body_html == ""


def test_dev_mailbox_serves_only_eml_files_in_its_folder(app, client, dev_folder):
    write_dev_mail(app, "Finns", "Text", 7)
    secret = dev_message("Hemligt", "Utanför mappen")
    (dev_folder.parent / "secret.eml").write_bytes(bytes(secret))
    (dev_folder / "notes.txt").write_bytes(bytes(secret))
    (dev_folder / ".hidden.eml").write_bytes(bytes(secret))
    for path in ("/dev/mail/..%2Fsecret.eml", "/dev/mail/..%2Fsecret", "/dev/mail/../secret.eml",
                 "/dev/mail/notes.txt", "/dev/mail/.hidden.eml", "/dev/mail/00000099.eml",
                 "/dev/mail/..%2Fsecret.eml/0", "/dev/mail/notes.txt/0"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Utanför mappen" not in response.get_data(as_text=True), path
    assert client.get("/dev/mail/00000007.eml").status_code == 200


def test_dev_mailbox_is_empty_before_any_mail(client, dev_folder):
    response = client.get("/dev/mail")
    assert response.status_code == 200
    assert "/dev/mail/0" not in response.get_data(as_text=True)


def test_dev_mailbox_is_off_when_disabled(app, client, dev_folder):
    name = write_dev_mail(app, "Syns inte", "Text", 9, small_pdf())
    app.config["DEV_MAIL_VIEW"] = False
    try:
        for path in ("/dev/mail", f"/dev/mail/{name}", f"/dev/mail/{name}/0"):
            assert client.get(path).status_code == 404, path
    finally:
        app.config["DEV_MAIL_VIEW"] = True
    assert client.get("/dev/mail").status_code == 200


def test_a_savepoint_does_not_send_mail_that_is_not_committed(app, db, mailbox):
    """Releasing a savepoint (as the invoice number series does) is not a commit: a message
    queued before it is sent only when the whole transaction commits, never if it rolls back."""
    outbox.queue_email(to="sparad@example.org", subject="Hej", body="Text", kind="test")
    with db.session.begin_nested():
        outbox.queue_email(to="inuti@example.org", subject="Hej", body="Text", kind="test")
    db.session.rollback()
    time.sleep(0.3)
    assert mailbox.messages == []
    outbox.queue_email(to="sparad@example.org", subject="Hej", body="Text", kind="test")
    with db.session.begin_nested():
        pass
    db.session.commit()
    assert [m["To"] for m in mailbox.wait_for(1)] == ["sparad@example.org"]
