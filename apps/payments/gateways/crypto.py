"""The signatures and the encryption the two providers use, done by `cryptography`.

- RSA2 (Alipay) and WECHATPAY2-SHA256-RSA2048 (WeChat Pay v3) are both RSA PKCS#1 v1.5
  signatures with SHA-256, base64 encoded; they differ only in the bytes they sign.
- WeChat Pay v3 encrypts the resource of a notification with AEAD_AES_256_GCM: the
  APIv3 key (32 bytes), a 12-character nonce and the associated data; the base64
  ciphertext ends with the 16-byte tag.

This module only arranges bytes; every primitive is `cryptography`'s.
"""

import base64
import binascii
import hashlib
from collections.abc import Mapping
from functools import lru_cache

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

RSA_KEY_BITS = 2048
APIV3_KEY_LENGTH = 32


def rsa_private_key_generate() -> bytes:
    """A new RSA key as unencrypted PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def rsa_public_pem(private_pem: bytes) -> bytes:
    """The public half of a private key, as SubjectPublicKeyInfo PEM."""
    return (
        load_private_key(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


@lru_cache(maxsize=32)  # parsing a key costs more than using it
def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


@lru_cache(maxsize=32)
def load_public_key(pem: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def key_serial(public_key: rsa.RSAPublicKey) -> str:
    """A stable serial number for a public key (WeChat names its platform key by the
    serial of its certificate; without certificates, a digest of the key stands in)."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def rsa_sign(private_key: rsa.RSAPrivateKey, message: bytes) -> str:
    """RSA PKCS#1 v1.5 with SHA-256, base64."""
    return base64.b64encode(private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def rsa_verify(public_key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    """True only for a well-formed base64 signature that `public_key` made over `message`."""
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
        public_key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, UnicodeEncodeError, ValueError):
        return False
    return True


def alipay_sign_content(params: Mapping[str, str]) -> bytes:
    """What Alipay's RSA2 signs: the parameters sorted by name as `k=v` joined by `&`,
    without `sign` and `sign_type` and without empty values, UTF-8."""
    pairs = sorted((k, v) for k, v in params.items() if k not in ("sign", "sign_type") and v not in ("", None))
    return "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8")


def wechat_sign_content(*, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What a WeChat Pay v3 response or notification signature covers."""
    return timestamp.encode("ascii") + b"\n" + nonce.encode("ascii") + b"\n" + body + b"\n"


def wechat_request_sign_content(*, method: str, url: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What the merchant signs in a WeChat Pay v3 request's Authorization header."""
    head = f"{method}\n{url}\n{timestamp}\n{nonce}\n".encode("ascii")
    return head + body + b"\n"


def aes_gcm_encrypt(*, key: bytes, nonce: str, plaintext: bytes, associated_data: str) -> str:
    ciphertext = AESGCM(key).encrypt(nonce.encode("ascii"), plaintext, associated_data.encode("utf-8"))
    return base64.b64encode(ciphertext).decode("ascii")


def aes_gcm_decrypt(*, key: bytes, nonce: str, ciphertext: str, associated_data: str) -> bytes:
    """The plaintext; ValueError when anything (key, nonce, data, ciphertext, tag) is off."""
    try:
        raw = base64.b64decode(ciphertext.encode("ascii"), validate=True)
        return AESGCM(key).decrypt(nonce.encode("ascii"), raw, associated_data.encode("utf-8"))
    except (InvalidTag, binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("the resource could not be decrypted") from exc
