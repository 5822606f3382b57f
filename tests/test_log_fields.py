"""Escaping and redacting the client-sent fields of an access log line."""

from __future__ import annotations

import pytest

from microroutes.serving import DEFAULT_REDACTED_PARAMS
from microroutes.serving.log_fields import REDACTED, Redactor, escape, redact_referer

DEFAULT = Redactor(DEFAULT_REDACTED_PARAMS)


def test_printable_ascii_is_kept_as_it_is() -> None:
    kept = "".join(chr(code) for code in range(0x20, 0x7F) if chr(code) not in '"\\')
    assert escape(kept) == kept


@pytest.mark.parametrize("code", [*range(0x20), 0x22, 0x5C, *range(0x7F, 0x100)])
def test_every_other_latin1_character_is_a_hex_escape(code: int) -> None:
    assert escape(f"a{chr(code)}b") == f"a\\x{code:02X}b"


@pytest.mark.parametrize(
    ("text", "logged"),
    [
        ("\u2028", "\\u2028"),  # a line separator to some readers
        ("\u202e", "\\u202E"),  # right-to-left override
        ("caf\u00e9", "caf\\xE9"),
        ("\U0001f600", "\\U0001F600"),
        ("\x1b]0;owned\x07", "\\x1B]0;owned\\x07"),
        ('x" 200 1 "-', "x\\x22 200 1 \\x22-"),
        ("\\x41", "\\x5Cx41"),  # an escape a client wrote is not mistaken for one of ours
    ],
)
def test_escapes(text: str, logged: str) -> None:
    assert escape(text) == logged


def test_an_escaped_field_is_printable_ascii_without_quotes() -> None:
    every = "".join(map(chr, range(0x3000))) + "\U0001f600\U000e0001"
    escaped = escape(every)
    assert escaped.isascii()
    assert escaped.isprintable()
    assert '"' not in escaped
    # Every backslash starts one of the escapes.
    assert escaped.count("\\") == len(every) - (0x7F - 0x20 - 2)


@pytest.mark.parametrize(
    ("query", "logged"),
    [
        ("token=abc", f"token={REDACTED}"),
        ("a=1&TOKEN=abc&b=2", f"a=1&TOKEN={REDACTED}&b=2"),
        (
            "access_token=a&password=b&secret=c&key=d&signature=e",
            "&".join(
                f"{name}={REDACTED}"
                for name in ("access_token", "password", "secret", "key", "signature")
            ),
        ),
        (
            "api_key=1&X-Amz-Signature=2&client.secret=3",
            f"api_key={REDACTED}&X-Amz-Signature={REDACTED}&client.secret={REDACTED}",
        ),
        (
            "access%5Ftoken=a&pass%77ord=b&to+ken=c",
            f"access%5Ftoken={REDACTED}&pass%77ord={REDACTED}&to+ken=c",
        ),
        ("token=&token", "token=&token"),  # nothing to hide
        ("monkey=1&tokens=2&keyboard=3", "monkey=1&tokens=2&keyboard=3"),
        ("q=token&sort=key", "q=token&sort=key"),  # only names count, not values
        ("", ""),
    ],
)
def test_secret_values_are_redacted(query: str, logged: str) -> None:
    assert DEFAULT.query(query) == logged


def test_the_names_are_configurable() -> None:
    assert Redactor(["Session", " "]).query("token=a&session=b") == f"token=a&session={REDACTED}"
    assert Redactor([]).query("token=a") == "token=a"


@pytest.mark.parametrize(
    ("referer", "logged"),
    [
        ("https://a.example/p?code=1&state=2", f"https://a.example/p?{REDACTED}"),
        ("https://a.example/p#access_token=x", f"https://a.example/p?{REDACTED}"),
        ("https://a.example/p", "https://a.example/p"),
        ("-", "-"),
    ],
)
def test_the_referer_query_is_redacted(referer: str, logged: str) -> None:
    assert redact_referer(referer) == logged
