"""Plain-Python rules: the signature, the update format, the forward-only progression."""

import json
from datetime import UTC, datetime

import pytest

from apps.shipping.domain import signature
from apps.shipping.domain.exceptions import InvalidTrackingUpdate
from apps.shipping.domain.status import ShipmentStatus, advances, next_status
from apps.shipping.domain.updates import MAX_BODY_BYTES, normalise_tracking_number, parse_tracking_update

SECRET = b"carrier-key"
BODY = b'{"event_id": "E1"}'


def test_the_signature_is_hex_hmac_sha256_of_the_body():
    # the value `openssl dgst -sha256 -hmac carrier-key` gives for the body
    assert (
        signature.sign(secret=SECRET, body=BODY) == "6fb13fa75c59e4b375dc3cfa05ca2ac54e04de0ddcbc8a4f9041bb9eb2285139"
    )


@pytest.mark.parametrize(
    ("given", "ok"),
    [
        (lambda good: good, True),
        (lambda good: good.upper(), True),  # hex is case-insensitive
        (lambda good: f"  {good} ", True),
        (lambda good: good[:-1] + ("0" if good[-1] != "0" else "1"), False),
        (lambda good: good[:32], False),
        (lambda good: "", False),
        (lambda good: None, False),
        (lambda good: "签名" * 32, False),  # non-ASCII never raises
    ],
)
def test_verify_accepts_only_the_exact_signature(given, ok):
    good = signature.sign(secret=SECRET, body=BODY)

    assert signature.verify(secret=SECRET, body=BODY, signature=given(good)) is ok


def test_another_key_or_another_body_does_not_verify():
    good = signature.sign(secret=SECRET, body=BODY)

    assert not signature.verify(secret=b"other", body=BODY, signature=good)
    assert not signature.verify(secret=SECRET, body=BODY + b" ", signature=good)


def test_a_complete_update_is_parsed_and_normalised():
    body = json.dumps(
        {
            "event_id": " E-100 ",
            "tracking_number": " sf1234567890 ",
            "status": "in_transit",
            "time": "2026-03-01T12:00:00+08:00",
            "location": "上海",
            "description": "Left the sorting centre.",
            "carrier_extra": {"ignored": True},
        },
        ensure_ascii=False,
    ).encode()

    update = parse_tracking_update(body)

    assert update.event_id == "E-100"
    assert update.tracking_number == "SF1234567890"
    assert update.status is ShipmentStatus.IN_TRANSIT
    assert update.time == datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    assert (update.location, update.description) == ("上海", "Left the sorting centre.")


def test_location_and_description_are_optional():
    update = parse_tracking_update(
        b'{"event_id": "E1", "tracking_number": "SF1000000001", "status": "delivered", "time": "2026-03-01T12:00:00Z"}'
    )

    assert (update.location, update.description) == ("", "")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (b"not json", {"non_field_errors": ["The body must be a JSON object."]}),
        (b"[1, 2]", {"non_field_errors": ["The body must be a JSON object."]}),
        (b"\xff\xfe", {"non_field_errors": ["The body must be a JSON object."]}),
        (b"[" * 10000, {"non_field_errors": ["The body must be a JSON object."]}),
        (
            b"{}",
            {
                "event_id": ["This field is required."],
                "tracking_number": ["This field is required."],
                "status": ["This field is required."],
                "time": ["This field is required."],
            },
        ),
        (
            b'{"event_id": 7, "tracking_number": "SF 1", "status": "lost", "time": "yesterday", "location": ["x"]}',
            {
                "event_id": ["Must be a string."],
                "tracking_number": ["A tracking number has 6 to 40 letters, digits or hyphens."],
                "status": ["Must be one of picked_up, in_transit, out_for_delivery, delivered."],
                "time": ["Must be an ISO 8601 date and time with a time zone."],
                "location": ["Must be a string."],
            },
        ),
        (
            b'{"event_id": "E 1", "tracking_number": "SF1000000001", "status": "shipped",'
            b' "time": "2026-03-01T12:00:00"}',
            {
                "event_id": ["Must be 1 to 64 printable ASCII characters."],
                "status": ["Must be one of picked_up, in_transit, out_for_delivery, delivered."],
                "time": ["Must be an ISO 8601 date and time with a time zone."],
            },
        ),
        (
            b'{"event_id": "E1", "tracking_number": "SF1000000001", "status": "delivered",'
            b' "time": "9999-12-31T23:59:59-14:00"}',
            {"time": ["Must be an ISO 8601 date and time with a time zone."]},
        ),
        (
            json.dumps(
                {
                    "event_id": "E" * 65,
                    "tracking_number": "SF1000000001",
                    "status": "delivered",
                    "time": "2026-03-01T12:00:00Z",
                    "description": "x" * 256,
                }
            ).encode(),
            {"event_id": ["Too long."], "description": ["Too long."]},
        ),
        (b" " * (MAX_BODY_BYTES + 1), {"non_field_errors": ["Too long."]}),
    ],
)
def test_anything_else_is_refused_field_by_field(body, fields):
    with pytest.raises(InvalidTrackingUpdate) as refused:
        parse_tracking_update(body)

    assert refused.value.fields == fields


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [("sf1234567890", "SF1234567890"), (" YT-12345 ", "YT-12345"), ("12345", None), ("SF 123456", None), (7, None)],
)
def test_tracking_numbers_are_upper_case_letters_digits_and_hyphens(typed, normalised):
    assert normalise_tracking_number(typed) == normalised


def test_the_progression_only_moves_forward():
    assert advances("shipped", "picked_up")
    assert advances("picked_up", "delivered")  # a carrier may skip scans
    assert not advances("delivered", "in_transit")
    assert not advances("in_transit", "in_transit")
    assert [next_status(status) for status in ShipmentStatus] == [
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.DELIVERED,
        None,
    ]
