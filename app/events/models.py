"""An event (a conference or a course) and the rooms it uses."""

from datetime import date, datetime, time, timedelta

from app import localtime
from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class Event(db.Model):
    __table_args__ = (
        db.CheckConstraint("seats_taken >= 0", name="seats_taken_not_negative"),
    )

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    # Content in Swedish, and in English where the organiser wrote it (app/i18n.py localized).
    name = db.Column(db.String(200), nullable=False)
    name_en = db.Column(db.String(200), nullable=False, default="", server_default="")
    description = db.Column(db.Text, nullable=False, default="")
    description_en = db.Column(db.Text, nullable=False, default="", server_default="")
    organiser_name = db.Column(db.String(200), nullable=False, default="")
    contact_email = db.Column(db.String(254), nullable=False, default="")
    venue = db.Column(db.String(200), nullable=False, default="")
    city = db.Column(db.String(100), nullable=False, default="")
    # The street address people travel to (emails, the speaker's page, calendars), and how to
    # get there and in (entrance, parking, accessible route), in Swedish and English.
    venue_address = db.Column(db.Text, nullable=False, default="", server_default="")
    arrival_info = db.Column(db.Text, nullable=False, default="", server_default="")
    arrival_info_en = db.Column(db.Text, nullable=False, default="", server_default="")
    timezone = db.Column(db.String(64), nullable=False, default="Europe/Stockholm")
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)
    published = db.Column(db.Boolean, nullable=False, default=False)
    registration_open = db.Column(db.Boolean, nullable=False, default=False)
    # Programme times snap to this many minutes (10:00, 10:05, ... with the default).
    time_step_minutes = db.Column(db.Integer, nullable=False, default=5, server_default="5")

    # Seats across all ticket types; None means only the ticket types limit. seats_taken is kept
    # by the same atomic UPDATEs as TicketType.seats_taken (held, confirmed and offered seats).
    capacity = db.Column(db.Integer)
    seats_taken = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # Full refund on cancellation up to and including this day (event time), none after.
    refund_until = db.Column(db.Date)
    allow_invoice = db.Column(db.Boolean, nullable=False, default=True, server_default=db.true())

    # The registration form's built-in fields beyond name and email: "off", "optional", "required".
    field_organisation = db.Column(db.String(10), nullable=False, default="optional",
                                   server_default="optional")
    field_role = db.Column(db.String(10), nullable=False, default="optional",
                           server_default="optional")
    field_phone = db.Column(db.String(10), nullable=False, default="off", server_default="off")
    # Dietary and accessibility needs: optional, sensitive, asked with explicit consent.
    ask_sensitive = db.Column(db.Boolean, nullable=False, default=True, server_default=db.true())

    # How long the event's personal data is kept (app/registration/retention.py): so many days
    # after its last day the sensitive answers (dietary and accessibility needs, answers to
    # sensitive questions) are deleted, and so many days after it everything else no longer
    # needed (app/registration/privacy.py says what each stage deletes). The second is never
    # sooner than the first (the event form checks).
    sensitive_retention_days = db.Column(db.Integer, nullable=False, default=30,
                                         server_default="30")
    personal_retention_days = db.Column(db.Integer, nullable=False, default=365,
                                        server_default="365")
    # When each stage ran (by hand or by itself); the whole purge sets both.
    sensitive_data_purged_at = db.Column(UTCDateTime)
    personal_data_purged_at = db.Column(UTCDateTime)

    # The seller on receipts and invoices (organiser_name is the seller's name).
    seller_org_number = db.Column(db.String(20), nullable=False, default="", server_default="")
    seller_vat_number = db.Column(db.String(20), nullable=False, default="", server_default="")
    seller_address = db.Column(db.Text, nullable=False, default="", server_default="")
    seller_bankgiro = db.Column(db.String(20), nullable=False, default="", server_default="")
    invoice_due_days = db.Column(db.Integer, nullable=False, default=30, server_default="30")
    # The seller is approved for F-tax ("Godkänd för F-skatt"): stated on invoices and in the
    # e-invoice only when the organiser says so.
    seller_f_tax = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    # For buyers abroad, who cannot pay to a bankgiro (optional).
    seller_iban = db.Column(db.String(34), nullable=False, default="", server_default="")

    # Postponing and cancelling (app/postponement): calendar_sequence counts the changes to the
    # whole event that every calendar entry of it must show (each postponement and the
    # cancellation raise it; app/programme/exports.py adds it to every entry's SEQUENCE), and
    # calendar_changed_at is when the latest one happened (the entries' DTSTAMP).
    calendar_sequence = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    calendar_changed_at = db.Column(UTCDateTime)
    # The latest postponement: when, the dates it moved from (struck through on the public
    # page), and the last day (event time) on which anyone may cancel with a full refund.
    postponed_at = db.Column(UTCDateTime)
    postponed_from_starts_on = db.Column(db.Date)
    postponed_from_ends_on = db.Column(db.Date)
    decision_until = db.Column(db.Date)
    cancelled_at = db.Column(UTCDateTime)

    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    rooms = db.relationship(
        "Room", back_populates="event", order_by="Room.position, Room.id",
        cascade="all, delete-orphan",
    )

    @property
    def seats_left(self):
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def decision_open(self, now: datetime | None = None) -> bool:
        """After a postponement, up to and including decision_until (event time), anyone may
        cancel with a full refund whatever the refund rule says."""
        return self.decision_until is not None and self.today(now) <= self.decision_until

    @property
    def days(self):
        count = (self.ends_on - self.starts_on).days + 1
        return [self.starts_on + timedelta(days=i) for i in range(count)]

    # --- the event's own clock: every local time and date in Samla is computed here --------

    def local(self, instant: datetime) -> datetime:
        """A stored instant as the wall-clock time at the event's place."""
        return localtime.local(instant, self.timezone)

    def local_day(self, instant: datetime) -> date:
        return self.local(instant).date()

    def today(self, now: datetime | None = None) -> date:
        """The date at the event's place now (not the server's date): the day a refund window,
        an invoice's due date or a feedback answer counts from."""
        return self.local_day(now or utcnow())

    def to_utc(self, day: date, at: time) -> datetime:
        """A wall-clock time at the event's place, as the instant Samla stores."""
        return localtime.to_utc(day, at, self.timezone)

    def shifted(self, instant: datetime | None, days: int) -> datetime | None:
        """The instant `days` days later at the same wall-clock time at the event's place (a
        postponement keeps 10:00 at 10:00 across a change to summer time)."""
        if instant is None:
            return None
        wall = self.local(instant)
        return self.to_utc(wall.date() + timedelta(days=days), wall.time())


class Room(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(120), nullable=False)
    name_en = db.Column(db.String(120), nullable=False, default="", server_default="")
    capacity = db.Column(db.Integer)
    accessibility_notes = db.Column(db.Text, nullable=False, default="")
    accessibility_notes_en = db.Column(db.Text, nullable=False, default="", server_default="")
    position = db.Column(db.Integer, nullable=False, default=0)

    event = db.relationship("Event", back_populates="rooms")
