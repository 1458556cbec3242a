"""Ticket types: what can be bought for an event, at what price and VAT, with how many seats.
Their seats are counted by app/seats.py only."""

from app.db_types import UTCDateTime
from app.extensions import db
from app.i18n import localized


class TicketType(db.Model):
    __table_args__ = (
        db.CheckConstraint("seats_taken >= 0", name="seats_taken_not_negative"),
        # At most one speakers' ticket per event.
        db.Index(
            "uq_ticket_type_event_for_speakers", "event_id", unique=True,
            postgresql_where=db.text("for_speakers"), sqlite_where=db.text("for_speakers = 1"),
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False)  # Swedish
    name_en = db.Column(db.String(200), nullable=False, default="", server_default="")
    description = db.Column(db.Text, nullable=False, default="")  # Swedish
    description_en = db.Column(db.Text, nullable=False, default="", server_default="")
    # Prices include VAT (Swedish consumer prices do); vat_percent is 25, 12, 6 or 0.
    vat_percent = db.Column(db.Integer, nullable=False, default=25, server_default="25")
    # The VAT category of the e-invoice (EN 16931 code list UNCL5305): "S" taxed at
    # vat_percent, "Z" zero rated, "E" exempt from VAT (a course, for example), which an
    # invoice must explain with the reason.
    vat_category = db.Column(db.String(1), nullable=False, default="S", server_default="S")
    vat_exemption_reason = db.Column(db.String(300), nullable=False, default="",
                                     server_default="")
    vat_exemption_reason_en = db.Column(db.String(300), nullable=False, default="",
                                        server_default="")
    sales_start = db.Column(UTCDateTime)
    sales_end = db.Column(UTCDateTime)
    # "public", or "code": shown only to people who enter access_code (speakers, staff).
    visibility = db.Column(db.String(10), nullable=False, default="public", server_default="public")
    access_code = db.Column(db.String(40), nullable=False, default="", server_default="")
    # A free ticket the organiser gives every speaker who accepts (app.speakers.services makes
    # their registration); at most one per event.
    for_speakers = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
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
        return localized(self, "name", language)

    def exemption_reason_in(self, language: str) -> str:
        if language == "en" and self.vat_exemption_reason_en:
            return self.vat_exemption_reason_en
        return self.vat_exemption_reason

    def description_in(self, language: str) -> str:
        return localized(self, "description", language)

    @property
    def seats_left(self):
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)
