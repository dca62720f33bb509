"""iVvy request signing (docs/ivvy.md §1): string to sign, Content-MD5, HMAC-SHA1, staleness.

Pure functions, used by the server to verify requests and by the CLI and tests to sign them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime

from venuecrm.errors import AuthenticationFailed, StaleRequest

AUTH_SCHEME = "IWS"
_IVVY_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: UTC)?$", re.IGNORECASE)
# PHP's date('Y-m-d hh:mm:ss') (a community SDK's bug): 'h' is the 12-hour hour, 'm' the month
# and 's' the seconds, each written twice: 2026-12-01 0404:1212:5656. The minutes are lost.
_PHP_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2})\4:(\d{2})\5:(\d{2})\6$")
_HOUR = timedelta(hours=1)
# The docs' pseudo-code writes "Tue, 03 Apr, 2012 22:23:24 utc": a stray comma after the month.
_MONTH_COMMA = re.compile(r"\b([A-Za-z]{3}),(?=\s+\d{4}\b)")


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What of a received request takes part in its signature."""

    method: str
    request_string: str  # path and query as received, e.g. /api/1.0/test?action=ping
    api_version: str  # from the URL path: .NET never sends X-Api-Version (docs/ivvy.md D6)
    headers: Mapping[str, str]  # names lower-cased
    body: bytes


def content_md5(body: bytes) -> str:
    """Lowercase hex MD5, as iVvy's Content-MD5 header carries it (not RFC 1864 base64)."""
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def ivvy_header_string(headers: Iterable[tuple[str, str]]) -> str:
    """The IVVY-* headers as the string to sign has them: dashes and underscores removed, sorted."""
    pairs = sorted(
        (name.replace("-", "").replace("_", ""), value)
        for name, value in headers
        if name.lower().startswith("ivvy")
    )
    return "&".join(f"{name}={value}" for name, value in pairs)


def string_to_sign(
    *,
    method: str,
    content_md5: str,
    content_type: str,
    date: str,
    request_string: str,
    api_version: str,
    ivvy_headers: str,
) -> str:
    """iVvy's string to sign, lower-cased as a whole."""
    parts = (method, content_md5, content_type, date, request_string, api_version, ivvy_headers)
    return "".join(parts).lower()


def hmac_sha1(secret: str, message: str) -> str:
    """Lowercase hex HMAC-SHA1 of ``message`` keyed by ``secret``."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha1).hexdigest()


def parse_authorization(value: str | None) -> tuple[str, str]:
    """Split ``IWS key:signature`` into key and signature."""
    if not value:
        raise AuthenticationFailed(
            "The X-Api-Authorization header is required",
            specific_code=AuthenticationFailed.MISSING_HEADER,
        )
    scheme, _, credentials = value.strip().partition(" ")
    key, _, signature = credentials.strip().partition(":")
    if scheme != AUTH_SCHEME or not key or not signature:
        raise AuthenticationFailed(
            "The X-Api-Authorization header must be 'IWS {apiKey}:{signature}'",
            specific_code=AuthenticationFailed.MALFORMED_HEADER,
        )
    return key, signature


def parse_ivvy_date(value: str) -> datetime | None:
    """Parse an IVVY-Date value (``yyyy-mm-dd HH:mm:ss`` with optional `` UTC``), always UTC."""
    match = _IVVY_DATE.match(value.strip())
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def php_date_hours(value: str, zone: tzinfo) -> list[tuple[datetime, datetime]]:
    """The hours (start, end, UTC) a PHP ``date('Y-m-d hh:mm:ss')`` value may have been sent in.

    What the value still carries is the date and the hour on a 12-hour clock, in ``zone``: so
    two hours, twelve hours apart (none when the value is not of that form).
    """
    match = _PHP_DATE.match(value.strip())
    if match is None or match.group(5) != match.group(2):
        return []
    year, month, day, hour = (int(match.group(i)) for i in (1, 2, 3, 4))
    if not 1 <= hour <= 12 or int(match.group(6)) > 59:
        return []
    try:
        starts = [datetime(year, month, day, h, tzinfo=zone) for h in (hour % 12, hour % 12 + 12)]
    except ValueError:
        return []
    return [(start.astimezone(UTC), (start + _HOUR).astimezone(UTC)) for start in starts]


def parse_http_date(value: str) -> datetime | None:
    """Parse a Date header leniently: RFC 7231 with GMT or UTC, and the docs' stray comma."""
    try:
        parsed = parsedate_to_datetime(_MONTH_COMMA.sub(r"\1", value.strip()))
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def verify(
    request: SignedRequest,
    *,
    secret: str,
    signature: str,
    now: datetime,
    window_seconds: float,
    php_dates: tzinfo | None = None,
) -> datetime:
    """Raise unless ``signature`` signs ``request`` with ``secret`` and its date is fresh.

    Returns the last moment the same request would still be fresh: a replay has to be
    recognised until then. ``php_dates``, a key's time zone, also accepts PHP's broken date
    form (``php_date_hours``), fresh for its whole hour.
    """
    headers = request.headers
    sent_md5 = headers.get("content-md5", "").strip().lower()
    # Docs tell clients to trim the body before hashing (docs/ivvy.md Â§1.6); accept that too.
    if sent_md5 not in (content_md5(request.body), content_md5(request.body.strip())):
        raise AuthenticationFailed(
            "The Content-MD5 header must be the hex MD5 of the request body",
            specific_code=AuthenticationFailed.BAD_CONTENT_MD5,
        )

    ivvy_headers = ivvy_header_string(headers.items())
    # docs/ivvy.md D4: any IVVY-* header empties the date slot and IVVY-Date carries the time.
    date_slot = "" if ivvy_headers else headers.get("date", "")

    content_type = headers.get("content-type", "")
    # docs/ivvy.md D1: .NET signs "application/json; charset=utf-8", others the bare media type.
    content_types = {content_type, content_type.partition(";")[0].strip()}
    expected = [
        hmac_sha1(
            secret,
            string_to_sign(
                method=request.method,
                content_md5=sent_md5,
                content_type=candidate,
                date=date_slot,
                request_string=request.request_string,
                api_version=request.api_version,
                ivvy_headers=ivvy_headers,
            ),
        )
        for candidate in sorted(content_types)
    ]
    given = signature.strip().lower()
    # Compare against every candidate so timing does not tell which one was close.
    matches = [hmac.compare_digest(given, candidate) for candidate in expected]
    if not any(matches):
        raise AuthenticationFailed(
            "The request signature does not match",
            specific_code=AuthenticationFailed.BAD_SIGNATURE,
        )

    if ivvy_headers:
        value = headers.get("ivvy-date", "")
        sent = parse_ivvy_date(value)
    else:
        value = ""
        sent = parse_http_date(headers.get("date", ""))
    spans = [(sent, sent)] if sent is not None else []
    if php_dates is not None and sent is None:
        spans = php_date_hours(value, php_dates)
    window = timedelta(seconds=window_seconds)
    if not any(earliest - window <= now <= latest + window for earliest, latest in spans):
        raise StaleRequest()
    # The same headers are fresh again in a PHP date's other hour, twelve hours later.
    return max(latest for _, latest in spans) + window


def sign_headers(
    *,
    key: str,
    secret: str,
    request_string: str,
    body: bytes,
    now: datetime,
    content_type: str = "application/json",
) -> dict[str, str]:
    """Headers that sign a request the way the official JS SDK does (IVVY-Date, no suffix)."""
    md5 = content_md5(body)
    ivvy_date = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    message = string_to_sign(
        method="POST",
        content_md5=md5,
        content_type=content_type,
        date="",
        request_string=request_string,
        api_version=api_version_of(request_string),
        ivvy_headers=f"IVVYDate={ivvy_date}",
    )
    return {
        "Content-Type": content_type,
        "Content-MD5": md5,
        "IVVY-Date": ivvy_date,
        "X-Api-Version": "1.0",
        "X-Api-Authorization": f"{AUTH_SCHEME} {key}:{hmac_sha1(secret, message)}",
    }


def api_version_of(request_string: str) -> str:
    """The version segment of ``/api/{version}/...``, or empty when there is none."""
    parts = request_string.split("?", 1)[0].split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "api" else ""
