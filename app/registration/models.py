"""Tickets, orders and the people who registered for an event.

An Order is one purchase by one buyer (often an employer registering staff); each attendee in it
is a Registration with its own name, email, badge and answers. Seats are counted on the ticket
type and the event by atomic UPDATEs: a seat is taken while a card payment is pending (a hold),
once confirmed, and while a waiting-list offer for it is open."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class TicketType(db.Model):
    __table_args__ = (
        db.CheckConstraint("seats_taken >= 0", name="seats_taken_not_negative"),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False)  # Swedish
    name_en = db.Column(db.String(200), nullable=False, default="", server_default="")
    description = db.Column(db.Text, nullable=False, default="")  # Swedish
    description_en = db.Column(db.Text, nullable=False, default="", server_default="")
    # Prices include VAT (Swedish consumer prices do); vat_percent is 25, 12, 6 or 0.
    vat_percent = db.Column(db.Integer, nullable=False, default=25, server_default="25")
    sales_start = db.Column(UTCDateTime)
    sales_end = db.Column(UTCDateTime)
    # "public", or "code": shown only to people who enter access_code (speakers, staff).
    visibility = db.Column(db.String(10), nullable=False, default="public", server_default="public")
    access_code = db.Column(db.String(40), nullable=False, default="", server_default="")
    price_ore = db.Column(db.Integer, nullable=False, default=0)
    currency = db.Column(db.String(3), nullable=False, default="SEK")
    capacity = db.Column(db.Integer)
    # Kept by one atomic UPDATE per registration, which is what makes overselling impossible.
    seats_taken = db.Column(db.Integer, nullable=False, default=0)
    position = db.Column(db.Integer, nullable=False, default=0)

    event = db.relationship("Event")

    @property
    def is_free(self) -> bool:
        return self.price_ore == 0

    def name_in(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    def description_in(self, language: str) -> str:
        return self.description_en if language == "en" and self.description_en else self.description

    @property
    def seats_left(self):
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)


ORDER_STATUSES = ("pending", "confirmed", "expired", "cancelled")
PAYMENT_METHODS = ("free", "card", "invoice")
# none: free; awaiting: card payment not completed; to_invoice: confirmed, invoice not paid
# (refunded_ore is then what was credited for seats cancelled in time); paid; refunded /
# partially_refunded (refunded_ore says how much); credited: an unpaid invoice credited in full
# (cancelled by the event's last refund day), nothing left to pay.
PAYMENT_STATUSES = ("none", "awaiting", "to_invoice", "paid", "refunded", "partially_refunded",
                    "credited")


class Order(db.Model):
    __tablename__ = "ticket_order"  # "order" is an SQL keyword

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    # The reference people quote on the phone and on bank transfers: 8 unambiguous characters.
    code = db.Column(db.String(12), nullable=False, unique=True)
    buyer_name = db.Column(db.String(200), nullable=False)
    buyer_email = db.Column(db.String(254), nullable=False, index=True)  # lower-case
    language = db.Column(db.String(5), nullable=False, default="sv")
    status = db.Column(db.String(20), nullable=False, default="pending")
    payment_method = db.Column(db.String(10), nullable=False, default="free")
    payment_status = db.Column(db.String(20), nullable=False, default="none")
    total_ore = db.Column(db.Integer, nullable=False, default=0)
    currency = db.Column(db.String(3), nullable=False, default="SEK")
    manage_token = db.Column(db.String(64), nullable=False, unique=True)
    # Seats of a pending card order are held until then, and released by expire_holds().
    hold_expires_at = db.Column(UTCDateTime, index=True)

    stripe_checkout_id = db.Column(db.String(255), unique=True)
    stripe_checkout_url = db.Column(db.Text)
    stripe_payment_intent = db.Column(db.String(255), index=True)
    paid_at = db.Column(UTCDateTime)
    refunded_ore = db.Column(db.Integer, nullable=False, default=0)

    # Invoice payment (employers): what goes on the invoice.
    billing_name = db.Column(db.String(200), nullable=False, default="")
    billing_org_number = db.Column(db.String(20), nullable=False, default="")
    billing_address = db.Column(db.Text, nullable=False, default="")
    billing_email = db.Column(db.String(254), nullable=False, default="")
    invoice_reference = db.Column(db.String(200), nullable=False, default="")
    peppol_id = db.Column(db.String(100), nullable=False, default="")
    invoice_number = db.Column(db.Integer, unique=True)
    invoiced_at = db.Column(UTCDateTime)
    invoice_due_on = db.Column(db.Date)

    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    confirmed_at = db.Column(UTCDateTime)
    cancelled_at = db.Column(UTCDateTime)

    event = db.relationship("Event")
    registrations = db.relationship(
        "Registration", back_populates="order", order_by="Registration.id"
    )

    @property
    def is_paid_for(self) -> bool:
        return self.payment_status in ("paid", "partially_refunded")


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
    feedback_given_at = db.Column(UTCDateTime)

    event = db.relationship("Event")
    ticket_type = db.relationship("TicketType")
    order = db.relationship("Order", back_populates="registrations")
    answers = db.relationship(
        "Answer", back_populates="registration", cascade="all, delete-orphan",
        order_by="Answer.question_id",
    )
    check_in = db.relationship("CheckIn", uselist=False, back_populates="registration")

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
    # Ticket type ids this question is asked for; empty means every ticket type.
    ticket_type_ids = db.Column(db.JSON, nullable=False, default=list)
    position = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    def label_in(self, language: str) -> str:
        return self.label_en if language == "en" and self.label_en else self.label

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


WAITING_STATUSES = ("waiting", "offered", "accepted", "expired", "withdrawn")


class WaitingListEntry(db.Model):
    """First come, first served. An open offer holds a seat (counted in seats_taken) until the
    person takes it or the offer runs out and passes to the next in line."""

    __table_args__ = (
        db.Index(
            "uq_waiting_list_event_email_live", "event_id", "email", unique=True,
            postgresql_where=db.text("status IN ('waiting', 'offered')"),
            sqlite_where=db.text("status IN ('waiting', 'offered')"),
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    ticket_type_id = db.Column(
        db.ForeignKey("ticket_type.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name = db.Column(db.String(200), nullable=False)
    email = db.Column(db.String(254), nullable=False)  # lower-case
    language = db.Column(db.String(5), nullable=False, default="sv")
    status = db.Column(db.String(20), nullable=False, default="waiting")
    token = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    offered_at = db.Column(UTCDateTime)
    offer_expires_at = db.Column(UTCDateTime, index=True)
    order_id = db.Column(db.ForeignKey("ticket_order.id", ondelete="SET NULL"))

    event = db.relationship("Event")
    ticket_type = db.relationship("TicketType")
