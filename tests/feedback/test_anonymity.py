"""Anonymity that holds with the database in hand. Ten people answer, each writing a different
text, in an order unlike any order the database keeps of them. Then the test tries
what someone with a copy of the database would: line up the people by every column of every
table that points at a registration (and the registrations themselves), line up the answers by
every column of the answer tables and by the order the rows lie in, and see whether any pair of
line-ups puts every text next to its writer. It also checks the answer tables' structure: no
key that leads to a person, no time finer than the day, random keys."""

import random
import re

import pytest
from sqlalchemy import Date, DateTime, select, text
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.feedback.models import SurveyAnswer, SurveyResponse
from app.feedback.services import request_feedback, scramble_storage
from app.registration.models import Registration
from tests.feedback.conftest import by_kind

ANSWER_TABLES = {SurveyResponse.__table__, SurveyAnswer.__table__}
# What an answer may point at: the survey and its questions, a programme item, a ticket type.
ALLOWED_TARGETS = {"survey", "survey_question", "survey_response", "programme_item",
                   "ticket_type"}


def paired(people_orders: list[list], answer_orders: list[list], truth: dict) -> list[str]:
    """The names of the line-ups that pair every answer with its writer."""
    found = []
    for people_name, people in people_orders:
        expected = [truth[person] for person in people if person in truth]
        for answers_name, answers in answer_orders:
            if len(expected) == len(truth) and answers == expected:
                found.append(f"{people_name} ~ {answers_name}")
    return found


def people_orders() -> list:
    """Registration ids (respondents among them) ordered by each column of each table that has
    a key to a registration, and of the registration table."""
    orders = []
    tables = [t for t in db.metadata.sorted_tables
              if any(fk.column.table.name == "registration" for fk in t.foreign_keys)]
    tables.append(Registration.__table__)
    for table in tables:
        if table.name == "registration":
            key = table.c.id
        else:
            key = next(fk.parent for fk in table.foreign_keys
                       if fk.column.table.name == "registration")
        for column in table.columns:
            if column.type.__class__.__name__ in ("JSON",):
                continue
            for direction in (column.asc(), column.desc()):
                ids = db.session.scalars(select(key).order_by(direction, key)).all()
                orders.append((f"{table.name}.{column.name}", list(dict.fromkeys(ids))))
    return orders


def answer_orders(text_question_id: int) -> list:
    """The texts of one question, in every order the answer tables can give them."""
    orders = []
    base = (select(SurveyAnswer.text).join(SurveyResponse,
                                           SurveyResponse.id == SurveyAnswer.response_id)
            .where(SurveyAnswer.question_id == text_question_id))
    orders.append(("stored order", db.session.scalars(base).all()))
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        for table in ("survey_answer", "survey_response"):
            orders.append((f"{table}.ctid", db.session.scalars(
                base.order_by(text(f"{table}.ctid"))).all()))
    for table in (SurveyAnswer.__table__, SurveyResponse.__table__):
        for column in table.columns:
            for direction in (column.asc(), column.desc()):
                orders.append((f"{table.name}.{column.name}",
                               db.session.scalars(base.order_by(direction)).all()))
    return orders


@pytest.fixture
def answered(surveyed, client, db):
    """Everyone answers, in a shuffled order; each text names its writer."""
    survey, event = surveyed["survey"], surveyed["event"]
    request_feedback(event, confirm_early=True)
    db.session.commit()
    text_question = by_kind(survey, "text")
    rating = by_kind(survey, "rating")
    people = list(surveyed["people"])
    random.Random(13).shuffle(people)
    words = random.Random(7).sample(["Lugnt", "Varmt", "Trångt", "Bra mat", "För kort",
                                      "Inspirerande", "Långa köer", "Tydligt", "Roligt",
                                      "Mer paus"], len(people))
    truth = {}
    for person, word in zip(people, words, strict=True):
        truth[person.id] = word
        response = client.post(f"/r/{person.manage_token}/feedback", data={
            f"q{rating.id}": "4", f"q{text_question.id}": truth[person.id],
            f"i{surveyed['talk'].id}-q{by_kind(survey, 'rating', True).id}": "5"})
        assert response.status_code == 200
    db.session.rollback()
    return {"truth": truth, "text_question": text_question, "order": [p.id for p in people]}


def test_no_line_up_of_people_pairs_them_with_their_answers(answered):
    if db.engine.dialect.name == "postgresql":
        scramble_storage()  # what the nightly task does to the order rows lie in on disk
        db.session.commit()
    found = paired(people_orders(), answer_orders(answered["text_question"].id),
                   answered["truth"])
    assert found == []


def test_the_attack_finds_a_pairing_when_there_is_one(answered):
    """The check can fail: had the answers kept the order they were given in, and had anything
    recorded that order of the people, it would have paired them."""
    truth, order = answered["truth"], answered["order"]
    leaky_people = [("registration.answered_at", order)]
    leaky_answers = [("survey_answer.id", [truth[person] for person in order])]
    assert paired(leaky_people, leaky_answers, truth) == [
        "registration.answered_at ~ survey_answer.id"]


def test_the_answer_tables_lead_to_nobody_and_keep_only_the_day(answered):
    for table in ANSWER_TABLES:
        targets = {fk.column.table.name for fk in table.foreign_keys}
        assert targets <= ALLOWED_TARGETS, table.name
        for column in table.columns:
            assert not isinstance(column.type, DateTime), f"{table.name}.{column.name}"
        [key] = table.primary_key.columns
        keys = db.session.scalars(select(key)).all()
        assert keys and all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)
        assert not any(isinstance(c.type, Date) and c.name != "answered_on"
                       for c in table.columns)
    registration_times = [c.name for c in Registration.__table__.columns
                          if c.name.startswith("feedback_answered")]
    assert registration_times == ["feedback_answered_on"]
    assert isinstance(Registration.__table__.c.feedback_answered_on.type, Date)


def test_sqlite_keeps_no_hidden_row_order_for_answers(answered):
    """SQLite's tables have a hidden rowid in the order rows were written, unless WITHOUT
    ROWID; PostgreSQL's order on disk is what the ctid line-up above tries."""
    if db.engine.dialect.name != "sqlite":
        return
    for table in ("survey_answer", "survey_response"):
        with pytest.raises(OperationalError):
            db.session.execute(text(f"SELECT rowid FROM {table}"))
        db.session.rollback()
