"""Organiser lists cost a fixed number of queries, however many rows they show."""

from app.extensions import db
from tests.factories import register
from tests.queries import queries_for


def test_registration_list_and_speakers_page_do_not_grow_with_rows(app, organiser, conference,
                                                                    mailbox):
    from app.speakers.services import add_speaker, assign

    event = conference["event"]
    paths = ("/manage/e/varkonferensen-2027/attendees",
             "/manage/e/varkonferensen-2027/speakers")
    register(event, conference["ticket"], email="a0@example.org")
    few = [queries_for(organiser, path) for path in paths]
    for i in range(1, 8):
        register(event, conference["ticket"], email=f"a{i}@example.org")
        speaker = add_speaker(event, name=f"Talare {i}")
        db.session.flush()
        assign(conference["lunch"], [speaker], invite=False)
    db.session.commit()
    many = [queries_for(organiser, path) for path in paths]
    assert many == few
