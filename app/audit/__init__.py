"""The audit log: who did what to an event and when (exports of personal data, programme
publishes, refunds, cancellations, purges). A low area: any area may call
`app.audit.services.record`, and audit imports nothing above the events."""
