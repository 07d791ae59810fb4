"""The instance's Ed25519 signing key, canonical JSON, signatures.

A public key is written as the URL-safe base64 of its 32 raw bytes, without
padding (43 characters); a signature likewise (64 bytes, 86 characters).
Canonical JSON: keys sorted, no spaces (separators "," and ":"), UTF-8,
non-ASCII characters as themselves; see docs/federation.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from tauschring.config import ConfigError

KEY_FILE_NAME = "federation_key.pem"


class KeyMissing(ConfigError):
    """The instance has no signing key yet; the message says how to make one."""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None


def canonical(value) -> bytes:
    """The one byte string a JSON value is signed as."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def digest(value) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def key_path(settings) -> Path:
    """[federation] key_file, else federation_key.pem in the instance folder."""
    configured = settings.extra.get("federation.key_file")
    if isinstance(configured, str) and configured.strip():
        return Path(configured.strip())
    return Path(settings.instance_path) / KEY_FILE_NAME


def create_key(path: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The key in `path`, made when there is none (never overwritten).

    Returns the key and whether it was made now.
    """
    if path.exists():
        return load_key(path), False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    # O_EXCL: two commands at once cannot both write; only the owner reads it.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return key, True


def load_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyMissing(f"the instance has no federation key ({path}); make one with "
                         "`tauschring federation key`") from None
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyMissing(f"{path} holds no Ed25519 key")
    return key


def public_text(key: Ed25519PrivateKey) -> str:
    return b64(key.public_key().public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw))


def checked_public_key(text: str) -> str:
    """A public key as given by the peer's admin; ValueError when it is none."""
    text = (text or "").strip()
    try:
        raw = unb64(text)
    except ValueError:
        raise ValueError("is not a public key (43 characters of URL-safe base64)") from None
    if len(raw) != 32:
        raise ValueError("is not a public key (43 characters of URL-safe base64)")
    Ed25519PublicKey.from_public_bytes(raw)
    return b64(raw)


def sign(key: Ed25519PrivateKey, message: dict) -> str:
    return b64(key.sign(canonical(message)))


def verify(public_key: str, message: dict, signature) -> bool:
    try:
        raw_signature = unb64(signature)
        Ed25519PublicKey.from_public_bytes(unb64(public_key)).verify(
            raw_signature, canonical(message))
    except (ValueError, InvalidSignature, TypeError):
        return False
    return True
