"""Every model, imported in one place so Alembic and the app see the same metadata."""

from app.accounts.models import User  # noqa: F401
from app.audit.models import AuditEntry  # noqa: F401
from app.checkin.devices import DoorDevice  # noqa: F401
from app.checkin.models import CheckIn, CheckInConflict, ScanRecord  # noqa: F401
from app.courses.models import Certificate, Course, CourseSession  # noqa: F401
from app.events.models import Event, Room  # noqa: F401
from app.feedback.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse  # noqa: F401
from app.installation import Installation  # noqa: F401
from app.mail.models import EmailAttachment, OutgoingEmail  # noqa: F401
from app.messages.models import Message, MessageRecipient  # noqa: F401
from app.notices.models import Notice, ProgrammeVersion  # noqa: F401
from app.orders.models import Counter, Order  # noqa: F401
from app.payments.models import Refund, StripeEvent  # noqa: F401
from app.postponement.models import CalendarFile, CancellationRefund, Postponement  # noqa: F401
from app.programme.models import ProgrammeItem, SessionSignup  # noqa: F401
from app.registration import search  # noqa: F401 (keeps Registration.search_text current)
from app.registration.models import (  # noqa: F401
    Answer,
    PersonalProgrammeEntry,
    Question,
    Registration,
)
from app.speakers.models import Speaker, SpeakerSlot  # noqa: F401
from app.statement.models import AccessibilityStatement  # noqa: F401
from app.teams.models import TeamInvitation, TeamMember  # noqa: F401
from app.tickets.models import TicketType  # noqa: F401
from app.waitlist.models import WaitingListEntry  # noqa: F401
