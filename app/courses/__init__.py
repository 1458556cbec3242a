"""Courses: an event made of sessions on different dates, one enrolment for them all (the
event's own registration, seats, waiting list, payment and invoice), attendance per session,
progress towards the certificate, and certificates of attendance with a public check."""
