"""Numbers as a paper prints them, read as intervals of the true values they allow.

A printed ``0.798`` stands for any value in [0.7975, 0.7985]; ``<0.0001`` for any value
below 0.0001; ``0.304-1.344`` for an interval whose bounds are themselves rounded. Parsing
keeps the printed text, so a report can always show the number exactly as printed.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

_NUM = r"[-\u2212]?(?:\d+(?:\.\d*)?|\.\d+)"
_DASH = r"\s*(?:-|\u2013|\u2014|to)\s*"
_RELATION = {"<": "<", ">": ">", "\u2264": "<=", "\u2265": ">=", "<=": "<=", ">=": ">=", "=": "="}


@dataclass(frozen=True)
class Number:
    """One printed number.

    Attributes
    ----------
    text : str
        As printed.
    value : float
        The printed value (for ``<0.0001``, 0.0001).
    decimals : int
        Digits after the decimal point as printed (``1`` has 0, ``0.050`` has 3).
    relation : str
        ``"="``, ``"<"``, ``">"``, ``"<="`` or ``">="``.
    percent : bool
        Printed with a ``%`` sign; ``value`` is then in percent.
    """

    text: str
    value: float
    decimals: int
    relation: str = "="
    percent: bool = False

    @property
    def half_unit(self) -> float:
        """Half of one unit in the last printed digit: the rounding radius."""
        return 0.5 * 10.0 ** (-self.decimals)

    @property
    def lo(self) -> float:
        """Smallest true value the printed number allows."""
        if self.relation in ("<", "<="):
            return -math.inf
        if self.relation in (">", ">="):
            return self.value
        return self.value - self.half_unit

    @property
    def hi(self) -> float:
        """Largest true value the printed number allows."""
        if self.relation in (">", ">="):
            return math.inf
        if self.relation in ("<", "<="):
            return self.value
        return self.value + self.half_unit

    def allows(self, x: float, slack: float = 1e-12) -> bool:
        """Whether a true value ``x`` could have been printed as this number.

        Values exactly on a rounding boundary are allowed (either rounding direction is
        possible in print); a strict ``<`` still allows the boundary for the same reason.
        """
        return self.lo - slack <= x <= self.hi + slack

    def with_digit(self, position: int, digit: str) -> Number:
        """The number with one printed digit replaced (for transcription-slip searches)."""
        chars = list(self.text)
        chars[position] = digit
        return parse_number("".join(chars))


@dataclass(frozen=True)
class Interval:
    """A printed interval such as a 95% CI ``0.304-1.344`` or a range ``(4-242)``."""

    text: str
    lower: Number
    upper: Number


@dataclass(frozen=True)
class MeanSD:
    """A printed ``mean ± SD``."""

    text: str
    mean: Number
    sd: Number


@dataclass(frozen=True)
class MedianRange:
    """A printed ``median (min-max)``."""

    text: str
    median: Number
    range: Interval


def _clean(text: str) -> str:
    return text.strip().replace("\u2212", "-").replace("\u00a0", " ")


def parse_number(text: str) -> Number:
    """Parse one printed number: ``0.798``, ``<0.0001``, ``≤ 0.05``, ``52%``, ``23.1``.

    Raises
    ------
    ValueError
        Not a number as printed (the message quotes the text).
    """
    if not isinstance(text, str):
        raise ValueError(f"expected the number as printed, a string, got {type(text).__name__}")
    return _parse_number(text)


@functools.lru_cache(maxsize=1 << 16)  # a Number is immutable; slip searches re-read texts
def _parse_number(text: str) -> Number:
    s = _clean(text)
    m = re.fullmatch(r"(<=|>=|[<>\u2264\u2265=])?\s*(" + _NUM + r")\s*(%)?", s)
    if not m:
        raise ValueError(f"{text!r} is not a printed number")
    rel = _RELATION[m.group(1)] if m.group(1) else "="
    digits = m.group(2)
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return Number(text, float(digits), decimals, rel, bool(m.group(3)))


def parse_interval(text: str) -> Interval:
    """Parse ``0.304-1.344``, ``(0.353–1.874)``, ``1.2 to 3.4``; bounds keep their digits."""
    if not isinstance(text, str):
        raise ValueError(f"expected the interval as printed, a string, got {type(text).__name__}")
    s = _clean(text)
    inner = s[1:-1] if s.startswith("(") and s.endswith(")") else s
    m = re.fullmatch(r"(" + _NUM + r")" + _DASH + r"(" + _NUM + r")", inner.strip())
    if not m:
        raise ValueError(f"{text!r} is not a printed interval such as '0.30-1.34'")
    return Interval(text, parse_number(m.group(1)), parse_number(m.group(2)))


def parse_mean_sd(text: str) -> MeanSD:
    """Parse ``55.8 ± 13.7`` (also ``55.8 +/- 13.7``)."""
    if not isinstance(text, str):
        raise ValueError(f"expected 'mean ± SD' as printed, a string, got {type(text).__name__}")
    s = _clean(text)
    m = re.fullmatch(r"(" + _NUM + r")\s*(?:\u00b1|\+/-|\+-)\s*(" + _NUM + r")", s)
    if not m:
        raise ValueError(f"{text!r} is not a printed 'mean ± SD'")
    return MeanSD(text, parse_number(m.group(1)), parse_number(m.group(2)))


def parse_median_range(text: str) -> MedianRange:
    """Parse ``15 (4–242)``."""
    if not isinstance(text, str):
        raise ValueError(
            f"expected 'median (min-max)' as printed, a string, got {type(text).__name__}"
        )
    s = _clean(text)
    m = re.fullmatch(r"(" + _NUM + r")\s*(\(.*\))", s)
    if not m:
        raise ValueError(f"{text!r} is not a printed 'median (min-max)'")
    return MedianRange(text, parse_number(m.group(1)), parse_interval(m.group(2)))


@dataclass(frozen=True)
class NotSignificant:
    """A p printed only as a significance call (``ns``, ``n.s.``, ``p = ns``): no value."""

    text: str


def parse_p_value(text: str) -> Number | NotSignificant:
    """Parse a p as printed in a table or quoted in text: ``0.015``, ``p = 0.015``,
    ``p < 0.001``, ``P<.05``, or ``ns`` / ``p = n.s.`` (a call without a value).

    The ``p`` prefix is optional, so the same parser reads any quoted number (``40``, ``55%``).
    """
    if not isinstance(text, str):
        raise ValueError(f"expected the p as printed, a string, got {type(text).__name__}")
    return _parse_p_value(text)


@functools.lru_cache(maxsize=1 << 16)
def _parse_p_value(text: str) -> Number | NotSignificant:
    s = _clean(text)
    body = re.sub(r"^[pP]\s*(?=[=<>\u2264\u2265])", "", s)
    body = re.sub(r"^=\s*(?=[nN])", "", body)
    if re.fullmatch(r"(?i)n\.?\s?s\.?", body.strip()):
        return NotSignificant(text)
    try:
        num = parse_number(body)
    except ValueError:
        raise ValueError(f"{text!r} is not a printed p or number (nor 'ns')") from None
    return Number(text, num.value, num.decimals, num.relation, num.percent)


@dataclass(frozen=True)
class NotReached:
    """A median (or a confidence limit of one) printed as not reached: ``NR``, ``not
    reached``, ``NE`` (not estimable), ``NA``: the curve (or band) never falls to 0.5."""

    text: str


_NOT_REACHED = re.compile(r"(?i)(n\.?\s?r\.?|not\s+reached|n\.?\s?e\.?|not\s+estimable|n/?a)")


def parse_median(text: str) -> Number | NotReached:
    """Parse a printed median or median limit: a number (``310``), or ``NR`` / ``not
    reached`` / ``NE`` / ``NA`` (:class:`NotReached`)."""
    if not isinstance(text, str):
        raise ValueError(f"expected the median as printed, a string, got {type(text).__name__}")
    if _NOT_REACHED.fullmatch(_clean(text)):
        return NotReached(text)
    try:
        return parse_number(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a printed median (a number, or NR / not reached / "
                         "NE)") from None


@dataclass(frozen=True)
class MedianInterval:
    """A printed CI of a median whose bounds may be not reached: ``348-NR``, ``(18, NE)``."""

    text: str
    lower: Number | NotReached
    upper: Number | NotReached


def parse_median_interval(text: str) -> MedianInterval:
    """Parse ``212-310``, ``(348, NR)``, ``18 to NE``, ``NR–NR`` (bounds >= 0, so a dash
    separates them)."""
    if not isinstance(text, str):
        raise ValueError(f"expected the interval as printed, a string, got {type(text).__name__}")
    inner = _clean(text).strip("()[] ")
    for sep in (",", ";", "\u2013", "\u2014", " to ", "-"):
        if sep in inner:
            a, b = inner.split(sep, 1)
            try:
                return MedianInterval(text, parse_median(a), parse_median(b))
            except ValueError:
                break
    raise ValueError(f"{text!r} is not a printed interval of a median such as '348-NR'")


#: parser for each kind of printed value named in the estimand registry
PARSERS = {
    "median": parse_median,
    "median_interval": parse_median_interval,
    "number": parse_number,
    "p_value": parse_p_value,
    "interval": parse_interval,
    "mean_sd": parse_mean_sd,
    "median_range": parse_median_range,
}


def parse(kind: str, text: str):
    """Parse ``text`` as a printed value of ``kind`` (a key of :data:`PARSERS`)."""
    return PARSERS[kind](text)


def fmt(x: float | None, digits: int = 4) -> str:
    """Format a recomputed value for reports: significant digits, small p in e-notation."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    if x != 0 and abs(x) < 1e-4:
        return f"{x:.{max(digits - 2, 1)}e}"
    return f"{x:.{digits}g}"
