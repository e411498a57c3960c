"""A stand-in for a KMS / PKCS#11 signer: the private key never reaches socialcredit."""

from __future__ import annotations

from pathlib import Path

from socialcredit.transparency.signer import KeySigner

SEED = bytes(range(32))


class RemoteSigner:
    """Only public_key() and sign(); what an HSM session object would offer."""

    def __init__(self) -> None:
        self._inner = KeySigner(SEED)
        self.calls = 0

    def public_key(self) -> bytes:
        return self._inner.public_key()

    def sign(self, message: bytes) -> bytes:
        self.calls += 1
        return self._inner.sign(message)


def make(path: Path) -> RemoteSigner:
    del path  # a KMS signer would read its key id or PKCS#11 URI from configuration
    return RemoteSigner()


def broken(path: Path) -> object:
    return object()
