"""Where a built message goes: an SMTP server, or a folder of .eml files for a developer."""

import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app


class FolderTransport:
    def __init__(self, folder: str):
        self.folder = Path(folder)

    def send(self, message: EmailMessage, email_id: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{email_id:08d}.eml"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.replace(target)


class SMTPTransport:
    def __init__(self, config):
        self.config = config

    def send(self, message: EmailMessage, email_id: int) -> None:
        cfg = self.config
        smtp_class = smtplib.SMTP_SSL if cfg["SMTP_SSL"] else smtplib.SMTP
        with smtp_class(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"]) as smtp:
            if cfg["SMTP_STARTTLS"] and not cfg["SMTP_SSL"]:
                smtp.starttls()
            if cfg["SMTP_USERNAME"]:
                smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
            smtp.send_message(message)


def get_transport():
    config = current_app.config
    if config["SMTP_HOST"]:
        return SMTPTransport(config)
    return FolderTransport(config["MAIL_FOLDER"])
