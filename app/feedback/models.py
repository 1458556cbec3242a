"""Feedback answers. Deliberately not linked to a registration, so answers stay anonymous;
Registration.feedback_given_at alone records that someone has answered."""

from app.extensions import db


class FeedbackResponse(db.Model):
    __table_args__ = (db.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    rating = db.Column(db.Integer, nullable=False)
    comment = db.Column(db.Text, nullable=False, default="")
    # Only the day, so the order of answers cannot be matched to the order of check-ins.
    submitted_on = db.Column(db.Date, nullable=False)
