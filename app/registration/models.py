"""Tickets, orders and the people who registered for an event.

An Order is one purchase by one buyer (often an employer registering staff); each attendee in it
is a Registration with its own name, email, badge and answers. Seats are counted on the ticket
type and the event by atomic UPDATEs: a seat is taken while a card payment is pending (a hold),
once confirmed, and while a waiting-list offer for it is open."""

from app.db_types import SortKey, UTCDateTime, utcnow
from app.extensions import db
from app.i18n import localized


class Registration(db.Model):
    __table_args__ = (
        # One live registration per address and event (held or confirmed), even when two
        # arrive at once.
        db.Index(
            "uq_registration_event_email_live", "event_id", "email", unique=True,
            postgresql_where=db.text("status IN ('confirmed', 'pending')"),
            sqlite_where=db.text("status IN ('confirmed', 'pending')"),
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    ticket_type_id = db.Column(db.ForeignKey("ticket_type.id"), nullable=False, index=True)
    # Rows from before orders existed have none.
    order_id = db.Column(db.ForeignKey("ticket_order.id", ondelete="CASCADE"), index=True)
    name = db.Column(db.String(200), nullable=False)
    email = db.Column(db.String(254), nullable=False, index=True)  # stored lower-case
    organisation = db.Column(db.String(200), nullable=False, default="")
    role = db.Column(db.String(200), nullable=False, default="", server_default="")
    phone = db.Column(db.String(40), nullable=False, default="", server_default="")
    # What this seat cost when bought, VAT included; the ticket's price may change later.
    price_ore = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    vat_percent = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    dietary_needs = db.Column(db.Text, nullable=False, default="")
    accessibility_needs = db.Column(db.Text, nullable=False, default="")
    sensitive_consent = db.Column(db.Boolean, nullable=False, default=False)
    language = db.Column(db.String(5), nullable=False, default="sv")
    # pending (seat held for a card payment), confirmed, cancelled, expired (hold ran out).
    status = db.Column(db.String(20), nullable=False, default="confirmed")
    manage_token = db.Column(db.String(64), nullable=False, unique=True)
    badge_token = db.Column(db.String(26), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    cancelled_at = db.Column(UTCDateTime)
    feedback_requested_at = db.Column(UTCDateTime)
    feedback_reminded_at = db.Column(UTCDateTime)
    # The day (event time) this person answered the survey: one answer each, and nothing
    # finer, so it cannot be matched with the order answers were stored in (app/feedback).
    feedback_answered_on = db.Column(db.Date)
    # Name, email, organisation and order code folded (lower case, no accents): what searches
    # compare. And the name and the surname-then-name as sort keys in the Swedish alphabet (å,
    # ä, ö after z). Written only by app/registration/search.py, on every insert and change.
    search_text = db.Column(db.Text, nullable=False, default="", server_default="")
    name_key = db.Column(SortKey, nullable=False, default="", server_default="")
    surname_key = db.Column(SortKey, nullable=False, default="", server_default="")

    event = db.relationship("Event")
    ticket_type = db.relationship("TicketType")
    order = db.relationship("Order", back_populates="registrations")
    answers = db.relationship(
        "Answer", back_populates="registration", cascade="all, delete-orphan",
        order_by="Answer.question_id",
    )
    check_ins = db.relationship("CheckIn", back_populates="registration",
                                order_by="CheckIn.checked_in_at")
    # The live check-in at the entrance, if any: an annulled one no longer counts as having
    # come in (a workshop's check-ins are on their own lists).
    check_in = db.relationship(
        "CheckIn", uselist=False, viewonly=True,
        primaryjoin="and_(CheckIn.registration_id == Registration.id, "
                    "CheckIn.annulled_at.is_(None), CheckIn.list_key == '')",
    )

    @property
    def is_active(self) -> bool:
        return self.status == "confirmed"


class PersonalProgrammeEntry(db.Model):
    """One programme item an attendee starred for "My programme"; at most once per item."""

    __table_args__ = (
        db.UniqueConstraint("registration_id", "item_id", name="uq_personal_programme_entry"),
    )

    id = db.Column(db.Integer, primary_key=True)
    # The unique key's leading column serves lookups by registration; no index of its own.
    registration_id = db.Column(
        db.ForeignKey("registration.id", ondelete="CASCADE"), nullable=False
    )
    item_id = db.Column(
        db.ForeignKey("programme_item.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


QUESTION_KINDS = ("text", "choice", "multiple", "yesno")


class Question(db.Model):
    """A question the organiser adds to the registration form, for all or some ticket types."""

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    label = db.Column(db.String(300), nullable=False)  # Swedish
    label_en = db.Column(db.String(300), nullable=False, default="")
    help_text = db.Column(db.Text, nullable=False, default="")
    help_text_en = db.Column(db.Text, nullable=False, default="")
    kind = db.Column(db.String(10), nullable=False, default="text")
    # For choice and multiple: [{"sv": "Ja, gärna", "en": "Yes please"}, ...]; the Swedish text
    # is what an answer stores.
    options = db.Column(db.JSON, nullable=False, default=list)
    required = db.Column(db.Boolean, nullable=False, default=False)
    # Its answers are sensitive (health, for instance): organisers only, and deleted with the
    # dietary and accessibility needs in the first stage of the event's retention.
    sensitive = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    # Ticket type ids this question is asked for; empty means every ticket type.
    ticket_type_ids = db.Column(db.JSON, nullable=False, default=list)
    position = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    def label_in(self, language: str) -> str:
        return localized(self, "label", language)

    def applies_to(self, ticket_type_id: int) -> bool:
        return not self.ticket_type_ids or ticket_type_id in self.ticket_type_ids


class Answer(db.Model):
    __table_args__ = (
        db.UniqueConstraint("registration_id", "question_id", name="uq_answer_per_question"),
    )

    id = db.Column(db.Integer, primary_key=True)
    registration_id = db.Column(
        db.ForeignKey("registration.id", ondelete="CASCADE"), nullable=False
    )
    question_id = db.Column(
        db.ForeignKey("question.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # text and choice: a string; multiple: a list of strings; yesno: true or false.
    value = db.Column(db.JSON)

    registration = db.relationship("Registration", back_populates="answers")
    question = db.relationship("Question")


