"""Who signs the log's tree heads: a key kept outside the store (DESIGN principle 6).

Whoever can rewrite the database must not also be able to re-sign it, so the private
key never lives in the store. The default ``FileSigner`` reads an Ed25519 key from a file
that only its owner may read (mode 0600, refused otherwise). A KMS or PKCS#11 key is used
instead through the same two-method ``Signer`` protocol: set ``SOCIALCREDIT_LOG_SIGNER``
to ``module:factory`` and the factory is called with the configured key location (see
docs/operations.md, "The log signing key").
"""

from __future__ import annotations

import importlib
import os
import stat
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KEY_HEADER = "socialcredit-log-key-v1 ed25519"


class KeyFileError(ValueError):
    """The key file is missing, unreadable, malformed or readable by others."""


@runtime_checkable
class Signer(Protocol):
    """Signs tree-head messages; a KMS or HSM implements these two methods."""

    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key that verifies this signer's signatures."""
        ...

    def sign(self, message: bytes) -> bytes:
        """A 64-byte Ed25519 signature of ``message``."""
        ...


class KeySigner:
    """A signer over raw private-key bytes held in memory (tests, migration)."""

    def __init__(self, private: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(private)

    def public_key(self) -> bytes:
        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def _check_mode(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise KeyFileError(f"log signing key {path}: cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise KeyFileError(f"log signing key {path}: not a regular file")
    if mode & 0o077:
        raise KeyFileError(
            f"log signing key {path} is readable or writable by group or others "
            f"(mode {stat.S_IMODE(mode):04o}): run `chmod 600 {path}`"
        )


def read_key_file(path: Path) -> bytes:
    """The private key in ``path``, after refusing a file others could read."""
    _check_mode(path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"log signing key {path}: cannot read: {exc}") from None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) != 2 or lines[0] != KEY_HEADER:
        raise KeyFileError(f"log signing key {path}: not a socialcredit log key file")
    try:
        raw = bytes.fromhex(lines[1])
    except ValueError:
        raise KeyFileError(f"log signing key {path}: the key is not valid hex") from None
    if len(raw) != 32:
        raise KeyFileError(f"log signing key {path}: expected 32 key bytes, got {len(raw)}")
    return raw


def write_key_file(path: Path, private: bytes) -> None:
    """Create ``path`` with mode 0600 from the first byte on; never overwrite a key."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(f"{KEY_HEADER}\n{private.hex()}\n")
        f.flush()
        os.fsync(f.fileno())


class FileSigner(KeySigner):
    """The default signer: an Ed25519 key in a 0600 file outside the database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(read_key_file(path))


def load_signer(path: Path, factory: str | None = None) -> Signer:
    """The configured signer: ``module:factory`` if given (KMS, PKCS#11), else the key file."""
    if not factory:
        return FileSigner(path)
    module, _, name = factory.partition(":")
    try:
        make = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise KeyFileError(f"log signer {factory!r} cannot be loaded: {exc}") from None
    signer = make(path)
    if not isinstance(signer, Signer):
        raise KeyFileError(f"log signer {factory!r} does not provide public_key() and sign()")
    return signer
