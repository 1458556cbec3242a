"""A speaker's role and biography in Swedish and English: written by the organiser or by the
speaker on their own page, shown in English on the English speaker pages."""

from app.speakers.models import Speaker
from tests.factories import publish_programme

SLUG = "varkonferensen-2027"


def test_the_organiser_adds_a_speaker_with_an_english_role(organiser, conference, db):
    response = organiser.post(f"/manage/e/{SLUG}/speakers", data={
        "name": "Maria Holm", "role_title": "Forskare", "role_title_en": "Researcher",
        "organisation": "", "email": "", "language": "en"})
    assert response.status_code == 302
    speaker = db.session.query(Speaker).filter_by(name="Maria Holm").one()
    assert (speaker.role_title, speaker.role_title_en) == ("Forskare", "Researcher")


def test_the_speaker_writes_their_role_and_biography_in_english(client, conference, db):
    speaker = conference["speaker"]
    page = client.get(f"/s/{speaker.token}").get_data(as_text=True)
    assert "Kort presentation (engelska)" in page and 'name="bio_en"' in page
    response = client.post(f"/s/{speaker.token}", data={
        "name": "Sara Nilsson", "role_title": "Samordnare", "role_title_en": "Coordinator",
        "organisation": "Region Örebro län", "bio": "Arbetar med återhämtning.",
        "bio_en": "Works on recovery."})
    assert response.status_code == 302
    db.session.refresh(speaker)
    assert (speaker.role_title_en, speaker.bio_en) == ("Coordinator", "Works on recovery.")

    # The profile shows at once, as the Swedish one always has.
    client.get("/language/en")
    detail = client.get(f"/e/{SLUG}/speakers/{speaker.id}").get_data(as_text=True)
    assert "Coordinator" in detail and "Works on recovery." in detail
    assert "Samordnare" not in detail and "återhämtning" not in detail


def test_a_biography_only_in_swedish_is_marked_swedish(client, conference, db):
    speaker = conference["speaker"]
    speaker.bio = "Arbetar med återhämtning."
    db.session.commit()
    publish_programme(conference["event"])
    client.get("/language/en")
    detail = client.get(f"/e/{SLUG}/speakers/{speaker.id}").get_data(as_text=True)
    assert '<span lang="sv">Arbetar med återhämtning.</span>' in detail
