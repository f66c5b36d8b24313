"""Room codes learners type, and the secrets that stand behind them (instructor keys, member tokens).

A code is easy to read aloud and type (`moons-bn-4821`), so it is not a secret: what proves a person is the
room's instructor is the key shown once at creation, stored only as a salted scrypt hash; a member is proved
by a token whose SHA-256 is stored (a random token has all the entropy it needs, and the digest can be looked up).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

FIRST_WORDS = (
    "moons",
    "spiral",
    "circles",
    "blobs",
    "xor",
    "iris",
    "wine",
    "digits",
    "waves",
    "gauss",
    "ridge",
    "delta",
)
SECOND_WORDS = ("bn", "ln", "relu", "tanh", "gelu", "elu", "adam", "sgd", "norm", "scale", "batch", "layer")
CODE_PATTERN = re.compile(r"[a-z]+-[a-z]+-[0-9]{4}")
CODE_MAX = 32
TOKEN_BYTES = 24  # 192 random bits, 32 URL-safe characters
KEY_MAX = 200  # longer input cannot be a key we made; refusing it bounds the hashing work
SALT_BYTES = 16
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}  # ~50 ms, 16 MiB: slow enough to make guessing costly


def new_code() -> str:
    """word-word-4 digits, drawn with `secrets` so codes do not follow one another."""
    return f"{secrets.choice(FIRST_WORDS)}-{secrets.choice(SECOND_WORDS)}-{secrets.randbelow(10_000):04d}"


def normalize_code(text: str) -> str:
    """What a learner typed as the stored form: trimmed, lower case, spaces or underscores as hyphens."""
    return re.sub(r"[\s_]+", "-", str(text).strip().lower())[:CODE_MAX]


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_key(key: str, salt: bytes | None = None) -> tuple[str, str]:
    """(salt, hash) as hex for a new instructor key; a fresh random salt unless one is given."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    return salt.hex(), hashlib.scrypt(key.encode("utf-8"), salt=salt, **SCRYPT).hex()


def key_matches(key: str | None, salt_hex: str, hash_hex: str) -> bool:
    """Whether `key` is the one hashed; constant-time in the comparison, False for a missing or oversized key."""
    key = (key or "").strip()
    if not key or len(key) > KEY_MAX:
        return False
    _, computed = hash_key(key, bytes.fromhex(salt_hex))
    return hmac.compare_digest(computed, hash_hex)


def token_digest(token: str) -> str:
    """The stored form of a member token: its SHA-256, so the database never holds a usable token."""
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()
