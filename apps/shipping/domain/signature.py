"""The webhook signature: HMAC-SHA256 of the raw request body, as lower-case hex."""

import hashlib
import hmac


def sign(*, secret: bytes, body: bytes) -> str:
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(*, secret: bytes, body: bytes, signature: str | None) -> bool:
    """Constant-time comparison; a missing or malformed signature is simply wrong."""
    if not signature:
        return False
    expected = sign(secret=secret, body=body).encode("ascii")
    # Header values may hold any character: compare bytes, never raise.
    return hmac.compare_digest(expected, signature.strip().lower().encode("utf-8", "replace"))
