"""Teams per event: who may do what at which event (owner, organiser, finance, door,
read-only), invitations by email, and the rule each organiser page declares."""
