"""Text as every layer handles it: the characters nobody should see, one line, and cutting short."""

from __future__ import annotations

import re

# C0 controls but tab and newlines, DEL and C1, lone surrogates (a JSON "\ud800"), the byte-order
# mark, and the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069),
# which can make text read differently from what it says.
_INVISIBLE = "\x7f-\x9f\ufeff\u202a-\u202e\u2066-\u2069"
_C0 = "\x00-\x08\x0b\x0c\x0e-\x1f"
UNWANTED_CHARS = re.compile(f"[{_C0}{_INVISIBLE}\ud800-\udfff]")
# The same, but for URLs, where they are percent-encoded rather than removed (surrogates apart).
URL_UNSAFE_CHARS = re.compile(f"[{_C0}{_INVISIBLE}]")
# What XML 1.0 cannot carry at all (lxml refuses it; feed readers choke on it).
XML_INVALID_CHARS = re.compile(f"[{_C0}\ufffe\uffff\ud800-\udfff]")
LONE_SURROGATES = re.compile("[\ud800-\udfff]")
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"


def one_line(text: str) -> str:
    """`text` with every run of white space (newlines included) as one space, trimmed."""
    return " ".join(text.split())


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters (the ellipsis included), at a word boundary in its
    second half when there is one."""
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 0)]
    space = head.rfind(" ")
    if space >= len(head) // 2:  # a word boundary near the end; else cut the long word itself
        head = head[:space]
    return head.rstrip(" ,;:.") + ELLIPSIS
