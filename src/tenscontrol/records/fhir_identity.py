"""Who a FHIR export is of (``tens export --format fhir --patient-name/--patient-id``):
the identity as given, checked. Nothing that names a person is exported unless given here
(docs/fhir.md)."""

from __future__ import annotations

from dataclasses import dataclass

from tenscontrol.errors import UserInputError

#: Longest --patient-name or --patient-id taken, characters.
MAX_IDENTITY_CHARS = 200


@dataclass(frozen=True, slots=True)
class PatientIdentity:
    """Who the sessions are of, as given (``--patient-name``, ``--patient-id``); both None
    by default: then nothing that names a person is exported."""

    name: str | None = None
    identifier: str | None = None


def identity_option(text: str | None, flag: str, *, from_environment: bool = False) -> str | None:
    """The value of ``--patient-name`` or ``--patient-id`` (``flag``) as exported: stripped;
    None when not given. Raises :class:`UserInputError` (exit 2) naming ``flag`` for an empty
    value, a control character, bytes that are not UTF-8 text, or more than
    :data:`MAX_IDENTITY_CHARS` characters; and when it came ``from_environment``
    (``TENS_EXPORT_PATIENT_NAME``): a name set once would otherwise go into every export,
    also one meant to be anonymous."""
    if text is None:
        return None
    if from_environment:
        raise UserInputError(
            f"{flag}: a person's identity is taken from the command line only, not from the "
            "environment",
            hint=f"unset the variable and give {flag} on the command line",
        )
    value = text.strip()
    if not value:
        raise UserInputError(f"{flag}: empty", hint=f"give {flag} a value or leave it out")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes of argv arrive as lone surrogates
        raise UserInputError(f"{flag}: not valid UTF-8 text") from None
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise UserInputError(f"{flag}: contains a control character (a tab, newline...)")
    if len(value) > MAX_IDENTITY_CHARS:
        raise UserInputError(f"{flag}: longer than {MAX_IDENTITY_CHARS} characters")
    return value
