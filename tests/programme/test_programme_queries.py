"""The public programme and the organiser's programme page cost a fixed number of SQL queries,
however many items, rooms, speakers and slots the programme has."""

from datetime import time as clock
from datetime import timedelta

from app.programme.services import ItemPlacement, cancel_item, create_item
from app.speakers.services import add_speaker, assign
from tests.factories import DAY, publish_programme
from tests.queries import queries_for

PUBLIC = "/e/varkonferensen-2027/programme"
MANAGE = "/manage/e/varkonferensen-2027/programme"
# What one request costs today (SQLite counts its BEGIN too); a lazy load per item or per
# speaker in either page goes far past these. The public page reads the published snapshot
# (one query) and the speakers' own profiles (one), not the items, rooms, slots and speakers.
PUBLIC_BOUND, MANAGE_BOUND = 7, 12


def add_items(db, conference, count, speakers, first=0):
    """count more items over both days and both rooms (and some in no room), each with one to
    three of the given speakers; every seventh is cancelled and every fifth slot declined.
    Then the programme is published, so the public page shows them too."""
    event, rooms = conference["event"], [conference["hall"], conference["side"], None]
    kinds = ("talk", "panel", "workshop", "break")
    items = []
    for n in range(first, first + count):
        start = clock(8 + (n // 3) % 10, 0)
        item = create_item(
            event, title=f"Punkt {n}", kind=kinds[n % len(kinds)], description=f"Om punkt {n}.",
            placement=ItemPlacement(DAY + timedelta(days=n % 2), start,
                                    start.replace(minute=45), rooms[n % 3]),
        )
        db.session.flush()
        chosen = [speakers[(n + i) % len(speakers)] for i in range(1 + n % 3)]
        for i, slot in enumerate(assign(item, chosen, invite=False)):
            slot.state = "declined" if (n + i) % 5 == 0 else "accepted"
        if n % 7 == 3:
            cancel_item(item)
        items.append(item)
    db.session.commit()
    assert publish_programme(conference["event"]) is not None
    return items


def add_speakers(db, conference, count, first=0):
    speakers = [add_speaker(conference["event"], name=f"Talare {n}", role_title="Peer supporter",
                            organisation=f"Förening {n}") for n in range(first, first + count)]
    db.session.flush()
    return speakers


def shown(client, path):
    return client.get(path).get_data(as_text=True)


def test_programme_pages_cost_the_same_for_a_small_and_a_larger_programme(
    app, db, client, organiser, conference, mailbox
):
    event = conference["event"]
    event.ends_on = DAY + timedelta(days=1)
    # Small: the conference's talk and lunch, one more item (cancelled, a declined slot) and
    # two speakers.
    titles = ["Peer support i vården", "Lunch"]
    speakers = [conference["speaker"], *add_speakers(db, conference, 1)]
    titles += [item.title for item in add_items(db, conference, 1, speakers, first=3)]
    small = (queries_for(client, PUBLIC), queries_for(organiser, MANAGE))

    # Larger: 40 items over two days and both rooms, 20 speakers.
    speakers += add_speakers(db, conference, 18, first=1)
    titles += [item.title for item in add_items(db, conference, 37, speakers, first=4)]
    public, manage = shown(client, PUBLIC), shown(organiser, MANAGE)
    for title in titles:
        assert title in public and title in manage
    assert public.count('class="programme-item') == 40
    assert "Talare 18" in public and "Talare 18" in manage

    large = (queries_for(client, PUBLIC), queries_for(organiser, MANAGE))
    assert large == small
    assert large[0] <= PUBLIC_BOUND and large[1] <= MANAGE_BOUND, large
