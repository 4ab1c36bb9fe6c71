"""This installation's payment keys: made once by `manage.py payment_keys`, read from
PAYMENT_KEYS_DIR.

The shop's side (the gateways) reads only what a merchant holds: its own private keys,
the providers' public keys and the WeChat APIv3 key. The other halves (the providers'
private keys, the public keys the merchant uploads to them) belong to the simulated
providers (apps/payments/sandbox); with a real provider they would not be here at all.
"""

import dataclasses
import os
import secrets
import string
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.payments.gateways import crypto

# Each pair is <name>_private.pem and <name>_public.pem.
RSA_PAIRS = {
    "alipay_app": "the shop's Alipay application key (it signs the shop's requests)",
    "alipay_platform": "the simulated Alipay's key (it signs Alipay's notifications and answers)",
    "wechat_merchant": "the shop's WeChat Pay merchant key (it signs the shop's requests)",
    "wechat_platform": "the simulated WeChat Pay's platform key (it signs WeChat's notifications and answers)",
}
APIV3_KEY_FILE = "wechat_apiv3.key"
_APIV3_ALPHABET = string.ascii_letters + string.digits


class PaymentKeysMissing(ImproperlyConfigured):
    pass


@dataclasses.dataclass(frozen=True)
class PaymentKeys:
    alipay_app_private: bytes
    alipay_app_public: bytes
    alipay_platform_private: bytes
    alipay_platform_public: bytes
    wechat_merchant_private: bytes
    wechat_merchant_public: bytes
    wechat_platform_private: bytes
    wechat_platform_public: bytes
    wechat_apiv3_key: bytes


def key_files() -> list[str]:
    names = [f"{pair}_{half}.pem" for pair in RSA_PAIRS for half in ("private", "public")]
    return [*names, APIV3_KEY_FILE]


def keys_generate(directory: Path | str) -> list[str]:
    """Write the missing key files (0600) into `directory` (made 0700); returns their names.

    Idempotent: an existing key is never replaced (notifications signed with it would
    stop verifying), and a missing public half is derived from its private key.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    written = []
    for pair in RSA_PAIRS:
        private_path, public_path = directory / f"{pair}_private.pem", directory / f"{pair}_public.pem"
        if not private_path.exists():
            _write_secret(private_path, crypto.rsa_private_key_generate())
            written.append(private_path.name)
            if public_path.exists():  # the public half of a key that is gone: replace it too
                public_path.unlink()
        if not public_path.exists():
            _write_secret(public_path, crypto.rsa_public_pem(private_path.read_bytes()))
            written.append(public_path.name)
    apiv3_path = directory / APIV3_KEY_FILE
    if not apiv3_path.exists():
        # WeChat's APIv3 key is 32 ASCII characters, used as the 32 bytes of an AES-256 key.
        key = "".join(secrets.choice(_APIV3_ALPHABET) for _ in range(crypto.APIV3_KEY_LENGTH))
        _write_secret(apiv3_path, key.encode("ascii"))
        written.append(apiv3_path.name)
    return written


def _write_secret(path: Path, content: bytes) -> None:
    # Created with 0600 from the start (no window where the file is world-readable), and
    # exclusively: two commands running at once never write different keys to one file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


@cache
def _load(directory: str) -> PaymentKeys:
    folder = Path(directory)
    missing = [name for name in key_files() if not (folder / name).is_file()]
    if missing:
        raise PaymentKeysMissing(
            f"Payment keys missing in {folder} ({', '.join(missing)}): run `python manage.py payment_keys`."
        )
    values = {}
    for pair in RSA_PAIRS:
        for half in ("private", "public"):
            values[f"{pair}_{half}"] = (folder / f"{pair}_{half}.pem").read_bytes()
    apiv3 = (folder / APIV3_KEY_FILE).read_bytes().strip()
    if len(apiv3) != crypto.APIV3_KEY_LENGTH:
        raise PaymentKeysMissing(f"{folder / APIV3_KEY_FILE} must hold exactly {crypto.APIV3_KEY_LENGTH} bytes.")
    return PaymentKeys(**values, wechat_apiv3_key=apiv3)


def payment_keys() -> PaymentKeys:
    """The keys in PAYMENT_KEYS_DIR (read once per process); PaymentKeysMissing if absent."""
    return _load(str(settings.PAYMENT_KEYS_DIR))


def payment_keys_cache_clear() -> None:
    _load.cache_clear()
