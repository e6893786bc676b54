"""Regular expressions the warehouse runs: RE2 on DuckDB, Joni on Trino and Treasure Data.

Two uses, two policies:

* Filter regexes (config `filters.*`) are the user's own and must mean the same on every engine, so
  they are held to a *portable subset* (`filter_regex_problem`): the syntax RE2 and Joni both read
  (literals, `.`, classes, groups, `|`, greedy/lazy quantifiers, `^ $ \\A \\z \\b \\B`, `\\d \\w \\s`,
  `\\t \\n \\r \\f \\v`, `\\xhh`, `\\p{Name}`, flags `i` and `s`), no repeated group that itself
  repeats (Joni backtracks: `(a+)+` can run for ever on a long name), at most
  `MAX_FILTER_REGEX_LENGTH` characters, and RE2 itself must accept the pattern (asked in-process
  through DuckDB, the exact library the DuckDB target runs). The few constructs of the subset that
  Joni reads differently (`$` before a final newline, `\\s` and vertical tab, `\\b` around non-ASCII
  letters) are rewritten for Trino by `macros/cross_engine/sa_regex_search.sql` (`sa_regex_pattern`).
  The dbt twin of the scan is `sa_regex_scan` there; tests run one table of patterns through both.

* Rule `Regexp` operands come from Audience Studio (Joni semantics, since TD runs them on Trino):
  `re2_error` says whether DuckDB can run one, `joni_problem` whether Trino can (a structural check
  of what Joni rejects, plus the same backtracking guard).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import duckdb

MAX_FILTER_REGEX_LENGTH = 500

# ---------------------------------------------------------------- the portable subset, token by token
# (macros/cross_engine/sa_regex_search.sql `sa_regex_scan` holds the same expressions)
_ESCAPE = r"\\(?:[!-/:-@\[-`{-~]|[dDwWsS]|[tnrfv]|x[0-9A-Fa-f]{2}|[pP](?:[A-Z]|\{[A-Za-z]+\}))"
_CLASS_ITEM = r"\\(?:[!-/:-@\[-`{-~]|[dDwWs]|[tnrfv]|x[0-9A-Fa-f]{2}|[pP](?:[A-Z]|\{[A-Za-z]+\}))|&(?!&)|[^\\\[\]&\x00]"
_COUNT = r"(?:1000|[0-9]{1,3})"
PORTABLE_TOKEN = re.compile(
    r"(?P<flags>\(\?[is]+\))"
    r"|(?P<open>\((?:\?[is]*:)?(?!\?))"
    r"|(?P<close>\))"
    r"|(?P<alt>\|)"
    r"|(?P<quant>(?:[*+?]|\{" + _COUNT + r"(?:,(?:" + _COUNT + r")?)?\})\??)"
    r"|(?P<anchor>[\^$]|\\[AzbB])"
    r"|(?P<atom>\[\^?(?:" + _CLASS_ITEM + r")+\]|" + _ESCAPE + r"|\.|[^\\\[\](){}|*+?.^$\x00])"
)

# What the first unreadable text most likely is, for the message (first match wins).
_HINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), h) for p, h in (
    (r"\(\?<?[=!]", "lookahead/lookbehind is not supported by RE2 (DuckDB)"),
    (r"\(\?>", "atomic groups are not supported by RE2 (DuckDB)"),
    (r"\(\?P?<", "named groups are read differently by RE2 and Joni; use (...) or (?:...)"),
    (r"\(\?", "only the flags i and s are portable, as (?i) or (?i:...)"),
    (r"\\[1-9k]", "backreferences are not supported by RE2 (DuckDB)"),
    (r"\[", "character class with syntax the engines read differently (a nested [, &&, \\S or \\b "
            "inside [...], or an unescaped ]) or not closed"),
    (r"\\", "this escape is not portable; escape punctuation with \\, or use \\d \\w \\s \\b, "
            "\\t \\n \\r \\f \\v, \\xhh or \\p{Name}"),
    (r"[{}]", "write a literal brace as \\{ or \\}; repetition counts go up to 1000"),
    (r"\]", "write a literal ] as \\]"),
    (r"\x00", "NUL character"),
))


@dataclass(frozen=True)
class Token:
    kind: str  # flags | open | close | alt | quant | anchor | atom
    text: str


def _hint(rest: str) -> str:
    for pattern, hint in _HINTS:
        if pattern.match(rest):
            return hint
    return "unsupported syntax"


def scan_portable(pattern: str) -> tuple[list[Token], str | None]:
    """The pattern's tokens, and the first problem (None when the whole pattern is portable)."""
    tokens: list[Token] = []
    pos, depth = 0, 0
    while pos < len(pattern):
        match = PORTABLE_TOKEN.match(pattern, pos)
        if match is None:
            return tokens, f"{_hint(pattern[pos:])} (at position {pos}: {pattern[pos:pos + 6]!r})"
        kind = str(match.lastgroup)
        if kind == "quant":
            previous = tokens[-1].kind if tokens else None
            if previous == "quant":
                return tokens, (f"possessive (*+ ++ ?+) and repeated quantifiers are not supported by RE2 "
                                f"(DuckDB); use one quantifier (at position {pos}: {match.group()!r})")
            if previous not in ("atom", "close"):
                return tokens, f"quantifier with nothing to repeat (at position {pos}: {match.group()!r})"
        depth += {"open": 1, "close": -1}.get(kind, 0)
        if depth < 0:
            return tokens, f"unmatched ) (at position {pos})"
        tokens.append(Token(kind, match.group()))
        pos = match.end()
    if depth:
        return tokens, "missing ) (a group is not closed)"
    return tokens, None


def repeats(quantifier: str) -> bool:
    """True for a quantifier that can match its atom more than once (*, +, {n,}, {n,m} with m >= 2)."""
    counts = re.findall(r"[0-9]+|,", quantifier)
    if not counts:
        return quantifier.rstrip("?") in ("*", "+")
    if counts[-1] == ",":
        return True
    return int(counts[-1]) >= 2


def nested_repetition(kinds_and_texts: list[tuple[str, str]]) -> bool:
    """A repeated group containing a repetition, like (a+)+ or (x*y){2,}: exponential on Joni."""
    stack: list[bool] = [False]
    closed_inner = False
    for kind, text in kinds_and_texts:
        if kind == "open":
            stack.append(False)
        elif kind == "close" and len(stack) > 1:
            closed_inner = stack.pop()
            stack[-1] = stack[-1] or closed_inner
            continue
        elif kind == "quant" and repeats(text):
            if closed_inner:
                return True
            stack[-1] = True
        closed_inner = False
    return False


_BACKTRACK = ("a repeated group that itself repeats, like (a+)+, can backtrack for ever on Trino (Joni); "
              "repeat the group once or use a class, e.g. (ab+) or [ab]+")


def filter_regex_problem(pattern: str) -> str | None:
    """Why a filter regex is not accepted (None when it is): portable subset, backtracking guard,
    length, then RE2 itself."""
    if len(pattern) > MAX_FILTER_REGEX_LENGTH:
        return f"is {len(pattern)} characters long; filter regexes are limited to {MAX_FILTER_REGEX_LENGTH}"
    tokens, problem = scan_portable(pattern)
    if problem:
        return problem
    if nested_repetition([(t.kind, t.text) for t in tokens]):
        return _BACKTRACK
    error = re2_error(pattern)
    if error:
        return f"RE2 (DuckDB) rejects it: {error}"
    return None


# ---------------------------------------------------------------- RE2, asked through DuckDB

_RE2_LOCK = threading.Lock()
_RE2_CONNECTION: list[duckdb.DuckDBPyConnection] = []


def re2_error(pattern: str) -> str | None:
    """RE2's complaint about `pattern`, from DuckDB's own regexp_matches (None when it compiles)."""
    with _RE2_LOCK:
        if not _RE2_CONNECTION:
            _RE2_CONNECTION.append(duckdb.connect(":memory:"))
        try:
            _RE2_CONNECTION[0].execute("select regexp_matches('', ?)", [pattern]).fetchall()
        except duckdb.Error as exc:
            return str(exc).splitlines()[0].removeprefix("Invalid Input Error: ")
    return None


# ---------------------------------------------------------------- Joni (Trino), structurally

_JONI_GROUP = re.compile(r"\?(?::|=|!|<=|<!|>|<[A-Za-z][A-Za-z0-9]*>|#[^)]*|[imsx]*(?:-[imsx]+)?[:)])")
_JONI_QUANT = re.compile(r"[*+?]|\{([0-9]+)(?:,([0-9]+)?)?\}")


def _joni_tokens(pattern: str) -> tuple[list[tuple[str, str]], str | None]:
    """(kind, text) tokens of any pattern, as Joni's Java syntax reads its structure."""
    tokens: list[tuple[str, str]] = []
    pos, depth = 0, 0
    while pos < len(pattern):
        char = pattern[pos]
        if char == "\\":
            if pattern.startswith("\\Q", pos):
                end = pattern.find("\\E", pos + 2)
                pos = len(pattern) if end < 0 else end + 2
            else:
                pos += 2
            tokens.append(("atom", "\\"))
            continue
        if char == "[":
            end = _class_end(pattern, pos)
            if end is None:
                return tokens, "premature end of char-class"
            tokens.append(("atom", pattern[pos:end]))
            pos = end
            continue
        if char == "(":
            if pattern.startswith("(?", pos):
                group = _JONI_GROUP.match(pattern, pos + 1)
                if group is None:
                    return tokens, "undefined group option"
                if group.group().startswith("?#"):
                    pos = group.end() + 1
                    continue
                if group.group().endswith(")"):
                    tokens.append(("flags", group.group()))
                    pos = group.end()
                    continue
                pos = group.end() - 1
            depth += 1
            tokens.append(("open", "("))
            pos += 1
            continue
        if char == ")":
            depth -= 1
            if depth < 0:
                return tokens, "unmatched close parenthesis"
            tokens.append(("close", ")"))
            pos += 1
            continue
        quant = _JONI_QUANT.match(pattern, pos)
        if quant:
            previous = tokens[-1][0] if tokens else None
            if previous in (None, "open", "alt", "flags"):
                return tokens, "target of repeat operator is not specified"
            low, high = quant.group(1), quant.group(2)
            if low and high and int(high) < int(low):
                return tokens, "upper is smaller than lower in repeat range"
            tokens.append(("quant", quant.group()))
            pos = quant.end()
            continue
        tokens.append(("alt" if char == "|" else "atom", char))
        pos += 1
    if depth:
        return tokens, "end pattern with unmatched parenthesis"
    return tokens, None


def _class_end(pattern: str, start: int) -> int | None:
    """Index after the character class opening at `start` (Java syntax: classes nest)."""
    depth, pos = 0, start
    while pos < len(pattern):
        char = pattern[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "[":
            depth += 1
            pos += 1
            if pattern.startswith("^", pos):
                pos += 1
            if pattern.startswith("]", pos):
                pos += 1  # a ] right after [ or [^ is a literal
            continue
        if char == "]":
            depth -= 1
            if depth == 0:
                return pos + 1
        pos += 1
    return None


def joni_problem(pattern: str) -> str | None:
    """Why Trino (Joni) cannot run `pattern` safely (None when it can, as far as its structure
    shows): unbalanced groups or classes, unknown group options, a quantifier with nothing to
    repeat, an inverted repeat range, or a repeated group that itself repeats."""
    tokens, problem = _joni_tokens(pattern)
    if problem:
        return f"Trino (Joni) rejects it: {problem}"
    if nested_repetition(tokens):
        return _BACKTRACK
    return None
