"""The accessibility statement: one row, none until an administrator first saves it (the page
shows Samla's own default text until then, services.DEFAULTS)."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

COMPLIANCE = ("full", "partial", "none")


class AccessibilityStatement(db.Model):
    __table_args__ = (
        db.CheckConstraint("compliance IN ('full', 'partial', 'none')", name="known_compliance"),
    )

    id = db.Column(db.Integer, primary_key=True)
    # Whose site it is, and the name of the service the statement is about.
    organisation = db.Column(db.String(200), nullable=False)
    service_name = db.Column(db.String(200), nullable=False)
    # Fully, partially or not compliant with the law (lagen om tillgänglighet till digital
    # offentlig service), in Digg's own three words.
    compliance = db.Column(db.String(10), nullable=False)
    # Where to report what does not work (the feedback mechanism); shown as links.
    contact_email = db.Column(db.String(254), nullable=False, default="")
    contact_phone = db.Column(db.String(40), nullable=False, default="")
    # The texts, in Swedish and in English (an empty English text shows the Swedish one):
    # what is not accessible and why (one shortcoming a line), content exempted as a
    # disproportionate burden (12 §), content the law does not cover (9 §), how to report and
    # what happens then, and how the statement was made (the evaluation method).
    shortcomings_sv = db.Column(db.Text, nullable=False, default="")
    shortcomings_en = db.Column(db.Text, nullable=False, default="")
    burden_sv = db.Column(db.Text, nullable=False, default="")
    burden_en = db.Column(db.Text, nullable=False, default="")
    out_of_scope_sv = db.Column(db.Text, nullable=False, default="")
    out_of_scope_en = db.Column(db.Text, nullable=False, default="")
    feedback_sv = db.Column(db.Text, nullable=False, default="")
    feedback_en = db.Column(db.Text, nullable=False, default="")
    method_sv = db.Column(db.Text, nullable=False, default="")
    method_en = db.Column(db.Text, nullable=False, default="")
    # When compliance was assessed, and when the statement was last reviewed.
    assessed_on = db.Column(db.Date, nullable=False)
    reviewed_on = db.Column(db.Date, nullable=False)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
