"""Celery, bound to the Flask app (the pattern from Flask's "Background Tasks with Celery").

The tasks are shared tasks defined once, at import: every Celery app (one per Flask app with
REDIS_URL) registers these same functions under their names, each run inside its own Flask
app's context. Defining them inside celery_init_app made new functions for every app, which
Celery reports as two callables for one name (DuplicateTaskNameWarning) and then runs the
first app's."""

from celery import Celery, Task, shared_task
from celery.schedules import crontab
from flask import Flask

from app.courses import services as courses
from app.database import unit_of_work
from app.feedback import services as feedback
from app.mail import outbox
from app.payments import reminders
from app.payments import services as payments
from app.postponement import refunds as cancellation_refunds
from app.registration import retention
from app.speakers import services as speakers
from app.waitlist import services as waitlist


@shared_task(name="samla.deliver_emails")
def deliver_emails(email_ids: list[int]) -> int:
    """A batch of messages a commit handed over: claimed, sent over one connection."""
    return outbox.deliver_many(email_ids)


@shared_task(name="samla.deliver_email")
def deliver_email(email_id: int) -> bool:
    """One message (what commits handed over before batches; still queued after an upgrade)."""
    return outbox.deliver(email_id)


@shared_task(name="samla.deliver_due")
def deliver_due() -> int:
    return outbox.deliver_due()


@shared_task(name="samla.expire_payment_holds")
def expire_payment_holds() -> int:
    return payments.sweep_holds()[0]


@shared_task(name="samla.retry_pending_refunds")
def retry_pending_refunds() -> int:
    return payments.retry_pending_refunds()


@shared_task(name=cancellation_refunds.REFUND_JOB)
def refund_cancelled_event(event_id: int | None = None) -> int:
    """Idempotent: each order of a cancelled event is claimed once (app/postponement/refunds.py);
    without an event id, the sweep pays back whatever a lost or failed run left queued."""
    return cancellation_refunds.pay_back(event_id).refunded


@shared_task(name="samla.remind_invoices")
def remind_invoices() -> int:
    """Idempotent: an invoice reminded today is not reminded again until its next day."""
    with unit_of_work():
        return reminders.remind_overdue().count


@shared_task(name="samla.remind_speakers")
def remind_speakers() -> int:
    with unit_of_work():
        return speakers.remind_unanswered()


@shared_task(name="samla.send_feedback")
def send_feedback() -> int:
    """Surveys whose time has come, and their one reminder; nothing is sent twice."""
    with unit_of_work():
        sending = feedback.send_due()
    return sending.requested + sending.reminded


@shared_task(name="samla.scramble_feedback_storage")
def scramble_feedback_storage() -> None:
    with unit_of_work():
        feedback.scramble_storage()


@shared_task(name="samla.expire_waiting_list_offers")
def expire_waiting_list_offers() -> int:
    with unit_of_work():
        return waitlist.expire_offers()


@shared_task(name="samla.purge_expired_personal_data")
def purge_expired_personal_data() -> int:
    run = retention.purge_expired(unit=unit_of_work)
    if run.failed:
        raise RuntimeError(f"purging failed for {run.failed}")
    return len(run.done)


@shared_task(name="samla.issue_certificates")
def issue_certificates() -> int:
    """Once per course, after its last session; each course in its own unit of work."""
    return courses.issue_due(unit=unit_of_work)


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=app.config["REDIS_URL"],
        result_backend=None,
        task_ignore_result=True,
        task_acks_late=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "deliver-due-mail": {"task": "samla.deliver_due", "schedule": 30.0},
            # Once a day, in the morning in Sweden (Celery's clock is UTC).
            "remind-speakers": {"task": "samla.remind_speakers",
                                "schedule": crontab(hour=7, minute=0)},
            # Overdue invoices, once a day in the morning in Sweden.
            "remind-invoices": {"task": "samla.remind_invoices",
                                "schedule": crontab(hour=7, minute=30)},
            # Surveys go out within a quarter of an hour of their time (app/feedback).
            "send-feedback": {"task": "samla.send_feedback", "schedule": 900.0},
            # Survey answers rewritten in the order of their random keys, nightly.
            "scramble-feedback-storage": {"task": "samla.scramble_feedback_storage",
                                          "schedule": crontab(hour=3, minute=40)},
            # Waiting-list offers that ran out pass their seat on within a few minutes.
            "expire-waiting-list-offers": {"task": "samla.expire_waiting_list_offers",
                                           "schedule": 300.0},
            # Card orders not paid in time give their seats back within a minute.
            "expire-payment-holds": {"task": "samla.expire_payment_holds", "schedule": 60.0},
            # Orders of a cancelled event that no run paid back yet (the hand-over was lost,
            # a worker stopped) are paid back within a few minutes.
            "refund-cancelled-events": {"task": "samla.refund_cancelled_event",
                                        "schedule": 300.0},
            # Refunds whose answer from Stripe never came are asked about again.
            "retry-pending-refunds": {"task": "samla.retry_pending_refunds", "schedule": 300.0},
            # Personal data whose retention ran out goes within the hour its day begins at the
            # event's place (each stage once: app/registration/retention.py).
            "purge-expired-personal-data": {"task": "samla.purge_expired_personal_data",
                                            "schedule": crontab(minute=15)},
            # Certificates of attendance within the hour after a course's last session.
            "issue-certificates": {"task": "samla.issue_certificates",
                                   "schedule": crontab(minute=40)},
        },
    )
    celery.conf.update(app.config.get("CELERY", {}))
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
