"""Base45 (RFC 9285): the examples of the RFC, round trips, and strict refusal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.certificates import base45

RFC_EXAMPLES = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
    (b"", ""),
]


@pytest.mark.parametrize(("data", "text"), RFC_EXAMPLES)
def test_rfc_9285_examples(data: bytes, text: str) -> None:
    """The encoder and decoder agree with the examples in RFC 9285 §4."""
    assert base45.encode(data) == text
    assert base45.decode(text) == data


@given(st.binary(max_size=300))
def test_round_trip(data: bytes) -> None:
    """Any bytes survive encode → decode, and the text uses only the QR alphanumeric set."""
    text = base45.encode(data)
    assert set(text) <= set(base45.ALPHABET)
    assert len(text) == len(data) // 2 * 3 + len(data) % 2 * 2
    assert base45.decode(text) == data


@pytest.mark.parametrize(
    "text",
    [
        "GGW",  # 65535 < 16 + 16*45 + 32*2025: a group whose value does not fit in two bytes
        ":::",
        "Z6",  # 35 + 6*45 = 305 > 255 for a final pair
        "A",  # a dangling single character
        "BB8A",
        "bb8",  # lower case is not in the alphabet
        "BB8\n",
        "ÄB8",
    ],
)
def test_decode_refuses_what_is_not_canonical(text: str) -> None:
    """Text that no encoder produces is refused, not repaired."""
    with pytest.raises(base45.Base45Error):
        base45.decode(text)
