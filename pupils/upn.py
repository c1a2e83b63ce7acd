"""The DfE Unique Pupil Number (UPN).

A UPN is 13 characters::

    B 801 2000 05 001
    | |   |    |  `-- serial (3 digits; a temporary UPN ends in a letter instead of its last digit)
    | |   |    `----- year of allocation (2 digits)
    | |   `---------- establishment number (4 digits)
    | `-------------- LA number (3 digits)
    `---------------- check letter

The check letter: multiply characters 2..13 by their position (2..13), a final letter counting as
its index in ``CHECK_ALPHABET`` (A=0, B=1, …); sum; take the remainder mod 23; look it up in
``CHECK_ALPHABET`` (A–Z without I, O and S).

Pure module: no Django. Everything that accepts a UPN from the outside goes through
:func:`validate_upn`, which returns the normalised form (upper case, no whitespace).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "CHECK_ALPHABET",
    "UPN_LENGTH",
    "InvalidUPN",
    "UpnParts",
    "check_letter",
    "is_temporary",
    "is_valid_upn",
    "make_upn",
    "parse_upn",
    "validate_upn",
]

CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O or S
UPN_LENGTH = 13
_DIGITS = frozenset("0123456789")  # not str.isdigit(): that accepts "²" and other Unicode digits
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# A temporary UPN's serial is two digits and a letter; make_upn/parse_upn number them 0..2299.
_TEMPORARY_SERIALS = 100 * len(CHECK_ALPHABET)


class InvalidUPN(ValueError):  # noqa: N818 - the name the rest of the project uses
    """A value that is not a well-formed UPN. ``str(exc)`` is a message fit to show a user."""


class UpnParts(NamedTuple):
    la: int
    estab: int
    year: int
    serial: int  # 0..999; for a temporary UPN 0..2299 = two digits * 23 + index of the final letter
    temporary: bool


def _char_value(char: str) -> int:
    return int(char) if char in _DIGITS else CHECK_ALPHABET.index(char)


def _check_body(body: str) -> None:
    """Raise InvalidUPN unless ``body`` is 12 normalised characters: 11 digits, then a digit or letter."""
    if len(body) != UPN_LENGTH - 1:
        raise InvalidUPN(f"the UPN body must be {UPN_LENGTH - 1} characters long, not {len(body)}")
    for position, char in enumerate(body[:-1], start=2):
        if char not in _DIGITS:
            raise InvalidUPN(f"character {position} of a UPN must be a digit, not {char!r}")
    last = body[-1]
    if last not in _DIGITS and last not in CHECK_ALPHABET:
        raise InvalidUPN(
            f"the last character of a UPN must be a digit, or for a temporary UPN a letter other than "
            f"I, O or S, not {last!r}"
        )


def check_letter(body12: str) -> str:
    """The check letter for the 12 characters that follow it (LA, establishment, year, serial)."""
    body = "".join(str(body12).split()).upper()
    _check_body(body)
    total = sum(position * _char_value(char) for position, char in enumerate(body, start=2))
    return CHECK_ALPHABET[total % 23]


def validate_upn(value: object) -> str:
    """Return the UPN normalised (upper case, whitespace removed) or raise :class:`InvalidUPN`.

    Messages name the problem: missing, wrong length, bad character, or
    "… check letter should be X".
    """
    if value is None:
        raise InvalidUPN("UPN is missing")
    if not isinstance(value, str):
        raise InvalidUPN(f"a UPN is text of 13 characters, not {type(value).__name__} {value!r}")
    upn = "".join(value.split()).upper()
    if not upn:
        raise InvalidUPN("UPN is missing")
    if len(upn) != UPN_LENGTH:
        raise InvalidUPN(f"a UPN must be {UPN_LENGTH} characters long, not {len(upn)}")
    if upn[0] not in _ASCII_LETTERS:
        raise InvalidUPN(f"a UPN must start with its check letter, not {upn[0]!r}")
    expected = check_letter(upn[1:])
    if upn[0] != expected:
        raise InvalidUPN(f"{upn} has the wrong check letter: check letter should be {expected}")
    return upn


def is_valid_upn(value: object) -> bool:
    try:
        validate_upn(value)
    except InvalidUPN:
        return False
    return True


def is_temporary(value: object) -> bool:
    """True for a temporary UPN (its last character is a letter). Raises InvalidUPN for an invalid one."""
    return validate_upn(value)[-1] not in _DIGITS


def parse_upn(value: object) -> UpnParts:
    """Split a valid UPN into its parts (the inverse of :func:`make_upn`)."""
    upn = validate_upn(value)
    la, estab, year = int(upn[1:4]), int(upn[4:8]), int(upn[8:10])
    if upn[-1] in _DIGITS:
        return UpnParts(la, estab, year, int(upn[10:13]), temporary=False)
    serial = int(upn[10:12]) * len(CHECK_ALPHABET) + CHECK_ALPHABET.index(upn[-1])
    return UpnParts(la, estab, year, serial, temporary=True)


def make_upn(la: int, estab: int, year: int, serial: int, temporary: bool = False) -> str:
    """Build a valid UPN (for the demo data and tests).

    ``year`` is the two-digit year of allocation. A permanent UPN takes ``serial`` 0..999; a temporary
    one 0..2299, written as two digits (serial // 23) and a letter (CHECK_ALPHABET[serial % 23]).
    """
    serial_limit = _TEMPORARY_SERIALS if temporary else 1000
    for name, number, limit in (
        ("la", la, 1000),
        ("estab", estab, 10000),
        ("year", year, 100),
        ("serial", serial, serial_limit),
    ):
        if not isinstance(number, int) or not 0 <= number < limit:
            raise ValueError(f"{name} must be a whole number from 0 to {limit - 1}, not {number!r}")
    if temporary:
        tail = f"{serial // len(CHECK_ALPHABET):02d}{CHECK_ALPHABET[serial % len(CHECK_ALPHABET)]}"
    else:
        tail = f"{serial:03d}"
    body = f"{la:03d}{estab:04d}{year:02d}{tail}"
    return check_letter(body) + body
