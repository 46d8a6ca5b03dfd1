"""API keys: where they come from, how a bearer token is checked, and who may bind where.

Keys come from ``Settings.api_keys`` (``RAG_API_KEYS='key1,key2'`` or a JSON list) plus
``Settings.api_keys_file`` (one key per line, ``#`` starts a comment). A request carries one as
``Authorization: Bearer <key>``; it is compared with every configured key in constant time.

Without keys the service answers anyone, so :func:`check_exposure` refuses to bind anything but
a loopback address then; the chat app uses the same function.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable
from pathlib import Path

from rag.config import Settings
from rag.errors import ApiKeyConfigError, ExposedWithoutKeysError

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
MIN_KEY_CHARS = 8


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # another host name: it may resolve to anything


def load_api_keys(settings: Settings) -> list[str]:
    """Every configured key: ``settings.api_keys`` then the lines of ``api_keys_file``.

    Raises:
        ApiKeyConfigError: the keys file cannot be read, or a key is shorter than 8 characters.
    """
    keys = [key.get_secret_value().strip() for key in settings.api_keys]
    if settings.api_keys_file is not None:
        keys.extend(_read_keys_file(settings.api_keys_file))
    keys = [key for key in keys if key]
    short = sum(1 for key in keys if len(key) < MIN_KEY_CHARS)
    if short:
        raise ApiKeyConfigError(
            f"{short} API key(s) are shorter than {MIN_KEY_CHARS} characters: use long random "
            "keys, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return list(dict.fromkeys(keys))


def _read_keys_file(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ApiKeyConfigError(
            f"cannot read the API keys file (RAG_API_KEYS_FILE): {type(exc).__name__}"
        ) from exc
    return [line.split("#", 1)[0].strip() for line in text.splitlines()]


def check_exposure(host: str, keys: list[str]) -> None:
    """Refuse to serve on a non-loopback ``host`` when no API key is configured.

    Raises:
        ExposedWithoutKeysError: ``host`` is reachable from other machines and ``keys`` is empty.
    """
    if keys or is_loopback(host):
        return
    raise ExposedWithoutKeysError(
        f"refusing to listen on {host!r} without API keys: anyone who can reach it could ask, "
        "upload and rate. Set RAG_API_KEYS='key1,key2' (or RAG_API_KEYS_FILE=/path/to/keys, one "
        "per line), e.g. RAG_API_KEYS=$(python -c 'import secrets; "
        "print(secrets.token_urlsafe(32))'), or bind 127.0.0.1."
    )


class KeyChecker:
    """Checks bearer tokens against the configured keys in constant time.

    Args:
        keys: The accepted keys; empty means every caller is let in (loopback only).
    """

    def __init__(self, keys: list[str]) -> None:
        self._keys = [key.encode("utf-8") for key in keys]

    @property
    def required(self) -> bool:
        """Whether requests need a key."""
        return bool(self._keys)

    def identify(self, authorization: str | None) -> str | None:
        """The caller's identity for a given ``Authorization`` header, or None when refused.

        The identity is a short digest of the matching key (never the key itself); ``"anonymous"``
        when no key is configured. Every key is compared, so timing tells nothing about which
        one (or how much of one) matched.
        """
        if not self._keys:
            return "anonymous"
        token = _bearer_token(authorization)
        presented = token.encode("utf-8")
        matched: bytes | None = None
        for key in self._keys:
            if hmac.compare_digest(presented, key) and token:
                matched = key
        if matched is None:
            return None
        return "key-" + hashlib.sha256(matched).hexdigest()[:12]


def login_checker(keys: list[str]) -> Callable[[str, str], bool]:
    """A Gradio ``auth`` function: any user name, and an API key as the password."""
    checker = KeyChecker(keys)

    def check(username: str, password: str) -> bool:
        return checker.identify(f"Bearer {password}") is not None

    return check


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        return ""
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
