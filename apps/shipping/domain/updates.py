"""A carrier's tracking update as it arrives on the webhook (and from the simulated carrier).

The body is one JSON object:

    {"event_id": "E100", "tracking_number": "SF1234567890", "status": "in_transit",
     "time": "2026-03-01T12:00:00+08:00", "location": "Shanghai", "description": "..."}

Unknown keys are ignored (carriers add fields); everything the shop uses is checked
here, so nothing unvalidated reaches the database.
"""

import dataclasses
import json
import re
from datetime import UTC, datetime

from apps.core.domain.exceptions import gettext_noop
from apps.shipping.domain.exceptions import InvalidTrackingUpdate
from apps.shipping.domain.status import CARRIER_STATUSES, ShipmentStatus

MAX_BODY_BYTES = 16 * 1024
EVENT_ID_MAX = 64
LOCATION_MAX = 100
DESCRIPTION_MAX = 255
TRACKING_NUMBER = re.compile(r"^[A-Z0-9-]{6,40}$")

REQUIRED = gettext_noop("This field is required.")
NOT_TEXT = gettext_noop("Must be a string.")
TOO_LONG = gettext_noop("Too long.")
NOT_JSON = gettext_noop("The body must be a JSON object.")
BAD_STATUS = gettext_noop("Must be one of picked_up, in_transit, out_for_delivery, delivered.")
BAD_TIME = gettext_noop("Must be an ISO 8601 date and time with a time zone.")
BAD_TRACKING_NUMBER = gettext_noop("A tracking number has 6 to 40 letters, digits or hyphens.")
BAD_EVENT_ID = gettext_noop("Must be 1 to 64 printable ASCII characters.")


@dataclasses.dataclass(frozen=True, kw_only=True)
class TrackingUpdate:
    event_id: str
    tracking_number: str
    status: ShipmentStatus
    time: datetime  # aware
    location: str
    description: str

    def to_json(self) -> bytes:
        """The body a carrier would send for this update (the simulated carrier posts it)."""
        return json.dumps(
            {
                "event_id": self.event_id,
                "tracking_number": self.tracking_number,
                "status": str(self.status),
                "time": self.time.isoformat(),
                "location": self.location,
                "description": self.description,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")


def normalise_tracking_number(value: str) -> str | None:
    """Upper case without surrounding blanks, or None when it cannot be a tracking number."""
    if not isinstance(value, str):
        return None
    value = value.strip().upper()
    return value if TRACKING_NUMBER.match(value) else None


def parse_tracking_update(body: bytes) -> TrackingUpdate:
    if len(body) > MAX_BODY_BYTES:
        raise InvalidTrackingUpdate({"non_field_errors": [TOO_LONG]})
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise InvalidTrackingUpdate({"non_field_errors": [NOT_JSON]})

    errors: dict[str, list[str]] = {}
    values = {}
    for name, max_length, required in (
        ("event_id", EVENT_ID_MAX, True),
        ("tracking_number", 40, True),
        ("status", 32, True),
        ("time", 64, True),
        ("location", LOCATION_MAX, False),
        ("description", DESCRIPTION_MAX, False),
    ):
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                errors[name] = [REQUIRED]
            values[name] = ""
        elif not isinstance(value, str):
            errors[name] = [NOT_TEXT]
        elif len(value.strip()) > max_length:
            errors[name] = [TOO_LONG]
        else:
            values[name] = value.strip()

    if values.get("event_id") and not all(" " < char < "\x7f" for char in values["event_id"]):
        errors["event_id"] = [BAD_EVENT_ID]
    if values.get("tracking_number"):
        values["tracking_number"] = normalise_tracking_number(values["tracking_number"])
        if values["tracking_number"] is None:
            errors["tracking_number"] = [BAD_TRACKING_NUMBER]
    if values.get("status") and values["status"] not in CARRIER_STATUSES:
        errors["status"] = [BAD_STATUS]
    if values.get("time"):
        values["time"] = _aware_datetime(values["time"])
        if values["time"] is None:
            errors["time"] = [BAD_TIME]
    if errors:
        raise InvalidTrackingUpdate(errors)
    return TrackingUpdate(
        event_id=values["event_id"],
        tracking_number=values["tracking_number"],
        status=ShipmentStatus(values["status"]),
        time=values["time"],
        location=values["location"],
        description=values["description"],
    )


def _aware_datetime(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    try:
        return parsed.astimezone(UTC)  # "9999-12-31T23:59:59-14:00" has no UTC time
    except OverflowError:
        return None
