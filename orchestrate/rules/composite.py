"""Parser for Composite `expr` strings such as "1 and (2 or 3)" or "A and (B or C)".

Identifiers are 1-based digits or letters (A = first condition), not mixed; `and` binds tighter
than `or`; parentheses group. The result is a tree of ("and" | "or", [children]) and int indices.
"""

from __future__ import annotations

import re

from orchestrate.errors import SegmentAnalyticsError

Node = int | tuple[str, list["Node"]]

_TOKEN = re.compile(r"\s*(?:(\()|(\))|([0-9]+)|([A-Za-z]+))")


class ExprError(SegmentAnalyticsError, ValueError):
    pass


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ExprError(f"unexpected character {text[pos:].lstrip()[:1]!r} at position {pos}")
        tokens.append(match.group(0).strip())
        pos = match.end()
    return tokens


def _index(token: str, style: list[str]) -> int:
    if token.isdigit():
        kind, value = "digit", int(token) - 1
        if value < 0:
            raise ExprError("condition numbers start at 1")
    elif len(token) == 1 and token.isalpha() and token.isupper():
        kind, value = "letter", ord(token) - ord("A")
    else:
        raise ExprError(f"bad identifier {token!r} (use 1-9... or A-Z)")
    if style and style[0] != kind:
        raise ExprError("identifiers mix digits and letters")
    style[:1] = [kind]
    return value


def parse_expr(text: str, count: int) -> Node:
    if not isinstance(text, str) or not text.strip():
        raise ExprError("expr is empty")
    tokens = _tokens(text)
    pos = 0
    style: list[str] = []

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        token = peek()
        if token is None:
            raise ExprError("expression ends too early")
        pos += 1
        return token

    def parse_or() -> Node:
        parts = [parse_and()]
        while (peek() or "").lower() == "or":
            take()
            parts.append(parse_and())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def parse_and() -> Node:
        parts = [parse_atom()]
        while (peek() or "").lower() == "and":
            take()
            parts.append(parse_atom())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def parse_atom() -> Node:
        token = take()
        if token == "(":
            inner = parse_or()
            if take() != ")":
                raise ExprError("missing closing parenthesis")
            return inner
        if token == ")" or token.lower() in ("and", "or"):
            raise ExprError(f"unexpected {token!r}")
        index = _index(token, style)
        if index >= count:
            raise ExprError(f"{token} refers to a condition that does not exist (there are {count})")
        return index

    tree = parse_or()
    if pos != len(tokens):
        raise ExprError(f"unexpected {tokens[pos]!r}")
    return tree
