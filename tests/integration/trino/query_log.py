"""The statements a Trino server executed for one user, read from system.runtime.queries, and the
checks that they stay inside what Treasure Data's Trino accepts."""

from __future__ import annotations

import re
from dataclasses import dataclass

TD_MAX_STATEMENT_CHARS = 1_000_000

_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LINE_COMMENT = re.compile(r"--[^\n]*")
_EXECUTE_IMMEDIATE = re.compile(r"^execute\s+immediate\s+'((?:[^']|'')*)'", re.S | re.I)
_CREATE_VIEW = re.compile(r"^create\s+(or\s+replace\s+)?(materialized\s+)?view\b", re.I)
_WHERE = re.compile(r"\bwhere\b")
_DELETE_WITHOUT_WHERE = re.compile(r"^delete\s+from\s+[^\s]+\s*;?\s*$", re.I)


@dataclass(frozen=True)
class Statement:
    query_id: str
    text: str
    state: str

    @property
    def body(self) -> str:
        """The statement without comments, lower-cased; the inner one of EXECUTE IMMEDIATE."""
        text = _LINE_COMMENT.sub(" ", _BLOCK_COMMENT.sub(" ", self.text)).strip()
        inner = _EXECUTE_IMMEDIATE.match(text)
        if inner:
            text = inner.group(1).replace("''", "'").strip()
            text = _LINE_COMMENT.sub(" ", _BLOCK_COMMENT.sub(" ", text)).strip()
        return text.lower()

    @property
    def verb(self) -> str:
        return self.body.split(None, 1)[0] if self.body else ""


def statements_of(server, user: str) -> list[Statement]:  # noqa: ANN001 - tests.fixtures.trino.TrinoServer
    rows = server.query(
        "select query_id, query, state from system.runtime.queries "
        f"where \"user\" = '{user}' order by created"
    )
    return [Statement(query_id=r[0], text=r[1], state=r[2]) for r in rows]


def td_violations(statements: list[Statement]) -> list[str]:
    """Every statement Treasure Data would refuse, described; empty when all are acceptable."""
    problems = []
    for st in statements:
        body = st.body
        head = body[:160].replace("\n", " ")
        if st.verb in ("merge", "update"):
            problems.append(f"{st.query_id}: {st.verb.upper()} is not allowed: {head}")
        if _CREATE_VIEW.match(body):
            problems.append(f"{st.query_id}: CREATE VIEW is not allowed: {head}")
        if _DELETE_WITHOUT_WHERE.match(body) or (st.verb == "delete" and not _WHERE.search(body)):
            problems.append(f"{st.query_id}: DELETE without WHERE: {head}")
        if len(st.text) > TD_MAX_STATEMENT_CHARS:
            problems.append(f"{st.query_id}: {len(st.text)} characters > {TD_MAX_STATEMENT_CHARS}")
        if "system.metadata." in body:
            problems.append(f"{st.query_id}: reads a system table TD does not expose: {head}")
    return problems
