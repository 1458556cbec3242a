"""Signals by which a lower area tells a higher one what happened, so that dependencies point
one way (as Indico's timetable operations tell its notifications). Receivers run at once, in
the sender's transaction, and connect when their module is imported (every area is imported by
create_app).

- programme_item_added(item), programme_item_moved(item, old_starts_at, old_ends_at, old_room),
  programme_item_cancelled(item): the programme tells notices, which record a pending change
  told to the people affected on the next publish.
- capacity_raised(event): tickets tell the waiting list that seats may be free.
- order_confirmed(order): orders tell registration to queue the confirmations.
- registrations_cancelled(order, registrations): registration tells payments, which refund or
  credit by the event's rule. Sent after the cancellation is committed, since a refund calls
  Stripe with no transaction open.
- team_changed(event, user, action, detail): teams tell the audit log who changed an event's
  team: `user` did `action` ("team.invited", "team.invitation_withdrawn", "team.member_added",
  "team.role_changed", "team.member_removed"), `detail` a dict (member or email, role,
  old_role). Sent in the change's own transaction.
- event_shifted(event, days): the event moved `days` days (a postponement; events.services.shift
  sends it after moving the event's own dates). Every area that keeps times of the event moves
  them by Event.shifted (same wall-clock time, `days` later): the programme its items, notices
  their pending changes and the published programme. Courses add their sessions here. Sent in
  the postponement's transaction.
- course_session_moved(session, old_starts_at, old_ends_at, old_place, old_online_url): courses
  tell whoever informs the participants that a session's time or place changed (its calendar
  SEQUENCE is already raised; app.courses.calendar.session_uid names its entry). Sent in the
  change's own transaction.
"""

from blinker import Namespace

_signals = Namespace()

programme_item_added = _signals.signal("programme-item-added")
programme_item_moved = _signals.signal("programme-item-moved")
programme_item_cancelled = _signals.signal("programme-item-cancelled")
capacity_raised = _signals.signal("capacity-raised")
order_confirmed = _signals.signal("order-confirmed")
registrations_cancelled = _signals.signal("registrations-cancelled")
team_changed = _signals.signal("team-changed")
event_shifted = _signals.signal("event-shifted")
course_session_moved = _signals.signal("course-session-moved")
