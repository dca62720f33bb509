"""Signing against the documented test vectors (docs/ivvy.md §1.3), and date parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from venuecrm.edges.ivvy import signing
from venuecrm.errors import AuthenticationFailed, StaleRequest

OPP_BODY = b'{"venueId":107,"name":"Lead By API","sourceId":25,"typeId":18}'
OPP_URI = "/api/1.0/venue?action=addOrUpdateOpportunity"


def test_docs_example_string_to_sign_matches_the_reference() -> None:
    message = signing.string_to_sign(
        method="POST",
        content_md5=signing.content_md5(b'{"example":"body"}'),
        content_type="application/json",
        date="",
        request_string="/api/1.0/test?action=ping",
        api_version="1.0",
        ivvy_headers=signing.ivvy_header_string([("IVVY-Date", "2012-04-03 22:23:24")]),
    )
    assert message == (
        "posta09f600c77a6dbd947db24c61e8935caapplication/json"
        "/api/1.0/test?action=ping1.0ivvydate=2012-04-03 22:23:24"
    )
    assert signing.hmac_sha1("my secret key", message) == "74af7ec6fec55dc88543e05096c69cebaf391eb9"
    assert signing.hmac_sha1("foo", message) == "8c7a8f2bcd32aa06d9c4097653bee4106b64fe81"


def test_hmac_matches_the_docs_sanity_vector() -> None:
    assert (
        signing.hmac_sha1("my secret key", "string to sign")
        == "a993876ea1218921a1c8551923473da7b310dfae"
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {"content-type": "application/json", "ivvy-date": "2024-01-02 03:04:05"},
            "98a410c1f28cb99e58c866f8bafdc1f00e4f686d",
        ),
        (
            {
                "content-type": "application/json; charset=utf-8",
                "ivvy-date": "2024-01-02 03:04:05 UTC",
            },
            "07aed12b634447a022409d9100f4cbd30dcce608",
        ),
        (
            {"content-type": "application/json", "date": "Tue, 02 Jan 2024 03:04:05 GMT"},
            "dfc4d14e5772d26f748bdb200e27e6691590d252",
        ),
    ],
    ids=["js-php", "net", "date-header"],
)
def test_reference_vectors_verify(headers: dict[str, str], expected: str) -> None:
    request = signing.SignedRequest(
        method="POST",
        request_string=OPP_URI,
        api_version="1.0",
        headers={**headers, "content-md5": "e9e3dd7a76dc5b1dcfdc221ae97e910a"},
        body=OPP_BODY,
    )
    now = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    signing.verify(request, secret="test-secret", signature=expected, now=now, window_seconds=300)
    with pytest.raises(AuthenticationFailed):
        signing.verify(
            request, secret="other-secret", signature=expected, now=now, window_seconds=300
        )


def test_net_ping_vector_with_empty_body_verifies() -> None:
    request = signing.SignedRequest(
        method="POST",
        request_string="/api/1.0/test?action=ping",
        api_version="1.0",
        headers={
            "content-type": "application/json; charset=utf-8",
            "content-md5": "d41d8cd98f00b204e9800998ecf8427e",
            "ivvy-date": "2024-01-02 03:04:05 UTC",
        },
        body=b"",
    )
    signing.verify(
        request,
        secret="test-secret",
        signature="a640223fcbb2a25c69c32bddad23be562e0d7dc3",
        now=datetime(2024, 1, 2, 3, 9, 5, tzinfo=UTC),
        window_seconds=300,
    )


def test_sign_headers_produces_what_verify_accepts() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    headers = signing.sign_headers(
        key="k", secret="s", request_string=OPP_URI, body=OPP_BODY, now=now
    )
    key, signature = signing.parse_authorization(headers["X-Api-Authorization"])
    assert key == "k"
    request = signing.SignedRequest(
        "POST", OPP_URI, "1.0", {k.lower(): v for k, v in headers.items()}, OPP_BODY
    )
    signing.verify(request, secret="s", signature=signature, now=now, window_seconds=300)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-02 03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02 03:04:05 UTC", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02 03:04:05 utc", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2018-10-09 0202:1010:0707", None),  # the PHP SDK's garbled date (docs/ivvy.md D3)
        ("2024-13-02 03:04:05", None),
        ("", None),
    ],
)
def test_ivvy_date_parsing(value: str, expected: datetime | None) -> None:
    assert signing.parse_ivvy_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "Tue, 02 Jan 2024 03:04:05 GMT",
        "Tue, 02 Jan 2024 03:04:05 UTC",
        "Tue, 02 Jan, 2024 03:04:05 utc",  # the docs' pseudo-code, stray comma included
    ],
)
def test_http_date_parsing_is_lenient(value: str) -> None:
    assert signing.parse_http_date(value) == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, "", "Bearer abc", "IWS abc", "IWS :sig", "IWS key:"])
def test_malformed_authorization_is_rejected(value: str | None) -> None:
    with pytest.raises(AuthenticationFailed):
        signing.parse_authorization(value)


def test_garbled_php_date_is_stale_even_with_a_valid_signature() -> None:
    headers = {
        "content-type": "application/json",
        "content-md5": signing.content_md5(b"[]"),
        "ivvy-date": "2018-10-09 0202:1010:0707",
    }
    message = signing.string_to_sign(
        method="POST",
        content_md5=headers["content-md5"],
        content_type="application/json",
        date="",
        request_string="/api/1.0/test?action=ping",
        api_version="1.0",
        ivvy_headers="ivvydate=2018-10-09 0202:1010:0707",
    )
    request = signing.SignedRequest("POST", "/api/1.0/test?action=ping", "1.0", headers, b"[]")
    with pytest.raises(StaleRequest):
        signing.verify(
            request,
            secret="s",
            signature=signing.hmac_sha1("s", message),
            now=datetime(2018, 10, 9, 2, 10, 7, tzinfo=UTC),
            window_seconds=300,
        )


@pytest.mark.parametrize(
    ("value", "local_hours"),
    [
        ("2026-12-01 0404:1212:5656", [4, 16]),
        ("2026-12-01 1212:1212:0000", [0, 12]),  # 'h' writes 12 for midnight and noon
        ("2026-12-01 0101:1212:5959", [1, 13]),
        ("2026-12-01 0404:1111:5656", []),  # the month written twice must be the date's
        ("2026-12-01 1313:1212:5656", []),  # no 13 on a 12-hour clock
        ("2026-12-01 0404:1212:5657", []),  # the seconds twice
        ("2026-12-01 04:10:30", []),  # the standard form is not PHP's
    ],
)
def test_php_date_hours_are_the_two_hours_a_12_hour_clock_allows(
    value: str, local_hours: list[int]
) -> None:
    zone = ZoneInfo("Australia/Brisbane")
    hours = signing.php_date_hours(value, zone)
    assert [start.astimezone(zone).hour for start, _ in hours] == local_hours
    for start, end in hours:
        assert (start.tzinfo, end - start) == (UTC, timedelta(hours=1))
        assert start.astimezone(zone).date().isoformat() == "2026-12-01"
