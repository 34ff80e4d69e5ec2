"""Text for drawings and explanations: short numbers and Graphviz escaping. Pure; no graphviz."""

from __future__ import annotations

import math


def format_number(x: float) -> str:
    """A short readable float: fixed point for 0.01 <= |x| < 1e5, else scientific (2.5e-05)."""
    if x != x:
        return "nan"
    if x in (math.inf, -math.inf):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        return "0"
    if 0.01 <= abs(x) < 1e5:
        s = f"{x:.4f}".rstrip("0")
        return s + "0" if s.endswith(".") else s
    mantissa, _, exponent = f"{x:.3e}".partition("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    s = f"{mantissa}e{exponent}"
    return s if math.isfinite(float(s)) else repr(x)  # rounding up past the largest float


def format_factor(x: float) -> str:
    """format_number, in parentheses when negative, for products such as 2.0 * (-3.0)."""
    s = format_number(x)
    return f"({s})" if s.startswith("-") else s


def plural(n: int, noun: str) -> str:
    """'1 param', '3 params'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# Control characters are shown as their Unicode pictures (␀ ␛, a newline as ␤): NUL breaks
# Graphviz's parser, and a page or a card should show what is there. A lone surrogate ('\ud800',
# half of a UTF-16 pair) cannot be written as UTF-8 at all: it is shown as U+FFFD, the
# replacement character.
_SURROGATES = dict.fromkeys(range(0xD800, 0xE000), "\ufffd")
_PICTURES = {c: chr(0x2400 + c) for c in range(0x20)} | {0x0A: "\u2424", 0x7F: "\u2421"}
_PICTURES |= _SURROGATES
_BUT_NEWLINES = {c: p for c, p in _PICTURES.items() if c != 0x0A}
_BUT_WHITESPACE = {c: p for c, p in _PICTURES.items() if chr(c) not in "\n\r\t"}  # for Graphviz


def writable(text: str) -> str:
    """text with each lone surrogate as U+FFFD, so that it can be written as UTF-8."""
    return text if text.isascii() else text.translate(_SURROGATES)


def visible(text: str, *, newlines: bool = False) -> str:
    """text with control characters as their Unicode pictures (lone surrogates as U+FFFD); with
    ``newlines``, keep \\n."""
    return text.translate(_BUT_NEWLINES if newlines else _PICTURES)


def escape_record(text: str) -> str:
    r"""Escape text for one field of a Graphviz record label: \ { } | < > " and newlines."""
    out = text.translate(_BUT_WHITESPACE).replace("\\", "\\\\")
    for ch in '{}|<>"':
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r\n", "\\n").replace("\n", "\\n")


def escape_text(text: str) -> str:
    r"""Escape text for a plain (non-record) Graphviz label: backslashes, quotes and newlines."""
    out = text.translate(_BUT_WHITESPACE).replace("\\", "\\\\").replace('"', '\\"')
    return out.replace("\r\n", "\\n").replace("\n", "\\n")
