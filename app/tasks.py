"""Celery, bound to the Flask app (the pattern from Flask's "Background Tasks with Celery")."""

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask


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
            # Waiting-list offers that ran out pass their seat on within a few minutes.
            "expire-waiting-list-offers": {"task": "samla.expire_waiting_list_offers",
                                           "schedule": 300.0},
            # Card orders not paid in time give their seats back within a minute.
            "expire-payment-holds": {"task": "samla.expire_payment_holds", "schedule": 60.0},
            # Refunds whose answer from Stripe never came are asked about again.
            "retry-pending-refunds": {"task": "samla.retry_pending_refunds", "schedule": 300.0},
        },
    )
    celery.conf.update(app.config.get("CELERY", {}))

    @celery.task(name="samla.deliver_email")
    def deliver_email(email_id: int) -> bool:
        from app.mail.outbox import deliver

        return deliver(email_id)

    @celery.task(name="samla.expire_payment_holds")
    def expire_payment_holds() -> int:
        from app.payments.services import sweep_holds

        return sweep_holds()[0]

    @celery.task(name="samla.retry_pending_refunds")
    def retry_pending_refunds() -> int:
        from app.payments.services import retry_pending_refunds as retry

        return retry()

    @celery.task(name="samla.deliver_due")
    def deliver_due() -> int:
        from app.mail.outbox import deliver_due as sweep

        return sweep()

    @celery.task(name="samla.remind_speakers")
    def remind_speakers() -> int:
        from app.extensions import db
        from app.speakers.services import remind_unanswered

        reminded = remind_unanswered()
        db.session.commit()
        return reminded

    @celery.task(name="samla.expire_waiting_list_offers")
    def expire_waiting_list_offers() -> int:
        from app.extensions import db
        from app.waitlist.services import expire_offers

        lapsed = expire_offers()
        db.session.commit()
        return lapsed

    celery.set_default()
    app.extensions["celery"] = celery
    return celery
