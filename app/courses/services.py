"""The rules of a course: its sessions, who attended which, how far each participant is from
the certificate, and issuing, revoking and checking certificates. No request in sight;
services flush and never commit.

Attendance is a live check-in on the session's list: the door's scan and the course leader's
tick in the grid make the same row (the grid's marked `manual`), and a tick taken away annuls
it with the reason, so the door's history and the audit log tell the same story."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from math import ceil

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app import signals
from app.audit.services import record
from app.checkin.checkin_lists import SESSION_PREFIX, session_key
from app.checkin.models import CheckIn
from app.db_types import utcnow
from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.i18n import localized
from app.mail.outbox import Deferred, queue_email
from app.mail.render import absolute_url_maker, render_email
from app.registration.models import Registration
from app.tokens import BADGE_TOKEN_RE, certificate_code, normalise_badge_input

from .models import Certificate, Course, CourseSession

# Without a rule of its own a course asks for this share of the sessions.
DEFAULT_PERCENT = 80
REASON_LIMIT = 200

class CourseError(Refusal):
    """A session, an attendance change or a certificate the rules do not allow."""


# --- sessions ----------------------------------------------------------------------------------

def sessions_of(event: Event) -> list[CourseSession]:
    """The course's sessions in the order they happen (none: not a course)."""
    return list(db.session.scalars(
        select(CourseSession).where(CourseSession.event_id == event.id)
        .order_by(CourseSession.starts_at, CourseSession.id)))


def shift_sessions(event: Event, days: int) -> int:
    """A postponement moves every session `days` days at the same wall-clock time. The
    postponement raises the event's calendar SEQUENCE and tells people, so the sessions' own
    counts stay."""
    sessions = sessions_of(event)
    for session in sessions:
        session.starts_at = event.shifted(session.starts_at, days)
        session.ends_at = event.shifted(session.ends_at, days)
    return len(sessions)


@signals.event_shifted.connect
def _event_shifted(event, days):
    shift_sessions(event, days)


def session_or_404(event: Event, session_id: int) -> CourseSession:
    session = db.session.get(CourseSession, session_id)
    if session is None or session.event_id != event.id:
        raise CourseError(_l("This course has no such session."), 404)
    return session


@dataclass
class SessionDetails:
    """What the organiser says of a session; times are the event's wall clock."""

    title: str
    title_en: str
    day: date
    start: time
    end: time
    place: str
    online_url: str
    leader_name: str


def _apply(event: Event, session: CourseSession, details: SessionDetails) -> None:
    starts_at, ends_at = event.to_utc(details.day, details.start), event.to_utc(details.day,
                                                                                details.end)
    if ends_at <= starts_at:
        raise CourseError(_l("A session must end after it starts."), 400)
    session.title, session.title_en = details.title.strip(), details.title_en.strip()
    session.starts_at, session.ends_at = starts_at, ends_at
    session.place, session.online_url = details.place.strip(), details.online_url.strip()
    session.leader_name = details.leader_name.strip()


def add_session(event: Event, details: SessionDetails) -> CourseSession:
    session = CourseSession(event_id=event.id)
    _apply(event, session, details)
    db.session.add(session)
    db.session.flush()
    _fit_dates(event)
    return session


def update_session(event: Event, session_id: int, details: SessionDetails) -> CourseSession:
    """A change of time or place raises the session's calendar SEQUENCE and tells
    signals.course_session_moved, so the participants can be told."""
    session = session_or_404(event, session_id)
    old = (session.starts_at, session.ends_at, session.place, session.online_url)
    _apply(event, session, details)
    if old != (session.starts_at, session.ends_at, session.place, session.online_url):
        session.sequence += 1
        db.session.flush()
        signals.course_session_moved.send(session, old_starts_at=old[0], old_ends_at=old[1],
                                          old_place=old[2], old_online_url=old[3])
    db.session.flush()
    _fit_dates(event)
    return session


def delete_session(event: Event, session_id: int) -> None:
    """Only a session nobody has attended: attendance is what certificates are made of."""
    session = session_or_404(event, session_id)
    attended = db.session.scalar(
        select(func.count()).select_from(CheckIn)
        .where(CheckIn.event_id == event.id, CheckIn.list_key == session_key(session),
               CheckIn.counts()))
    if attended:
        raise CourseError(_l("People have attended this session, so it cannot be deleted. "
                             "Change its time instead."), 409)
    db.session.delete(session)
    db.session.flush()
    _fit_dates(event)


def _fit_dates(event: Event) -> None:
    """A course's first and last day are those of its sessions, so its page, the refund and
    retention days, feedback and a postponement all count from the course's real dates."""
    sessions = sessions_of(event)
    if sessions:
        event.starts_on = event.local_day(sessions[0].starts_at)
        event.ends_on = max(event.local_day(s.ends_at) for s in sessions)


# --- the certificate's rule --------------------------------------------------------------------

def course_of(event: Event) -> Course | None:
    return db.session.scalar(select(Course).where(Course.event_id == event.id))


def rule_of(event: Event) -> Course:
    """The course's settings, or the defaults (not stored) before the organiser saved any."""
    return course_of(event) or Course(event_id=event.id, min_percent=DEFAULT_PERCENT,
                                      signer_name="", signer_title="")


def save_rule(event: Event, *, min_sessions: int | None, min_percent: int | None,
              signer_name: str, signer_title: str) -> Course:
    if (min_sessions is None) == (min_percent is None):
        raise CourseError(_l("Give either a number of sessions or a share of them."), 400)
    if min_percent is not None and not 1 <= min_percent <= 100:
        raise CourseError(_l("The share must be between 1 and 100 per cent."), 400)
    if min_sessions is not None and min_sessions < 1:
        raise CourseError(_l("At least one session must be required."), 400)
    course = course_of(event)
    if course is None:
        course = Course(event_id=event.id)
        db.session.add(course)
    course.min_sessions, course.min_percent = min_sessions, min_percent
    course.signer_name, course.signer_title = signer_name.strip(), signer_title.strip()
    db.session.flush()
    return course


def required_sessions(course: Course, total: int) -> int:
    """How many sessions the certificate needs: the number, or the share rounded up."""
    if course.min_sessions is not None:
        return course.min_sessions
    return max(1, ceil(total * (course.min_percent or DEFAULT_PERCENT) / 100)) if total else 0


# --- attendance and progress -------------------------------------------------------------------

def _session_id(list_key: str) -> int:
    return int(list_key.removeprefix(SESSION_PREFIX))


def attendance(event: Event, registration_ids=None) -> dict[int, set[int]]:
    """Registration id -> the ids of the sessions they attended, in one query."""
    query = (select(CheckIn.registration_id, CheckIn.list_key)
             .where(CheckIn.event_id == event.id, CheckIn.counts(),
                    CheckIn.list_key.like(f"{SESSION_PREFIX}%")))
    if registration_ids is not None:
        query = query.where(CheckIn.registration_id.in_(registration_ids))
    attended: dict[int, set[int]] = {}
    for registration_id, key in db.session.execute(query):
        attended.setdefault(registration_id, set()).add(_session_id(key))
    return attended


@dataclass
class Progress:
    attended: int
    total: int
    required: int
    remaining: int  # sessions that have not ended yet
    minutes: int  # the attended sessions' length
    sessions: list = field(default_factory=list, repr=False)
    attended_ids: set = field(default_factory=set, repr=False)

    @property
    def needed(self) -> int:
        """How many more sessions the certificate needs."""
        return max(self.required - self.attended, 0)

    @property
    def met(self) -> bool:
        return self.total > 0 and self.needed == 0

    @property
    def state(self) -> str:
        """met; on_track; at_risk (must attend every session left); out_of_reach."""
        if self.met:
            return "met"
        if self.needed > self.remaining:
            return "out_of_reach"
        return "at_risk" if self.needed == self.remaining else "on_track"


def _progress(sessions, attended_ids: set[int], required: int, now: datetime) -> Progress:
    attended = [s for s in sessions if s.id in attended_ids]
    return Progress(attended=len(attended), total=len(sessions), required=required,
                    remaining=sum(1 for s in sessions if s.ends_at > now),
                    minutes=sum(s.minutes for s in attended), sessions=list(sessions),
                    attended_ids=attended_ids)


def progress_of(registration: Registration, now: datetime | None = None) -> Progress | None:
    """The participant's own figures; None when the event is no course."""
    event = registration.event
    sessions = sessions_of(event)
    if not sessions:
        return None
    attended = attendance(event, [registration.id]).get(registration.id, set())
    required = required_sessions(rule_of(event), len(sessions))
    return _progress(sessions, attended, required, now or utcnow())


def enrolled(event: Event) -> list[Registration]:
    """Everyone enrolled (confirmed), by surname."""
    return list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.status == "confirmed")
        .order_by(Registration.surname_key, Registration.id)))


@dataclass
class GridRow:
    registration: Registration
    attended: set[int]
    progress: Progress


@dataclass
class Grid:
    sessions: list[CourseSession]
    rows: list[GridRow]
    required: int

    @property
    def at_risk(self) -> list[GridRow]:
        return [row for row in self.rows if row.progress.state in ("at_risk", "out_of_reach")]

    def cells(self) -> set[tuple[int, int]]:
        return {(row.registration.id, session_id) for row in self.rows
                for session_id in row.attended}


def grid(event: Event, now: datetime | None = None) -> Grid:
    """Person x session with each person's progress: three queries however many there are."""
    sessions = sessions_of(event)
    required = required_sessions(rule_of(event), len(sessions))
    attended = attendance(event)
    now = now or utcnow()
    rows = [GridRow(registration, attended.get(registration.id, set()),
                    _progress(sessions, attended.get(registration.id, set()), required, now))
            for registration in enrolled(event)]
    return Grid(sessions, rows, required)


def mark_attendance(event: Event, user, *, before: set[tuple[int, int]],
                    after: set[tuple[int, int]], reason: str) -> tuple[int, int]:
    """The grid sent: the cells ticked when it was shown (`before`) and now (`after`), each a
    (registration id, session id). Only what the course leader changed is applied, so a scan at
    the door meanwhile is kept; each change goes to the audit log with the reason. All or
    nothing. Returns (marked, taken back)."""
    changed = before ^ after
    if not changed:
        return 0, 0
    reason = reason.strip()
    if not reason:
        raise CourseError(_l("Say why you change the attendance."), 400)
    sessions = {session.id: session for session in sessions_of(event)}
    people = {registration.id for registration in enrolled(event)}
    if any(registration_id not in people or session_id not in sessions
           for registration_id, session_id in changed):
        raise CourseError(_l("The grid names someone or a session not in this course. Reload "
                             "the page and try again."), 400)
    current = attendance(event, {registration_id for registration_id, _s in changed})
    now = utcnow()
    marked = taken_back = 0
    try:
        with db.session.begin_nested():
            for registration_id, session_id in sorted(changed):
                key = session_key(sessions[session_id])
                present = session_id in current.get(registration_id, set())
                wanted = (registration_id, session_id) in after
                if wanted and not present:
                    db.session.add(CheckIn(
                        registration_id=registration_id, event_id=event.id, list_key=key,
                        checked_in_at=now, checked_in_by_id=user.id, manual=True))
                    marked += 1
                elif not wanted and present:
                    db.session.execute(
                        update(CheckIn)
                        .where(CheckIn.registration_id == registration_id,
                               CheckIn.list_key == key, CheckIn.counts())
                        .values(annulled_at=now, annulled_by_id=user.id, annul_reason=reason)
                        .execution_options(synchronize_session=False))
                    taken_back += 1
                else:
                    continue
                record(event, user, "course.attendance_marked" if wanted
                       else "course.attendance_unmarked",
                       {"registration": registration_id, "session": session_id,
                        "reason": reason})
            db.session.flush()
    except IntegrityError as error:
        raise CourseError(_l("Someone marked the same attendance at the same moment. Reload "
                             "the page and try again."), 409) from error
    return marked, taken_back


# --- certificates ------------------------------------------------------------------------------

def last_session_ended(sessions, now: datetime) -> bool:
    return bool(sessions) and max(s.ends_at for s in sessions) <= now


def certificate_of(registration: Registration) -> Certificate | None:
    """The registration's certificate that is not revoked, if any."""
    return db.session.scalar(select(Certificate).where(
        Certificate.registration_id == registration.id, Certificate.revoked_at.is_(None)))


def certificates(event: Event) -> list[Certificate]:
    return list(db.session.scalars(
        select(Certificate).where(Certificate.event_id == event.id)
        .order_by(Certificate.holder_name, Certificate.id)))


@dataclass
class _Links:
    """The two links of a certificate email, routed once for a whole course's certificates."""

    manage: object
    verify: object

    @classmethod
    def make(cls) -> "_Links":
        return cls(absolute_url_maker("registration.manage"),
                   absolute_url_maker("courses.verify", "code"))


def _new_certificate(event: Event, registration: Registration, progress: Progress,
                     now: datetime, links: _Links) -> Certificate:
    certificate = Certificate(
        event_id=event.id, registration_id=registration.id, code=certificate_code(),
        holder_name=registration.name, language=registration.language,
        sessions_attended=progress.attended, sessions_total=progress.total,
        minutes_attended=progress.minutes, issued_at=now)
    db.session.add(certificate)
    db.session.flush()
    _queue_certificate_email(event, registration, certificate, links)
    return certificate


def _queue_certificate_email(event: Event, registration: Registration,
                             certificate: Certificate, links: _Links) -> None:
    subject, body, html = render_email(
        "courses/email_certificate.txt", registration.language,
        lambda: _("Your certificate of attendance: %(course)s",
                  course=localized(event, "name", registration.language)),
        event=event, registration=registration, certificate=certificate,
        manage_url=links.manage(registration.manage_token),
        verify_url=links.verify(certificate.code))
    queue_email(to=registration.email, subject=subject, body=body, html=html, kind="certificate",
                event_id=event.id,
                attachments=[("intyg.pdf" if registration.language == "sv" else
                              "certificate.pdf", "application/pdf",
                              Deferred(f"certificate:{certificate.id}"))])


def issue(event: Event, user=None, now: datetime | None = None) -> list[Certificate]:
    """Certificates, each by email, for everyone enrolled who meets the rule and has none yet;
    only once the last session has ended. Running it again issues only to those who came to
    meet the rule since (attendance corrected afterwards)."""
    now = now or utcnow()
    sessions = sessions_of(event)
    if not last_session_ended(sessions, now):
        raise CourseError(_l("Certificates are issued after the last session."), 409)
    required = required_sessions(rule_of(event), len(sessions))
    attended = attendance(event)
    holding = set(db.session.scalars(select(Certificate.registration_id).where(
        Certificate.event_id == event.id, Certificate.revoked_at.is_(None))))
    issued, links = [], _Links.make()
    for registration in enrolled(event):
        if registration.id in holding:
            continue
        progress = _progress(sessions, attended.get(registration.id, set()), required, now)
        if progress.met:
            issued.append(_new_certificate(event, registration, progress, now, links))
    course = course_of(event)
    if course is None:
        course = Course(event_id=event.id, min_percent=DEFAULT_PERCENT)
        db.session.add(course)
    course.certificates_issued_at = course.certificates_issued_at or now
    if issued:
        record(event, user, "course.certificates_issued", {"people": len(issued)}, now=now)
    db.session.flush()
    return issued


def issue_due(now: datetime | None = None, unit=None) -> int:
    """What the beat and the CLI run: every course whose last session has ended and whose
    certificates have not gone out yet, each in its own unit of work when `unit` is given."""
    now = now or utcnow()
    ended = (select(CourseSession.event_id).group_by(CourseSession.event_id)
             .having(func.max(CourseSession.ends_at) <= now))
    issued_already = select(Course.event_id).where(Course.certificates_issued_at.is_not(None))
    event_ids = list(db.session.scalars(
        select(Event.id).where(Event.id.in_(ended), Event.id.not_in(issued_already))
        .order_by(Event.id)))
    count = 0
    for event_id in event_ids:
        if unit is None:
            count += len(issue(db.session.get(Event, event_id), now=now))
            continue
        with unit():
            count += len(issue(db.session.get(Event, event_id), now=now))
    return count


def _event_certificate(event: Event, certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.event_id != event.id:
        raise CourseError(_l("This course has no such certificate."), 404)
    return certificate


def revoke(event: Event, certificate_id: int, user, reason: str) -> Certificate:
    """The public check says "revoked" from now on. Once."""
    reason = reason.strip()
    if not reason:
        raise CourseError(_l("Say why the certificate is revoked."), 400)
    certificate = _event_certificate(event, certificate_id)
    if certificate.revoked:
        raise CourseError(_l("This certificate is already revoked."), 409)
    certificate.revoked_at, certificate.revoked_by_id = utcnow(), user.id
    certificate.revoke_reason = reason
    record(event, user, "course.certificate_revoked",
           {"certificate": certificate.id, "reason": reason})
    db.session.flush()
    return certificate


def reissue(event: Event, certificate_id: int, user) -> Certificate:
    """A new certificate (new id, the name and figures as they are now) for the holder of this
    one, which is revoked if it was not; only while they still meet the rule."""
    old = _event_certificate(event, certificate_id)
    registration = old.registration
    if registration is None or registration.status != "confirmed":
        raise CourseError(_l("The holder is no longer enrolled in the course."), 409)
    current = certificate_of(registration)
    if current is not None and current.id != old.id:
        raise CourseError(_l("A newer certificate has already been issued to this person."),
                          409)
    progress = progress_of(registration)
    if progress is None or not progress.met:
        raise CourseError(_l("The person no longer meets the course's rule for a "
                             "certificate."), 409)
    now = utcnow()
    if not old.revoked:
        old.revoked_at, old.revoked_by_id = now, user.id
        old.revoke_reason = _("Replaced by a new certificate")
        db.session.flush()
    new = _new_certificate(event, registration, progress, now, _Links.make())
    record(event, user, "course.certificate_reissued", {"certificate": new.id,
                                                        "replaces": old.id})
    return new


def verify(code: str) -> Certificate | None:
    """The certificate a code names (as typed from the paper, spaces and case forgiven)."""
    code = normalise_badge_input(code)
    if not BADGE_TOKEN_RE.match(code):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def holder_certificate(registration: Registration, code: str) -> Certificate | None:
    certificate = verify(code)
    if certificate is None or certificate.registration_id != registration.id:
        return None
    return certificate
