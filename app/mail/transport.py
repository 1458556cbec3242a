"""Where a built message goes: an SMTP server, or a folder of .eml files for a developer.

A sweep hands a transport many messages at once: `connection()` gives one sender for all of
them, which for SMTP is one session kept open (a TCP and TLS handshake and a login per message
was most of the time of delivering thousands). A part the batch shares between its messages (a
postponement's calendar file, in thousands of notices) is a SharedPart: it is turned into bytes
once per connection and copied into each message from there."""

import io
import smtplib
from contextlib import contextmanager, suppress
from email.generator import BytesGenerator
from email.message import EmailMessage, MIMEPart
from email.utils import getaddresses
from pathlib import Path

from flask import current_app


class SharedPart(MIMEPart):
    """A MIME part (an attachment) that is the same in many messages of one batch."""


class _Generator(BytesGenerator):
    """email's BytesGenerator, writing each SharedPart from the bytes it made of it the first
    time (`flattened`, kept by the connection: part -> bytes, per line ending and UTF-8 or
    not)."""

    def __init__(self, outfp, *args, flattened: dict | None = None, **kwargs):
        super().__init__(outfp, *args, **kwargs)
        self._flattened = {} if flattened is None else flattened

    def clone(self, fp):
        twin = super().clone(fp)
        twin._flattened = self._flattened
        return twin

    def flatten(self, msg, unixfrom=False, linesep=None):
        if not isinstance(msg, SharedPart):
            return super().flatten(msg, unixfrom, linesep)
        key = (id(msg), linesep, getattr(self.policy, "utf8", None))
        if key not in self._flattened:
            buffer = io.BytesIO()
            BytesGenerator.flatten(self.clone(buffer), msg, unixfrom, linesep)
            # The part is kept with its bytes, so its id is not reused while they are.
            self._flattened[key] = (msg, buffer.getvalue())
        self._fp.write(self._flattened[key][1])


def flatten(message: EmailMessage, flattened: dict, *, linesep: str = "\n",
            policy=None) -> bytes:
    """The message as bytes, as email's generator writes it, SharedParts from `flattened`."""
    out = io.BytesIO()
    _Generator(out, policy=policy, flattened=flattened).flatten(message, linesep=linesep)
    return out.getvalue()


class Unreachable(Exception):
    """The mail server could not be reached at all: no message of the batch can go now, and
    none of them is at fault."""


class FolderTransport:
    def __init__(self, folder: str):
        self.folder = Path(folder)

    def send(self, message: EmailMessage, email_id: int, flattened: dict | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{email_id:08d}.eml"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(flatten(message, {} if flattened is None else flattened))
        tmp.replace(target)

    @contextmanager
    def connection(self):
        flattened = {}
        yield _Folder(self, flattened)


class _Folder:
    def __init__(self, transport: FolderTransport, flattened: dict):
        self.transport, self.flattened = transport, flattened

    def send(self, message: EmailMessage, email_id: int) -> None:
        self.transport.send(message, email_id, self.flattened)


class SMTPTransport:
    def __init__(self, config):
        self.config = config

    def send(self, message: EmailMessage, email_id: int) -> None:
        with self.connection() as connection:
            connection.send(message, email_id)

    @contextmanager
    def connection(self):
        session = SMTPSession(self.config)
        try:
            yield session
        finally:
            session.close()


# 421: the server is closing the session (too many messages on it, shutting down). Nothing of
# the message was taken, so it goes again at once on a new session.
_CLOSING = 421


class SMTPSession:
    """One SMTP session for many messages, opened with the first. A message the server refuses
    (an unknown recipient, too large) fails alone and the session goes on. When a session that
    has carried mail already is dropped or closed by the server, the message is sent once more
    on a new one: a server may limit the messages per session. (Were the message taken just
    before the drop, it would be sent twice, as a retry after the back-off would; it keeps its
    Message-ID.)"""

    def __init__(self, config):
        self.config = config
        self.smtp = None
        self.carried = 0
        self.flattened = {}

    def _open(self):
        cfg = self.config
        smtp_class = smtplib.SMTP_SSL if cfg["SMTP_SSL"] else smtplib.SMTP
        try:
            smtp = smtp_class(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"])
        except OSError as error:
            raise Unreachable(f"{type(error).__name__}: {error}") from error
        try:
            if cfg["SMTP_STARTTLS"] and not cfg["SMTP_SSL"]:
                smtp.starttls()
            if cfg["SMTP_USERNAME"]:
                smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
        except (OSError, smtplib.SMTPException) as error:
            _quietly_close(smtp)
            raise Unreachable(f"{type(error).__name__}: {error}") from error
        self.smtp, self.carried = smtp, 0

    def send(self, message: EmailMessage, email_id: int) -> None:
        if self.smtp is None:
            self._open()
        try:
            self._send(message)
        except OSError as error:  # smtplib's errors are OSErrors too
            reused = self.carried > 0
            if not _session_lost(error):
                raise  # this message's own refusal; the session goes on
            self.close()
            if not reused:
                raise
            self._open()
            self._send(message)
        self.carried += 1

    def _send(self, message: EmailMessage) -> None:
        """What smtplib's send_message does for the messages Samla makes (From, To, no Bcc),
        with SharedParts made into bytes once."""
        sender = getaddresses([message["From"]])[0][1]
        recipients = [address for _, address in getaddresses(message.get_all("To", []))]
        options, policy = (), None
        self.smtp.ehlo_or_helo_if_needed()
        if not all(address.isascii() for address in (sender, *recipients)):
            if not self.smtp.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError(
                    "An address needs SMTPUTF8, which the mail server does not offer")
            options, policy = ("SMTPUTF8", "BODY=8BITMIME"), message.policy.clone(utf8=True)
        data = flatten(message, self.flattened, linesep="\r\n", policy=policy)
        self.smtp.sendmail(sender, recipients, data, options)

    def close(self):
        if self.smtp is not None:
            smtp, self.smtp = self.smtp, None
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                _quietly_close(smtp)


def _session_lost(error: OSError) -> bool:
    """Whether the session is gone (dropped, timed out, closed by a 421), not just this message
    refused."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code == _CLOSING for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == _CLOSING
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    return not isinstance(error, smtplib.SMTPException)


def _quietly_close(smtp):
    with suppress(OSError):
        smtp.close()


def get_transport():
    config = current_app.config
    if config["SMTP_HOST"]:
        return SMTPTransport(config)
    return FolderTransport(config["MAIL_FOLDER"])
