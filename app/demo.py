"""The demo conference: Framtidskonferensen of NSPH's PEER Support project (see shared/domain.md).
People are invented; their roles are the ones the project's own texts name."""

import secrets
from datetime import date, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app import seats
from app.accounts.services import create_user
from app.courses.services import SessionDetails, add_session, save_rule
from app.db_types import utcnow
from app.events.models import Event, Room
from app.extensions import db
from app.feedback.services import create_survey
from app.notices.services import publish
from app.orders.models import Order
from app.orders.services import new_order_code
from app.programme.models import ProgrammeItem
from app.registration.models import Question, Registration
from app.speakers.models import SpeakerSlot
from app.speakers.services import add_speaker
from app.tickets.models import TicketType
from app.tokens import badge_token, link_token

DAY = date(2027, 1, 28)
ORGANISER_EMAIL = "arrangor@nsph.example"
COURSE_LEADER_EMAIL = "kursledare@nsph.example"
COURSE_SESSIONS = [
    ("Vad är peer support?", "What is peer support?"),
    ("Att använda sin egen erfarenhet", "Using your own experience"),
    ("Samtal och bemötande", "Conversations and how we meet people"),
    ("Gränser och egen återhämtning", "Boundaries and your own recovery"),
    ("Rollen på arbetsplatsen (på distans)", "The role at the workplace (online)"),
    ("Sekretess och dokumentation", "Confidentiality and records"),
    ("Samverkan med andra yrken", "Working with other professions"),
    ("Avslutning och vägen vidare", "Closing and the way ahead"),
]
DOOR_EMAIL = "entre@nsph.example"

SPEAKERS = {
    "karin": ("Karin Lindqvist", "Projektledare", "NSPH, projektet PEER Support"),
    "johan": ("Johan Ekström", "Peer supporter", "Region Örebro län"),
    "sara": ("Sara Nilsson", "Peer supporter", "Stockholms stad, socialpsykiatrin"),
    "maria": ("Maria Holm", "Forskare", "Centrum för evidensbaserade psykosociala insatser"),
    "anders": ("Anders Berg", "Enhetschef", "Stockholms stad, socialpsykiatrin"),
    "lena": ("Lena Sjöberg", "Handledare", "NSPH Västra Götaland"),
    "ahmed": ("Ahmed Yusuf", "Brukarrepresentant", "NSPH Skåne"),
    "eva": ("Eva Lund", "Utvecklingsledare", "Region Västerbotten"),
    "peter": ("Peter Åberg", "Verksamhetsutvecklare", "Göteborgs stad"),
}

# (start, end, room, kind, title, description, speakers)
PROGRAMME = [
    ("08:30", "09:15", "Foajén", "break", "Registrering och kaffe",
     "Hämta din namnbricka i entrén. Kaffe och smörgås serveras.", []),
    ("09:15", "09:30", "Stora salen", "plenary", "Välkommen till framtidskonferensen",
     "Om dagen och om tre år med projektet PEER Support.", ["karin"]),
    ("09:30", "10:15", "Stora salen", "talk", "Vad är peer support? Den svenska modellen",
     "Professionell egen erfaren resurs: hur modellen tagits fram och används i psykiatri, "
     "socialpsykiatri och rehabilitering.", ["karin"]),
    ("10:15", "10:30", "Foajén", "break", "Paus", "", []),
    ("10:30", "11:30", "Stora salen", "panel", "Peer supportrar berättar",
     "Två peer supportrar om sitt arbete, om återhämtning, egenmakt och minskat självstigma.",
     ["johan", "sara"]),
    ("11:30", "12:00", "Stora salen", "talk", "Utvärdering av peer support i socialpsykiatrin",
     "Resultat från den första utvärderingen inom kommunal socialpsykiatri: fem verksamheter "
     "i Stockholm.", ["maria"]),
    ("12:00", "13:00", "Foajén", "lunch", "Lunch", "Specialkost enligt anmälan.", []),
    ("13:00", "13:45", "Sal B", "talk", "Att anställa en peer supporter",
     "En enhetschef om planering, förankring och vad arbetsplatsen behöver förbereda.",
     ["anders"]),
    ("13:00", "14:15", "Sal C", "workshop", "Workshop: handledning av peer supportrar",
     "Hur handledning stöttar peer supportrar i vardagen. Begränsat antal platser.", ["lena"]),
    ("13:45", "14:30", "Stora salen", "talk", "Brukarens röst",
     "Vad peer support har betytt för en brukare: samtal, struktur i vardagen och stöd på möten.",
     ["ahmed"]),
    ("14:30", "14:45", "Foajén", "break", "Paus", "", []),
    ("14:45", "15:30", "Stora salen", "panel", "Arbetsgivare och peer supporter: förväntningar",
     "Vad förväntar sig arbetsgivaren, och vad förväntar sig peer supportern? Kommun och region "
     "samtalar.", ["anders", "eva", "johan"]),
    ("15:30", "16:00", "Stora salen", "plenary",
     "Framåt: peer support i fler kommuner och regioner",
     "Nästa steg, kommande utbildningar och avslutning.", ["peter", "karin"]),
]


# The English texts, by the Swedish ones: English visitors read these (app/i18n.py localized).
ROLES_EN = {
    "Projektledare": "Project manager", "Peer supporter": "Peer supporter",
    "Forskare": "Researcher", "Enhetschef": "Unit manager", "Handledare": "Supervisor",
    "Brukarrepresentant": "Service user representative", "Utvecklingsledare": "Development lead",
    "Verksamhetsutvecklare": "Service developer",
}
ROOMS_EN = {"Stora salen": "Main hall", "Sal B": "Room B", "Sal C": "Room C", "Foajén": "Foyer"}
ACCESSIBILITY_EN = {
    "Hörslinga, rullstolsplatser längst fram.": "Hearing loop; wheelchair spaces at the front.",
    "Hiss från entréplanet.": "Lift from the entrance floor.",
}
PROGRAMME_EN = {
    "Registrering och kaffe": (
        "Registration and coffee",
        "Collect your badge at the entrance. Coffee and sandwiches are served."),
    "Välkommen till framtidskonferensen": (
        "Welcome to the Future Conference",
        "About the day and about three years of the PEER Support project."),
    "Vad är peer support? Den svenska modellen": (
        "What is peer support? The Swedish model",
        "Professional peer resources: how the model was developed and is used in psychiatry, "
        "social psychiatry and rehabilitation."),
    "Paus": ("Break", ""),
    "Peer supportrar berättar": (
        "Peer supporters tell their stories",
        "Two peer supporters on their work, on recovery, empowerment and reduced self-stigma."),
    "Utvärdering av peer support i socialpsykiatrin": (
        "Evaluating peer support in social psychiatry",
        "Results of the first evaluation in municipal social psychiatry: five services in "
        "Stockholm."),
    "Lunch": ("Lunch", "Special diets as given when you registered."),
    "Att anställa en peer supporter": (
        "Hiring a peer supporter",
        "A unit manager on planning, building support and what the workplace needs to prepare."),
    "Workshop: handledning av peer supportrar": (
        "Workshop: supervising peer supporters",
        "How supervision supports peer supporters in their daily work. Limited seats."),
    "Brukarens röst": (
        "The service user's voice",
        "What peer support has meant for one service user: conversations, structure in daily "
        "life and support at meetings."),
    "Arbetsgivare och peer supporter: förväntningar": (
        "Employers and peer supporters: expectations",
        "What does the employer expect, and what does the peer supporter expect? A municipality "
        "and a region in conversation."),
    "Framåt: peer support i fler kommuner och regioner": (
        "Next steps: peer support in more municipalities and regions",
        "What comes next, upcoming training and closing words."),
}


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def credentials_file() -> Path:
    """Where `demo load` keeps the demo's passwords (DEMO_CREDENTIALS_FILE, or in instance/):
    each test run has its own, since `make test` runs two suites side by side."""
    configured = current_app.config.get("DEMO_CREDENTIALS_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / \
        "demo-credentials.txt"


def load_demo() -> Event:
    event = Event(
        slug="framtidskonferensen-2027",
        name="Framtidskonferensen – PEER Support",
        name_en="The Future Conference – PEER Support",
        description_en=(
            "A day about peer support: people with lived experience of mental ill health who "
            "work professionally in health and social care. With peer supporters, unit "
            "managers, service users, supervisors, researchers and representatives of "
            "municipalities and regions."
        ),
        description=(
            "En dag om peer support: personer med egen erfarenhet av psykisk ohälsa som arbetar "
            "professionellt inom vård och omsorg. Med peer supportrar, enhetschefer, brukare, "
            "handledare, forskare och företrädare för kommuner och regioner."
        ),
        organiser_name="NSPH – Nationell Samverkan för Psykisk Hälsa",
        contact_email="peer@nsph.example",
        venue="Konferenscentret", city="Stockholm", timezone="Europe/Stockholm",
        venue_address="Konferensgatan 1, 111 22 Stockholm",
        arrival_info=(
            "Tunnelbana till T-Centralen, sedan fem minuters promenad. Ingången utan trappsteg "
            "ligger på gårdssidan."
        ),
        arrival_info_en=(
            "Take the metro to T-Centralen, then walk five minutes. The step-free entrance is on "
            "the courtyard side."
        ),
        starts_on=DAY, ends_on=DAY, published=True, registration_open=True,
    )
    db.session.add(event)
    rooms = {
        "Stora salen": Room(event=event, name="Stora salen", capacity=250, position=0,
                            accessibility_notes="Hörslinga, rullstolsplatser längst fram."),
        "Sal B": Room(event=event, name="Sal B", capacity=80, position=1,
                      accessibility_notes="Hiss från entréplanet."),
        "Sal C": Room(event=event, name="Sal C", capacity=30, position=2,
                      accessibility_notes="Hiss från entréplanet."),
        "Foajén": Room(event=event, name="Foajén", position=3),
    }
    for room in rooms.values():
        room.name_en = ROOMS_EN[room.name]
        room.accessibility_notes_en = ACCESSIBILITY_EN.get(room.accessibility_notes or "", "")
    db.session.add_all(rooms.values())
    speakers = {
        key: add_speaker(event, name=name, role_title=role, organisation=org,
                         email=f"{key}@talare.example", role_title_en=ROLES_EN[role])
        for key, (name, role, org) in SPEAKERS.items()
    }
    for start, end, room, kind, title, description, keys in PROGRAMME:
        title_en, description_en = PROGRAMME_EN[title]
        item = ProgrammeItem(
            event=event, room=rooms[room], kind=kind, title=title, description=description,
            title_en=title_en, description_en=description_en,
            starts_at=event.to_utc(DAY, _hhmm(start)), ends_at=event.to_utc(DAY, _hhmm(end)),
        )
        db.session.add(item)
        for key in keys:
            db.session.add(SpeakerSlot(item=item, speaker=speakers[key], state="accepted"))
    event.capacity = 280
    event.refund_until = date(2027, 1, 14)
    event.seller_org_number = "802426-1557"
    event.seller_vat_number = "SE802426155701"
    event.seller_address = "Box 3040\n169 03 Solna"
    event.seller_bankgiro = "5555-1234"
    event.seller_f_tax = True
    free = TicketType(
        event=event, name="Brukare och anhöriga – kostnadsfri", price_ore=0, capacity=100,
        name_en="Service users and relatives – free of charge",
        description="För dig som är brukare eller anhörig.",
        description_en="For service users and their relatives.",
        vat_percent=0, position=0,
    )
    paid = TicketType(
        event=event, name="Ordinarie deltagare", price_ore=120000, capacity=200,
        name_en="Standard", vat_percent=25,
        description="För personal, chefer och tjänstepersoner. Inklusive lunch och fika.",
        description_en="For staff, managers and officials. Lunch and coffee included.",
        position=1,
    )
    speakers_ticket = TicketType(
        event=event, name="Talare och medarrangörer", name_en="Speakers and co-organisers",
        price_ore=0, vat_percent=0, visibility="code", access_code="TALARE2027", position=2,
        for_speakers=True,  # a speaker who accepts is registered with it
    )
    db.session.add_all([free, paid, speakers_ticket])
    db.session.flush()
    db.session.add(Question(
        event_id=event.id, label="Hur hörde du talas om konferensen?",
        label_en="How did you hear about the conference?", kind="choice", position=0,
        options=[{"sv": "Via min arbetsplats", "en": "Through my workplace"},
                 {"sv": "Via NSPH", "en": "Through NSPH"},
                 {"sv": "Annat", "en": "Other"}],
    ))
    for name, org in (("Alva Persson", "RSMH Stockholm"), ("Nils Karlsson", "Anhörig"),
                      ("Fatima Hassan", "Hjärnkoll")):
        _register(event, free, name, org)
    organiser_password = secrets.token_urlsafe(9)
    door_password = secrets.token_urlsafe(9)
    organiser = create_user(ORGANISER_EMAIL, "Arrangör (demo)", organiser_password, role="admin",
                            events=[event], team_role="owner")
    create_user(DOOR_EMAIL, "Entrévärd (demo)", door_password, role="door", events=[event])
    db.session.flush()
    # Version 1: the public pages show the published programme only (nobody is notified of
    # the first version); later edits stay a draft until the organiser publishes again.
    publish(event, organiser)
    create_survey(event, "conference")  # sent by itself a few hours after the day ends
    course = load_demo_course()
    leader_password = secrets.token_urlsafe(9)
    create_user(COURSE_LEADER_EMAIL, "Kursledare (demo)", leader_password, role="organiser",
                events=[course], team_role="organiser")
    credentials_file().write_text(
        f"organiser: {ORGANISER_EMAIL} / {organiser_password}\n"
        f"course leader: {COURSE_LEADER_EMAIL} / {leader_password}\n"
        f"door staff: {DOOR_EMAIL} / {door_password}\n"
    )
    return event


def _register(event: Event, ticket: TicketType, name: str, organisation: str) -> None:
    """A free registration of an invented person, as the registration form makes it."""
    email = name.lower().replace(" ", ".") + "@deltagare.example"
    seats.take_for_order(event.id, {ticket.id: 1})
    order = Order(event=event, code=new_order_code(), buyer_name=name, buyer_email=email,
                  status="confirmed", payment_method="free", payment_status="none",
                  manage_token=link_token(), confirmed_at=utcnow())
    order.registrations.append(Registration(
        event=event, ticket_type=ticket, name=name, organisation=organisation, email=email,
        manage_token=link_token(), badge_token=badge_token(),
    ))
    db.session.add(order)


def load_demo_course() -> Event:
    """NSPH's first peer-supporter training in Göteborg: eight weekly meetings in April and
    May, one of them online, a certificate for six of eight."""
    first = date(2027, 4, 6)
    course = Event(
        slug="kamratstodjarutbildning-goteborg-2027",
        name="Kamratstödjarutbildning Göteborg", name_en="Peer supporter training, Göteborg",
        description=("Utbildning för dig som ska arbeta som peer supporter inom kommun eller "
                     "region. Åtta träffar under våren."),
        description_en=("Training for those who will work as peer supporters in a "
                        "municipality or region. Eight meetings in the spring."),
        organiser_name="NSPH – Nationell Samverkan för Psykisk Hälsa",
        contact_email="peer@nsph.example", venue="Folkets hus", city="Göteborg",
        venue_address="Järntorget 3, 413 04 Göteborg", timezone="Europe/Stockholm",
        starts_on=first, ends_on=first, published=True, registration_open=True,
        seller_org_number="802426-1557", seller_vat_number="SE802426155701",
        seller_address="Box 3040\n169 03 Solna", seller_bankgiro="5555-1234", capacity=20,
    )
    db.session.add(course)
    place = TicketType(event=course, name="Kursplats", name_en="Course place", price_ore=0,
                       vat_percent=0, capacity=20, position=0)
    db.session.add(place)
    db.session.flush()
    for name, organisation in (("Maja Lind", "Göteborgs stad"), ("Omar Said", "Västra "
                               "Götalandsregionen"), ("Siri Ek", "Mölndals stad")):
        _register(course, place, name, organisation)
    for number in range(8):
        online = number == 4
        add_session(course, SessionDetails(
            title=COURSE_SESSIONS[number][0], title_en=COURSE_SESSIONS[number][1],
            day=first + timedelta(days=7 * number), start=time(9), end=time(12),
            place="" if online else "Folkets hus, sal 3",
            online_url="https://mote.nsph.example/kurs" if online else "",
            leader_name="Karin Kursledare"))
    save_rule(course, min_sessions=6, min_percent=None, signer_name="Karin Kursledare",
              signer_title="Kursledare, NSPH")
    create_survey(course, "course")
    return course


def database_is_empty() -> bool:
    return db.session.scalar(select(Event.id).limit(1)) is None
