"""Exports of an event's people for the organiser: spreadsheets, the door list, badges on
print sheets and sign-up lists, each one logged in the audit log."""
