"""Oracle evaluation of a Composite `expr` over the truth values of the numbered conditions."""

from __future__ import annotations

import re


def evaluate_expr(expr: str, truths: list[bool]) -> bool:
    """Shunting-yard over tokens; identifiers 1..9 or A..Z map to positions 0.."""
    tokens = re.findall(r"\(|\)|[A-Za-z]+|[0-9]+", expr)
    precedence = {"or": 1, "and": 2}
    output: list[bool] = []
    stack: list[str] = []

    def reduce() -> None:
        word = stack.pop()
        right, left = output.pop(), output.pop()
        output.append((left and right) if word == "and" else (left or right))

    for token in tokens:
        low = token.lower()
        if low in precedence:
            while stack and stack[-1] in precedence and precedence[stack[-1]] >= precedence[low]:
                reduce()
            stack.append(low)
        elif token == "(":
            stack.append(token)
        elif token == ")":
            while stack[-1] != "(":
                reduce()
            stack.pop()
        else:
            position = int(token) - 1 if token.isdigit() else ord(token) - ord("A")
            output.append(truths[position])
    while stack:
        reduce()
    return output[0]
