"""The production path: with REDIS_URL the app hands committed mail to a real Celery worker
(a separate process on the same database), which delivers it to the SMTP server."""

import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from celery import _state as celery_state

from app import create_app
from app.extensions import db as _db
from app.mail.models import OutgoingEmail
from app.mail.outbox import queue_email
from config import BASE_DIR, TestConfig
from tests.redis_db import REDIS_URL


def flush_redis():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


@pytest.fixture(scope="module")
def worker_app(app, app_settings):
    """A second app on the same database, configured like production (REDIS_URL set). The
    session-wide `app` (no Celery) must stay as it was, so Celery's current app is restored."""
    flush_redis()
    previous_default, previous_current = celery_state.default_app, celery_state._tls.current_app
    # The rate limiter is one object shared by every app; keep its storage in memory so this
    # app does not move the other tests' limits into Redis.
    second = create_app(TestConfig, WTF_CSRF_ENABLED=False, REDIS_URL=REDIS_URL,
                        RATELIMIT_STORAGE_URI="memory://", **app_settings)
    assert "celery" in second.extensions and "celery" not in app.extensions
    yield second
    second.extensions["celery"].close()
    celery_state.set_default_app(previous_default)
    celery_state._set_current_app(previous_current)
    with second.app_context():
        _db.engine.dispose()
    flush_redis()


def worker_env(app_settings) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": app_settings["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": REDIS_URL,
        "SMTP_HOST": app_settings["SMTP_HOST"],
        "SMTP_PORT": str(app_settings["SMTP_PORT"]),
        "SMTP_STARTTLS": "0",
        "MAIL_FOLDER": app_settings["MAIL_FOLDER"],
        "SECRET_KEY": "celery-worker-test-secret-key-of-32-bytes",
    }


def wait_for_ping(celery_app, process, log_path, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited with {process.returncode}:\n"
                        f"{log_path.read_text()}")
        if celery_app.control.ping(timeout=0.5):
            return
    pytest.fail(f"the Celery worker did not answer within {timeout} s:\n{log_path.read_text()}")


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def worker(worker_app, app_settings, tmp_path_factory):
    """`celery -A app.worker worker` as a subprocess; yields the path of its log."""
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "app.worker", "worker", "--pool=solo",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=info"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=worker_env(app_settings),
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_ping(worker_app.extensions["celery"], process, log_path)
        yield log_path
    finally:
        stop(process)


def stored(email_id) -> OutgoingEmail:
    _db.session.rollback()
    email = _db.session.get(OutgoingEmail, email_id)
    _db.session.refresh(email)
    return email


def wait_until_sent(email_id, timeout=20.0) -> OutgoingEmail:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        email = stored(email_id)
        if email.status == "sent":
            return email
        time.sleep(0.05)
    raise AssertionError(f"mail {email_id} is still {stored(email_id).status!r}")


def wait_for_log(log_path, text, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log_path.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not in the worker log:\n{log_path.read_text()}")


def queue_in(flask_app, subject, hold=False) -> int:
    """Queue and commit one message in the worker-backed app, as a request there would."""
    with flask_app.app_context():
        if hold:
            flask_app.config["OUTBOX_HOLD"] = True
        try:
            email = queue_email(to="deltagare@example.org", subject=subject,
                                body=f"Text: {subject}", kind="test")
            _db.session.commit()
            return email.id
        finally:
            flask_app.config.pop("OUTBOX_HOLD", None)


def test_committed_mail_is_delivered_by_the_celery_worker(worker_app, worker, mailbox):
    email_id = queue_in(worker_app, "Levererat av Celery")
    [message] = mailbox.wait_for(1, timeout=20)
    assert message["Subject"] == "Levererat av Celery"
    assert message["To"] == "deltagare@example.org"
    email = wait_until_sent(email_id)
    assert email.attempts == 1 and email.message_id == message["Message-ID"]
    # It was the worker that sent it, through the task the commit hook queued.
    wait_for_log(worker, "samla.deliver_email")
    wait_for_log(worker, "succeeded")
    assert len(mailbox.messages) == 1


def test_the_sweep_task_delivers_mail_that_was_never_dispatched(worker_app, worker, mailbox):
    email_id = queue_in(worker_app, "Hittad av svepet", hold=True)
    with pytest.raises(AssertionError):
        mailbox.wait_for(1, timeout=1)
    assert stored(email_id).status == "pending"

    worker_app.extensions["celery"].send_task("samla.deliver_due")
    [message] = mailbox.wait_for(1, timeout=20)
    assert message["Subject"] == "Hittad av svepet"
    email = wait_until_sent(email_id)
    assert email.attempts == 1
    wait_for_log(worker, "samla.deliver_due")
    # Swept once: a second sweep finds nothing more to send.
    worker_app.extensions["celery"].send_task("samla.deliver_due")
    time.sleep(1)
    assert len(mailbox.messages) == 1


def test_the_session_app_still_delivers_in_process(db, mailbox):
    """After the worker-backed app existed, the test app has no Celery and sends at commit."""
    email = queue_email(to="kvar@example.org", subject="I processen", body="Text", kind="test")
    db.session.commit()
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "I processen"
    assert stored(email.id).status == "sent"
