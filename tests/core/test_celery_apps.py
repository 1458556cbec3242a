"""Each app with REDIS_URL gets its own Celery app with Samla's tasks, registered once: the
test run (and a worker that builds its app next to another) makes several in one process."""

import warnings

import pytest
from celery import _state as celery_state

from app import background, create_app
from config import TestConfig
from tests.redis_db import REDIS_URL

TASKS = {"samla.deliver_email", "samla.deliver_emails", "samla.deliver_due",
         "samla.remind_speakers", "samla.expire_waiting_list_offers", "samla.expire_payment_holds",
         "samla.retry_pending_refunds", "samla.remind_invoices",
         "samla.purge_expired_personal_data", "samla.send_feedback",
         "samla.scramble_feedback_storage", "samla.refund_cancelled_event"}


@pytest.fixture
def restore_celery_state():
    """Creating a Celery app makes it the default; the session's apps must not see that."""
    previous_default, previous_current = celery_state.default_app, celery_state._tls.current_app
    yield
    celery_state.set_default_app(previous_default)
    celery_state._set_current_app(previous_current)


def test_two_apps_in_one_process_register_each_task_once(app_settings, restore_celery_state):
    settings = {**app_settings, "REDIS_URL": REDIS_URL,
                "RATELIMIT_STORAGE_URI": "memory://"}
    celery_apps = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for _ in range(2):
                celery_app = create_app(TestConfig, **settings).extensions["celery"]
                celery_apps.append(celery_app)
                # Reading the registry finalizes the app, which is when duplicates are found.
                assert set(celery_app.tasks) >= TASKS
        first, second = celery_apps
        assert first.tasks["samla.deliver_due"] is not second.tasks["samla.deliver_due"]
        assert second.tasks["samla.deliver_due"].app is second
    finally:
        for celery_app in celery_apps:
            celery_app.close()


def test_every_job_handed_over_after_commit_is_a_task_a_worker_knows():
    """app/background.py sends a job to the workers by name: each must be one of the tasks."""
    assert background.registered() and background.registered() <= TASKS
