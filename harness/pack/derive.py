"""A tiny, safe grammar for derived data columns (``years = "round(days / 365.25, 2)"``).

Nothing is evaluated as Python: the text is tokenised and parsed by a recursive-descent
parser into a small tree, which is then evaluated with numpy on the data's columns.

Grammar::

    expr   := term (("+" | "-") term)*
    term   := factor (("*" | "/") factor)*
    factor := "-" factor | NUMBER | COLUMN | "round(" expr "," INTEGER ")" | "(" expr ")"

``COLUMN`` is a column name (letters, digits, ``_`` and ``.``, not starting with a digit).
``round`` rounds half to even, as R's ``round`` does for representable halves.

R equivalent: the same arithmetic in R, e.g. ``round(days / 365.25, 2)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d*)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
                    r"|(?P<op>[-+*/(),]))")


@dataclass(frozen=True)
class Node:
    """One node of a parsed expression: ``kind`` is num, col, neg, round or an operator."""

    kind: str
    value: float | str | None = None
    args: tuple = ()


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"unexpected {text[pos:].strip()[:10]!r} at position {pos} in "
                             f"{text!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (op is not None and tok != ("op", op)):
            want = f"{op!r}" if op else "more"
            raise ValueError(f"expected {want} in {self.text!r}")
        self.i += 1
        return tok

    def expr(self) -> Node:
        node = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            node = Node(op, args=(node, self.term()))
        return node

    def term(self) -> Node:
        node = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            node = Node(op, args=(node, self.factor()))
        return node

    def factor(self) -> Node:
        kind, val = self.take()
        if (kind, val) == ("op", "-"):
            return Node("neg", args=(self.factor(),))
        if (kind, val) == ("op", "("):
            node = self.expr()
            self.take(")")
            return node
        if kind == "num":
            return Node("num", float(val))
        if kind == "name" and val == "round" and self.peek() == ("op", "("):
            self.take("(")
            inner = self.expr()
            self.take(",")
            k_kind, k = self.take()
            if k_kind != "num" or not k.isdigit():
                raise ValueError(f"round(x, k) needs a whole number of digits k in "
                                 f"{self.text!r}, got {k!r}")
            self.take(")")
            return Node("round", int(k), (inner,))
        if kind == "name":
            return Node("col", val)
        raise ValueError(f"unexpected {val!r} in {self.text!r}")


def parse(text: str) -> Node:
    """Parse a derivation; ``ValueError`` says what is wrong and where."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a derivation must be a non-empty string such as "
                         "'round(days / 365.25, 2)'")
    p = _Parser(text)
    node = p.expr()
    if p.peek() is not None:
        raise ValueError(f"unexpected {p.peek()[1]!r} after a complete expression in {text!r}")
    return node


def columns(node: Node) -> set[str]:
    """The column names an expression reads."""
    if node.kind == "col":
        return {str(node.value)}
    return set().union(*(columns(a) for a in node.args)) if node.args else set()


def evaluate(node: Node, data: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate on numeric columns (``data`` maps column name -> float array)."""
    k = node.kind
    if k == "num":
        return np.asarray(node.value, dtype=float)
    if k == "col":
        return np.asarray(data[str(node.value)], dtype=float)
    if k == "neg":
        return -evaluate(node.args[0], data)
    if k == "round":
        return np.round(evaluate(node.args[0], data), int(node.value))
    a, b = (evaluate(x, data) for x in node.args)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[k](a, b)
