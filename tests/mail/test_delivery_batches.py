"""Delivering in batches: many messages go out over one SMTP session, still exactly once when
workers claim at the same moment, each failing on its own (one refused address does not stop
the others), with a deferred attachment drawn once per batch."""

import smtplib
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.db_types import utcnow
from app.extensions import db as _db
from app.mail import outbox
from app.mail.models import OutgoingEmail
from tests.concurrency import run_at_once
from tests.conftest import Mailbox, free_port

REFUSED = "finns-inte@example.org"


class CountingMailbox(Mailbox):
    """An SMTP server's inbox that also counts sessions, refuses one address (550, as for an
    unknown user) and, when told to, closes a session after so many messages (421), as servers
    that limit the messages per session do."""

    def __init__(self):
        super().__init__()
        self.sessions = 0
        self.per_session = None
        self.carried = {}

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.sessions += 1
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.per_session is not None and self.carried.get(id(session), 0) >= self.per_session:
            return "421 4.7.0 Too many messages in this session, come back"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.carried[id(session)] = self.carried.get(id(session), 0) + 1
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def counting_server(app, monkeypatch):
    """A mail server of this test's own, which the app delivers to."""
    mailbox = CountingMailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    yield mailbox
    controller.stop()


@contextmanager
def held(app):
    app.config["OUTBOX_HOLD"] = True
    try:
        yield
    finally:
        app.config.pop("OUTBOX_HOLD", None)


def queue_many(app, count, to=lambda n: f"deltagare{n}@example.org", attachments=()):
    """`count` messages committed but not handed to anyone, as after a bulk load."""
    with held(app):
        emails = [outbox.queue_email(to=to(n), subject=f"Utskick {n}", body=f"Text {n}",
                                     kind="test", attachments=attachments)
                  for n in range(count)]
        _db.session.commit()
    return [email.id for email in emails]


def rows(ids) -> dict[int, OutgoingEmail]:
    _db.session.rollback()
    return {e.id: e for e in _db.session.scalars(
        select(OutgoingEmail).where(OutgoingEmail.id.in_(ids)))}


def statuses() -> dict[str, int]:
    _db.session.rollback()
    return dict(_db.session.execute(
        select(OutgoingEmail.status, func.count()).group_by(OutgoingEmail.status)).all())


def test_a_batch_goes_out_over_one_smtp_session_and_is_marked_sent(app, counting_server):
    ids = queue_many(app, 60)
    assert outbox.deliver_due(batch_size=100) == 60
    assert len(counting_server.wait_for(60)) == 60
    assert counting_server.sessions == 1
    assert {m["Subject"] for m in counting_server.messages} == {f"Utskick {n}"
                                                                 for n in range(60)}
    for email in rows(ids).values():
        assert (email.status, email.attempts, email.last_error) == ("sent", 1, "")
        assert email.sent_at is not None


def test_a_commit_of_many_messages_is_delivered_over_a_few_sessions(app, counting_server):
    """No worker (the embedded set-up): the commit hands its messages over a batch at a time."""
    for n in range(250):
        outbox.queue_email(to=f"deltagare{n}@example.org", subject=f"Nyhet {n}",
                           body="Text", kind="test")
    _db.session.commit()
    assert len(counting_server.wait_for(250)) == 250
    assert counting_server.sessions == 2  # 200 + 50
    assert statuses() == {"sent": 250}


def test_a_refused_address_fails_alone_and_the_session_goes_on(app, counting_server):
    ids = queue_many(app, 5, to=lambda n: REFUSED if n == 2 else f"deltagare{n}@example.org")
    before = utcnow()
    assert outbox.deliver_due() == 4
    assert sorted(m["To"] for m in counting_server.wait_for(4)) == [
        "deltagare0@example.org", "deltagare1@example.org", "deltagare3@example.org",
        "deltagare4@example.org"]
    assert counting_server.sessions == 1
    stored = rows(ids)
    refused = stored[ids[2]]
    assert refused.status == "pending" and refused.attempts == 1
    assert "550" in refused.last_error and "No such user" in refused.last_error
    assert refused.claimed_at is None
    assert refused.next_attempt_at >= before + outbox.backoff(1)
    assert [stored[i].status for i in ids if i != ids[2]] == ["sent"] * 4
    # Its retry comes with the back-off; the others are never sent again.
    assert outbox.deliver_due(now=refused.next_attempt_at + timedelta(seconds=1)) == 0
    assert len(counting_server.messages) == 4


def test_a_server_that_closes_the_session_after_some_messages_gets_them_all(
        app, counting_server):
    counting_server.per_session = 7
    ids = queue_many(app, 30)
    assert outbox.deliver_due() == 30
    assert len(counting_server.wait_for(30)) == 30
    assert counting_server.sessions == 5  # 7 + 7 + 7 + 7 + 2
    assert len({m["Message-ID"] for m in counting_server.messages}) == 30
    assert {e.attempts for e in rows(ids).values()} == {1}


def test_an_unreachable_server_fails_the_batch_after_one_try(app, db, monkeypatch):
    connects = []
    real_connect = smtplib.SMTP.connect

    def counted(self, *args, **kwargs):
        connects.append(args)
        return real_connect(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "connect", counted)
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens there
    ids = queue_many(app, 25)
    assert outbox.deliver_due() == 0
    assert len(connects) == 1
    for email in rows(ids).values():
        assert email.status == "pending" and email.attempts == 1
        assert "ConnectionRefusedError" in email.last_error


counted_draws = []


@outbox.attachment_renderer("test-counted")
def _counted(argument, session):
    """A deferred attachment for these tests: counts how often it is drawn."""
    counted_draws.append(argument)
    if argument == "broken":
        raise ValueError("the attachment cannot be drawn")
    return f"BEGIN:VCALENDAR version {argument}".encode()


def test_a_deferred_attachment_is_drawn_once_per_batch_and_each_message_carries_it(
        app, counting_server):
    counted_draws.clear()
    queue_many(app, 40, attachments=[
        ("programmet.ics", "text/calendar; method=PUBLISH; charset=utf-8",
         outbox.Deferred("test-counted:sv"))])
    queue_many(app, 10, attachments=[
        ("programme.ics", "text/calendar; method=PUBLISH; charset=utf-8",
         outbox.Deferred("test-counted:en"))])
    assert outbox.deliver_due(batch_size=100) == 50
    assert sorted(counted_draws) == ["en", "sv"]
    names = Counter()
    for message in counting_server.wait_for(50):
        [part] = message.iter_attachments()
        names[part.get_filename()] += 1
        language = "sv" if part.get_filename() == "programmet.ics" else "en"
        assert part.get_content_type() == "text/calendar"
        assert part.get_param("method") == "PUBLISH"
        assert part.get_content() == f"BEGIN:VCALENDAR version {language}"
    assert names == {"programmet.ics": 40, "programme.ics": 10}


def test_an_attachment_that_cannot_be_drawn_fails_only_its_message(app, counting_server):
    good = queue_many(app, 3, attachments=[
        ("a.ics", "text/calendar", outbox.Deferred("test-counted:sv"))])
    [bad] = queue_many(app, 1, attachments=[
        ("b.ics", "text/calendar", outbox.Deferred("test-counted:broken"))])
    assert outbox.deliver_due() == 3
    assert len(counting_server.wait_for(3)) == 3
    stored = rows([*good, bad])
    assert stored[bad].status == "pending" and stored[bad].attempts == 1
    assert "ValueError: the attachment cannot be drawn" in stored[bad].last_error
    assert {stored[i].status for i in good} == {"sent"}


def test_a_batch_that_runs_long_gives_back_what_it_did_not_send(app, counting_server,
                                                                monkeypatch):
    """Near the end of its claim a batch takes no further message: what is left goes back to
    pending untouched (no attempt counted), for the next sweep."""
    ids = queue_many(app, 5)
    send_within = outbox.SEND_WITHIN
    monkeypatch.setattr(outbox, "SEND_WITHIN", timedelta(seconds=-1))
    assert outbox.deliver_due() == 0
    for email in rows(ids).values():
        assert (email.status, email.attempts, email.claimed_at) == ("pending", 0, None)
    monkeypatch.setattr(outbox, "SEND_WITHIN", send_within)
    assert outbox.deliver_due() == 5
    assert len(counting_server.wait_for(5)) == 5


@pytest.fixture(params=["returning", "one at a time"])
def claim_style(request, app, monkeypatch):
    """Claims by UPDATE ... RETURNING, and the fallback for an SQLite without RETURNING."""
    if request.param == "one at a time":
        monkeypatch.setattr(_db.engine.dialect, "update_returning", False)
    return request.param


def test_two_workers_sweeping_at_once_send_every_message_exactly_once(
        app, counting_server, claim_style):
    ids = queue_many(app, 120)
    results = run_at_once(app, 2, lambda _i: outbox.deliver_due(batch_size=15))
    assert [sent for _, sent in results if isinstance(sent, Exception)] == []
    assert sum(sent for _, sent in results) == 120
    messages = counting_server.wait_for(120)
    assert len(messages) == 120
    assert sorted(m["Subject"] for m in messages) == sorted(f"Utskick {n}" for n in range(120))
    assert {(e.status, e.attempts) for e in rows(ids).values()} == {("sent", 1)}


def test_commits_handing_over_the_same_messages_at_once_send_each_once(
        app, counting_server, claim_style):
    """A task replayed, a re-dispatch and the sweep, all at the same moment."""
    ids = queue_many(app, 60)
    work = [lambda: outbox.deliver_many(ids), lambda: outbox.deliver_many(ids[::-1]),
            lambda: outbox.deliver_many(ids[20:]), lambda: outbox.deliver_due(batch_size=7)]
    results = run_at_once(app, len(work), lambda i: work[i]())
    assert [r for _, r in results if isinstance(r, Exception)] == []
    assert sum(r for _, r in results) == 60
    assert len(counting_server.wait_for(60)) == 60
    assert len({m["Message-ID"] for m in counting_server.messages}) == 60
    assert {(e.status, e.attempts) for e in rows(ids).values()} == {("sent", 1)}
