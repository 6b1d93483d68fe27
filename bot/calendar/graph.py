"""The calendar port on Microsoft Graph, through O365 and msal (app-only).

The bot signs in as itself (client credentials, with a secret or a
certificate) and organises meetings in one configured mailbox. Exchange then
sends the invitations, updates and cancellations, and collects the replies.

O365's own retries cover only idempotent requests, and not a throttled POST
or PATCH, so they are switched off here and every call is retried with
tenacity instead: on 429 and 5xx (waiting as long as Retry-After asks) and on
connection errors. A create carries a transactionId, so a retried create that
had in fact succeeded returns the first event rather than a second.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import msal  # type: ignore[import-untyped]
import requests
from O365.calendar import Event, EventResponse, Schedule
from O365.connection import Connection, MSGraphProtocol
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from bot.calendar.port import (
    Answer,
    CalendarRefused,
    CalendarUnavailable,
    CreatedEvent,
    Meeting,
    Reply,
)
from bot.calendar.tokens import DatabaseTokenBackend

log = logging.getLogger(__name__)

T = TypeVar("T")

_ANSWERS = {
    EventResponse.Accepted: Answer.ACCEPTED,
    EventResponse.TentativelyAccepted: Answer.TENTATIVE,
    EventResponse.Declined: Answer.DECLINED,
}


@dataclass(frozen=True)
class GraphCredentials:
    tenant_id: str
    client_id: str
    client_secret: str | None = None
    # A certificate instead of a secret: the PEM private key and the SHA-1
    # thumbprint of the certificate uploaded to the app registration.
    private_key_pem: str | None = None
    thumbprint: str | None = None

    def for_msal(self) -> str | dict[str, str]:
        if self.private_key_pem and self.thumbprint:
            return {"private_key": self.private_key_pem, "thumbprint": self.thumbprint}
        if self.client_secret:
            return self.client_secret
        raise ValueError("Graph needs a client secret, or a certificate and its thumbprint")


class _Protocol(MSGraphProtocol):  # type: ignore[misc]  # O365 has no type hints
    """Graph at a configurable address (national clouds; local fakes in tests)."""

    def __init__(self, base_url: str, timezone: str) -> None:
        # MSGraphProtocol.__init__ reads the address from this attribute.
        self._protocol_url = base_url.rstrip("/") + "/"
        super().__init__(api_version="v1.0", timezone=timezone)


class _Session(requests.Session):
    """A requests session whose `verify` really applies.

    requests lets REQUESTS_CA_BUNDLE override a session's `verify` (psf/requests
    issue 3829), so a CA bundle configured here would be ignored wherever that
    variable is set: pass it with every request instead.
    """

    def __init__(self, verify: bool | str, timeout: float) -> None:
        super().__init__()
        self.verify = verify
        self._timeout = timeout

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)


class _Event(Event):  # type: ignore[misc]
    """O365's event, sending isOnlineMeeting as the JSON boolean Graph's schema asks for.

    O365 2.1 passes the flag through its casing function and sends the string "true".
    """

    def to_api_data(self, restrict_keys: Any = None) -> dict[str, Any]:
        data: dict[str, Any] = super().to_api_data(restrict_keys)
        key = self._cc("isOnlineMeeting")
        if isinstance(data.get(key), str):
            data[key] = data[key] == "true"
        return data


class _Connection(Connection):  # type: ignore[misc]
    """O365's connection, signing in with the msal app built by GraphCalendar."""

    def __init__(
        self, app: Callable[[], msal.ConfidentialClientApplication], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._app = app

    @property
    def msal_client(self) -> msal.ConfidentialClientApplication:
        return self._app()

    def oauth_request(self, url: str, method: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("verify", self.verify_ssl)  # see _Session
        response: requests.Response = super().oauth_request(url, method, **kwargs)
        return response


def _retry_after(error: BaseException) -> float | None:
    """Seconds the server asked us to wait: Retry-After in seconds, or as an HTTP date
    (measured from the response's own Date, so that no wall clock is read here)."""
    response = getattr(error, "response", None)
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        until = parsedate_to_datetime(value)
        sent = parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return None
    return max((until - sent).total_seconds(), 0.0)


def _transient(error: BaseException) -> bool:
    if isinstance(error, requests.HTTPError):
        status = error.response.status_code if error.response is not None else 0
        return status == 429 or status >= 500
    return isinstance(error, requests.ConnectionError | requests.Timeout | _TokenUnavailable)


class _TokenUnavailable(Exception):
    """The token endpoint did not give a token (transient as far as we can tell)."""


class _TokenRefused(Exception):
    """The token endpoint refused the app's credentials."""


# msal's error codes that mean the credentials or the app registration are wrong.
_CREDENTIAL_ERRORS = {"invalid_client", "unauthorized_client", "invalid_scope", "invalid_grant"}


class GraphCalendar:
    """A CalendarPort on Microsoft Graph, organising from one mailbox."""

    def __init__(
        self,
        credentials: GraphCredentials,
        organiser: str,
        tokens: DatabaseTokenBackend,
        *,
        graph_url: str = "https://graph.microsoft.com",
        login_url: str = "https://login.microsoftonline.com",
        timezone: str = "Europe/London",
        verify: bool | str = True,  # a CA bundle path for test servers
        attempts: int = 5,
        max_wait: float = 60.0,  # never wait longer than this in one call's retries
        backoff: float = 0.5,  # the first wait when the server gives no Retry-After
        timeout: float = 30.0,
    ) -> None:
        self.organiser = organiser
        self.tokens = tokens
        self.timezone = timezone
        self.attempts = attempts
        self.max_wait = max_wait
        self.backoff = backoff
        self._scope = graph_url.rstrip("/") + "/.default"
        self._credentials = credentials
        self._authority = f"{login_url.rstrip('/')}/{credentials.tenant_id}"
        # The authority is ours to configure: do not ask Microsoft to vouch for it.
        self._instance_discovery = login_url.rstrip("/") == "https://login.microsoftonline.com"
        self._verify = verify
        self._timeout = timeout
        self._app: msal.ConfidentialClientApplication | None = None
        credentials.for_msal()  # a missing secret or certificate fails here, at start-up
        self._connection = _Connection(
            self._msal,
            credentials=(credentials.client_id, "app-only"),
            auth_flow_type="credentials",
            tenant_id=credentials.tenant_id,
            token_backend=tokens,
            request_retries=0,  # tenacity retries instead (see the module docstring)
            requests_delay=0,
            verify_ssl=verify,
            timeout=timeout,
        )
        self._schedule = Schedule(
            con=self._connection,
            protocol=_Protocol(graph_url, timezone),
            main_resource=organiser,
        )
        self._schedule.event_constructor = _Event

    # -- the port ----------------------------------------------------------

    def create(self, meeting: Meeting, transaction_id: str) -> CreatedEvent:
        def create() -> CreatedEvent:
            event = self._schedule.new_event()
            event.transaction_id = transaction_id
            self._fill(event, meeting)
            event.is_online_meeting = True
            event.online_meeting_provider = "teamsForBusiness"
            event.sensitivity = "private"
            if not event.save():
                raise CalendarRefused("Graph did not create the event")
            created = self._event(event.object_id)
            return CreatedEvent(created.object_id, created.online_meeting_url)

        return self._call("create the event", create)

    def update(self, event_id: str, meeting: Meeting) -> None:
        def update() -> None:
            event = self._event(event_id)
            self._fill(event, meeting)
            if not event.save():
                raise CalendarRefused("Graph did not update the event")

        self._call("update the event", update)

    def cancel(self, event_id: str, comment: str) -> None:
        def cancel() -> None:
            event = self._schedule.event_constructor(
                parent=self._schedule, **{self._schedule._cloud_data_key: {"id": event_id}}
            )
            if not event.cancel_event(comment):
                raise CalendarRefused("Graph did not cancel the event")

        self._call("cancel the event", cancel)

    def replies(self, event_id: str) -> Mapping[str, Reply]:
        def replies() -> dict[str, Reply]:
            event = self._event(event_id)
            found: dict[str, Reply] = {}
            for attendee in event.attendees:
                status = attendee.response_status
                at = status.response_time
                found[attendee.address.lower()] = Reply(
                    _ANSWERS.get(status.status, Answer.NONE),
                    at.astimezone(UTC) if isinstance(at, datetime) else None,
                )
            return found

        return self._call("read the replies", replies)

    def get_schedule(
        self, emails: Sequence[str], start: datetime, end: datetime, interval_minutes: int
    ) -> list[dict[str, Any]]:
        """Free/busy of up to 20 mailboxes over at most 62 days (Graph getSchedule).

        Asked from the organiser mailbox, with the same token and retries as
        the calendar calls. O365 parses each scheduleItem's start and end into
        aware datetimes and the availabilityView into words ("free", "busy").
        Used by bot/find_time/graph_schedule.py, which batches and reads the answers.
        """

        def read() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = self._schedule.get_availability(
                list(emails), start, end, interval_minutes
            )
            return found

        return self._call("read free/busy", read)

    # -- helpers -----------------------------------------------------------

    def _fill(self, event: Event, meeting: Meeting) -> None:
        zone = ZoneInfo(meeting.timezone)
        event.subject = meeting.subject
        event.body = meeting.body
        event.body_type = "text"
        event.start = meeting.start.astimezone(zone)
        event.end = meeting.end.astimezone(zone)
        wanted = [(a.name, a.email) for a in meeting.attendees if not self._is_organiser(a.email)]
        current = sorted((a.address.lower(), a.name) for a in event.attendees)
        if current != sorted((email.lower(), name) for name, email in wanted):
            event.attendees.clear()
            event.attendees.add(wanted)

    def _is_organiser(self, email: str) -> bool:
        return email.lower() == self.organiser.lower()

    def _event(self, event_id: str) -> Event:
        url = self._schedule.build_url(f"/events/{event_id}")
        response = self._connection.get(url)
        return self._schedule.event_constructor(
            parent=self._schedule, **{self._schedule._cloud_data_key: response.json()}
        )

    def _msal(self) -> msal.ConfidentialClientApplication:
        """msal's app, made on first use: making it asks the login server about the tenant."""
        if self._app is None:
            try:
                self._app = msal.ConfidentialClientApplication(
                    self._credentials.client_id,
                    client_credential=self._credentials.for_msal(),
                    authority=self._authority,
                    token_cache=self.tokens,
                    http_client=_Session(self._verify, self._timeout),
                    instance_discovery=self._instance_discovery,
                )
            except ValueError as error:  # the login server does not know the tenant
                raise _TokenRefused(str(error)) from None
        return self._app

    def _sign_in(self) -> None:
        """Make sure the connection carries a valid token (msal answers from its cache)."""
        result = self._msal().acquire_token_for_client(scopes=[self._scope])
        if "access_token" not in result:
            error = str(result.get("error", "no token"))
            detail = f"{error}: {result.get('error_description', '')}".strip(": ")
            if error in _CREDENTIAL_ERRORS:
                raise _TokenRefused(detail)
            raise _TokenUnavailable(detail)
        if self._connection.session is None:
            self._connection.session = self._connection.get_session()
        self._connection.update_session_auth_header(access_token=result["access_token"])

    def _call(self, what: str, operation: Callable[[], T]) -> T:
        def attempt() -> T:
            self._sign_in()
            return operation()

        retrying = Retrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(self.attempts) | stop_after_delay(self.max_wait),
            wait=self._wait,
            reraise=True,
            before_sleep=lambda state: log.info(
                "Graph: %s failed (%s); retrying", what, state.outcome and state.outcome.exception()
            ),
        )
        try:
            return retrying(attempt)
        except _TokenRefused as error:
            raise CalendarRefused(
                f"Graph sign-in refused the app's credentials ({error})"
            ) from None
        except _TokenUnavailable as error:
            raise CalendarUnavailable(f"Graph sign-in failed ({error})") from None
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else 0
            reason = f"Graph could not {what}: HTTP {status}"
            if status == 429 or status >= 500:
                raise CalendarUnavailable(f"{reason}, still failing after retries") from None
            raise CalendarRefused(reason) from None
        except (requests.ConnectionError, requests.Timeout) as error:
            raise CalendarUnavailable(f"Graph could not {what}: {type(error).__name__}") from None

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = _retry_after(error) if error is not None else None
        if asked is not None:
            return min(asked, self.max_wait)
        return float(wait_exponential(multiplier=self.backoff, max=10)(state))
