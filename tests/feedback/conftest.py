"""A conference whose programme has a talk and a workshop, a survey made from the ready-made
conference survey, and ten attendees who came: checked in at the entrance, some at the talk's
door, some signed up for the workshop, one who only starred the talk."""

import pytest

from app.checkin.models import CheckIn
from app.feedback.services import create_survey
from app.programme import signups
from app.registration.models import PersonalProgrammeEntry
from tests.conftest import mail_held
from tests.factories import add_workshop, publish_programme, register

NAMES = ["Alva", "Nils", "Fatima", "Elsa", "Omar", "Greta", "Hugo", "Ines", "Jonas", "Karin"]


@pytest.fixture
def surveyed(app, conference, db, mailbox):
    """Ten people, checked in, some at the talk and the workshop; their confirmations stay in
    the outbox (the tests read the survey's mail)."""
    event, ticket, talk = conference["event"], conference["ticket"], conference["talk"]
    with mail_held(app):
        workshop = add_workshop(event, seats=20)
        publish_programme(event)
        survey = create_survey(event, "conference")
        people = [register(event, ticket, name=f"{name} Persson",
                           email=f"{name.lower()}@example.org") for name in NAMES]
        for n, person in enumerate(people):
            db.session.add(CheckIn(registration_id=person.id, event_id=event.id, list_key=""))
            if n < 7:
                db.session.add(CheckIn(registration_id=person.id, event_id=event.id,
                                       list_key=f"item:{talk.id}"))
            if n % 2 == 0:
                signups.sign_up(person, workshop)
        db.session.add(PersonalProgrammeEntry(registration_id=people[9].id, item_id=talk.id))
        db.session.commit()
    mailbox.clear()
    return {**conference, "workshop": workshop, "survey": survey, "people": people}


def by_kind(survey, kind, per_session=False):
    return next(q for q in survey.questions if q.kind == kind and q.per_session == per_session)
