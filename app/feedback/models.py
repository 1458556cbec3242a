"""Surveys after an event, and their answers, kept so that nobody with the database in hand can
tell whose answer is whose.

The survey and its questions are ordinary rows. The answers are not: every answer table has a
random primary key (uuid4 hex, so no id tells the order of answers), no column finer in time
than the day, and no key that leads to a person. SQLite keeps these tables WITHOUT ROWID, so
even the hidden row order is the order of the random keys. A person's answers about each
programme item are a response of their own, not joined to their answers about the whole event,
so the set of sessions someone went to cannot single them out. Whether a person has answered is
Registration.feedback_answered_on (a day), set in the same transaction; nothing records which
response was theirs."""

import uuid

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

# rating: 1-5 with named ends; recommend: 0-10; single / multiple: options; yes_no: 1 or 0;
# text: free text; grid: statements (the options), each rated 1-5 on one scale.
QUESTION_KINDS = ("rating", "recommend", "single", "multiple", "yes_no", "text", "grid")
AUDIENCES = ("checked_in", "registered")
SEND_FROM = ("event", "session")

ANONYMOUS = {"sqlite_with_rowid": False}


def random_key() -> str:
    return uuid.uuid4().hex


class Survey(db.Model):
    """An event's survey and when and to whom it is sent."""

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False,
                         unique=True)
    intro = db.Column(db.Text, nullable=False, default="")
    intro_en = db.Column(db.Text, nullable=False, default="")
    # Sent by itself (the beat or `flask send-feedback`) this many hours after the event's last
    # programme item ended ("event"), or after the last item the person went to ("session").
    auto_send = db.Column(db.Boolean, nullable=False, default=False)
    send_after_hours = db.Column(db.Integer, nullable=False, default=2)
    send_from = db.Column(db.String(10), nullable=False, default="event")
    audience = db.Column(db.String(12), nullable=False, default="checked_in")
    # One reminder, this many days after the request, to those who have not answered.
    remind_after_days = db.Column(db.Integer, nullable=False, default=4)
    # The last day answers are taken (event time); none: two weeks after the event.
    closes_on = db.Column(db.Date)
    # Speakers see their own sessions' results on their page once this is set.
    released_to_speakers = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    event = db.relationship("Event")
    questions = db.relationship(
        "SurveyQuestion", back_populates="survey", cascade="all, delete-orphan",
        order_by="SurveyQuestion.position, SurveyQuestion.id",
    )


class SurveyQuestion(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    survey_id = db.Column(db.ForeignKey("survey.id", ondelete="CASCADE"), nullable=False,
                          index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    kind = db.Column(db.String(10), nullable=False)
    text = db.Column(db.String(500), nullable=False)
    text_en = db.Column(db.String(500), nullable=False, default="")
    # The named ends of a rating, recommendation or grid scale.
    low_label = db.Column(db.String(100), nullable=False, default="")
    low_label_en = db.Column(db.String(100), nullable=False, default="")
    high_label = db.Column(db.String(100), nullable=False, default="")
    high_label_en = db.Column(db.String(100), nullable=False, default="")
    # Choices, or a grid's statements: [{"sv": ..., "en": ...}, ...]; answers store the index.
    options = db.Column(db.JSON, nullable=False, default=list)
    required = db.Column(db.Boolean, nullable=False, default=False)
    # Asked once for each programme item the person went to, signed up for or starred.
    per_session = db.Column(db.Boolean, nullable=False, default=False)

    survey = db.relationship("Survey", back_populates="questions")


class SurveyResponse(db.Model):
    """One person's answers about the whole event (item_id None) or about one programme item."""

    __table_args__ = (
        # Covers the results' counts: responses about the event or a session, by ticket type.
        db.Index("ix_survey_response_scope", "survey_id", "item_id", "ticket_type_id"),
        ANONYMOUS,
    )

    id = db.Column(db.String(32), primary_key=True, default=random_key)
    survey_id = db.Column(db.ForeignKey("survey.id", ondelete="CASCADE"), nullable=False)
    item_id = db.Column(db.ForeignKey("programme_item.id", ondelete="CASCADE"), index=True)
    # The day only, at the event's place.
    answered_on = db.Column(db.Date, nullable=False)
    # The respondent's ticket type, for results by group; kept only on the answers about the
    # whole event and only for ticket types at least MIN_GROUP people were asked with.
    ticket_type_id = db.Column(db.ForeignKey("ticket_type.id", ondelete="SET NULL"))

    answers = db.relationship("SurveyAnswer", cascade="all, delete-orphan")


class SurveyAnswer(db.Model):
    """One value: a rating, a choice (one row per option chosen), a grid statement's rating
    (row = the statement) or a free text."""

    __table_args__ = (
        # Covers the results' one aggregate of every value (and who answered), so counting
        # 50,000 answers reads this index alone.
        db.Index("ix_survey_answer_values", "question_id", "row", "value", "hidden",
                 "response_id"),
        ANONYMOUS,
    )

    id = db.Column(db.String(32), primary_key=True, default=random_key)
    response_id = db.Column(db.ForeignKey("survey_response.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    question_id = db.Column(db.ForeignKey("survey_question.id", ondelete="CASCADE"),
                            nullable=False)
    row = db.Column(db.Integer)
    value = db.Column(db.Integer)
    text = db.Column(db.Text)
    # Free text the organiser hid: not in results, exports or the speakers' page.
    hidden = db.Column(db.Boolean, nullable=False, default=False)
