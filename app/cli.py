"""Command-line tasks: accounts, the demo conference, speaker and invoice reminders, surveys,
waiting-list offers and the purge of personal data whose retention ran out. Each command is one
unit of work (app.database.unit_of_work), the purge one per event."""

import click
from flask import Flask, current_app
from sqlalchemy import select

from app import demo as demo_data
from app.accounts.services import AccountError, create_user
from app.database import unit_of_work
from app.events.models import Event
from app.extensions import db
from app.feedback.services import scramble_storage
from app.feedback.services import send_due as send_due_feedback
from app.payments import reminders, transmission
from app.registration import retention
from app.speakers.services import remind_unanswered
from app.teams.models import TEAM_ROLES
from app.waitlist import services as waitlist


def init_app(app: Flask) -> None:
    @app.cli.group("users")
    def users():
        """Manage accounts for organisers and door staff."""

    @users.command("create")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.option("--role", type=click.Choice(["admin", "organiser", "door"]), default="organiser")
    @click.option("--event", "event_slugs", multiple=True,
                  help="Event slug: puts the account in its team (repeat for more).")
    @click.option("--team-role", type=click.Choice(TEAM_ROLES), default=None,
                  help="Role in those teams (door for a door account, organiser otherwise).")
    @click.password_option()
    def create(email, name, role, event_slugs, team_role, password):
        """Create an account."""
        with unit_of_work():
            events = db.session.scalars(select(Event).where(Event.slug.in_(event_slugs))).all()
            if len(events) != len(set(event_slugs)):
                raise click.ClickException("unknown event slug")
            try:
                create_user(email, name, password, role, events, team_role)
            except AccountError as error:
                raise click.ClickException(str(error)) from error
        click.echo(f"created {role} {email}")

    @app.cli.group("demo")
    def demo():
        """The demo conference."""

    @demo.command("load")
    @click.option("--if-empty", is_flag=True, help="Do nothing unless the database is empty.")
    def load(if_empty):
        """Load Framtidskonferensen and print how to log in."""
        if demo_data.database_is_empty():
            with unit_of_work():
                event = demo_data.load_demo()
            click.echo(f"Loaded the demo conference: {event.name}")
        elif not if_empty:
            raise click.ClickException("the database already has events")
        path = demo_data.credentials_file()
        if path.exists():
            click.echo(f"Log in at {current_app.config['BASE_URL']}/login with")
            click.echo(path.read_text().rstrip())

    @app.cli.group("speakers")
    def speakers():
        """Speakers and their invitations."""

    @speakers.command("remind")
    @click.option("--event", "event_slug", help="Only this event (slug); all events by default.")
    @click.option("--days", type=int, default=None,
                  help="Remind after this many days (SPEAKER_REMINDER_DAYS by default).")
    def remind(event_slug, days):
        """Email speakers who have not answered an invitation, once."""
        with unit_of_work():
            event = None
            if event_slug:
                event = db.session.scalar(select(Event).where(Event.slug == event_slug))
                if event is None:
                    raise click.ClickException("unknown event slug")
            reminded = remind_unanswered(event, after_days=days)
        click.echo(f"reminded: {reminded}")

    @app.cli.group("waitlist")
    def waitlist_group():
        """The waiting lists for sold-out tickets."""

    @waitlist_group.command("expire-offers")
    def expire_offers():
        """Pass the seats of waiting-list offers that ran out to the next person in line."""
        with unit_of_work():
            lapsed = waitlist.expire_offers()
        click.echo(f"expired offers: {lapsed}")

    @app.cli.command("remind-invoices")
    @click.option("--event", "event_slug", help="Only this event (slug); all events by default.")
    @click.option("--days", type=click.IntRange(min=1), default=None,
                  help="Days between reminders (INVOICE_REMINDER_DAYS by default).")
    def remind_invoices(event_slug, days):
        """Remind buyers of overdue invoices: at most once per invoice every N days (for cron,
        once a day; running it again the same day sends nothing)."""
        with unit_of_work():
            event = None
            if event_slug:
                event = db.session.scalar(select(Event).where(Event.slug == event_slug))
                if event is None:
                    raise click.ClickException("unknown event slug")
            reminded = reminders.remind_overdue(event, days=days)
        click.echo(f"reminded: {reminded.count}")

    @app.cli.command("send-feedback")
    def send_feedback():
        """Send the surveys whose time has come, and their one reminder (for cron, every
        quarter of an hour; running it again sends nothing twice)."""
        with unit_of_work():
            sending = send_due_feedback()
        with unit_of_work():
            scramble_storage()
        click.echo(f"requested: {sending.requested}")
        click.echo(f"reminded: {sending.reminded}")

    @app.cli.command("send-einvoices")
    @click.option("--event", "event_slug", help="Only this event (slug); all events by default.")
    def send_einvoices(event_slug):
        """Hand every e-invoice and credit note not sent yet to EINVOICE_FOLDER, where the
        access point or bookkeeping system picks them up (for cron; each is sent once)."""
        transmitter = transmission.configured()
        if transmitter is None:
            raise click.ClickException("EINVOICE_FOLDER is not set")
        if event_slug:
            events = [db.session.scalar(select(Event).where(Event.slug == event_slug))]
            if events[0] is None:
                raise click.ClickException("unknown event slug")
        else:
            events = transmission.events_with_unsent()
        total, failed = 0, []
        for event in events:
            with unit_of_work():
                sent = transmission.send_unsent(event, transmitter)
            total += sent.count
            failed += sent.failed
        click.echo(f"sent: {total}")
        if failed:
            raise click.ClickException("failed: " + ", ".join(failed))

    @app.cli.command("purge-expired")
    def purge_expired():
        """Delete the personal data of events whose retention period ran out: the sensitive
        answers, then the rest, each stage once (run it daily from cron, or let the beat)."""
        run = retention.purge_expired(unit=unit_of_work)
        for slug, stage in run.done:
            click.echo(f"{slug}: {stage}")
        click.echo(f"purged: {len(run.done)}")
        if run.failed:
            raise click.ClickException(
                "failed: " + ", ".join(f"{slug} ({error})" for slug, error in run.failed))
