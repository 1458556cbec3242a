"""Speakers and their slots: invitations, answers, profiles."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db_types import utcnow
from app.extensions import db
from app.mail.outbox import queue_email
from app.mail.render import absolute_url, render_email
from app.tokens import link_token

from .models import Speaker, SpeakerSlot


def speakers_for(event) -> list[Speaker]:
    return list(
        db.session.scalars(
            select(Speaker).where(Speaker.event_id == event.id)
            .options(selectinload(Speaker.slots).selectinload(SpeakerSlot.item))
            .order_by(Speaker.name)
        )
    )


def add_speaker(event, *, name, role_title="", organisation="", email="", bio="", language="sv"):
    speaker = Speaker(
        event=event, name=name.strip(), role_title=role_title.strip(),
        organisation=organisation.strip(), email=email.strip(), bio=bio.strip(),
        language=language, token=link_token(),
    )
    db.session.add(speaker)
    return speaker


def by_token(token: str) -> Speaker | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Speaker).where(Speaker.token == token))


def assign(item, speakers, invite: bool) -> list[SpeakerSlot]:
    """Give each speaker a slot on the item; those with an email get an invitation if asked."""
    held = {slot.speaker_id for slot in item.slots}
    slots = []
    for speaker in speakers:
        if speaker.id in held:
            continue
        slot = SpeakerSlot(item=item, speaker=speaker)
        db.session.add(slot)
        slots.append(slot)
        if invite and speaker.email:
            send_invitation(slot)
    return slots


def send_invitation(slot: SpeakerSlot) -> None:
    speaker, item = slot.speaker, slot.item
    subject, body = render_email(
        "speakers/email_invitation.txt", speaker.language,
        lambda: _("Invitation to speak at %(event)s", event=item.event.name),
        speaker=speaker, item=item, event=item.event,
        link=absolute_url("speakers.portal", token=speaker.token),
    )
    queue_email(to=speaker.email, subject=subject, body=body, kind="speaker-invitation",
                event_id=item.event_id)
    slot.invited_at = utcnow()


def answer(slot: SpeakerSlot, accept: bool) -> None:
    slot.state = "accepted" if accept else "declined"
    slot.answered_at = utcnow()
    db.session.commit()


def update_profile(speaker: Speaker, *, name, role_title, organisation, bio) -> None:
    speaker.name, speaker.role_title = name.strip(), role_title.strip()
    speaker.organisation, speaker.bio = organisation.strip(), bio.strip()
    db.session.commit()
