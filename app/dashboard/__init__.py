"""The organiser's figures: an event at a glance, and the key figures on the events list."""
