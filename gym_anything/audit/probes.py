"""Leak probes of the audit: privileged values in a text (OCR, HOME files), paths and rights inside the sandbox."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import secrets
import string
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np

from ..runtime.sandbox import SANDBOX_HOME
from ..verification.ocr import squash

MIN_SECRET_CHARS = 4  # shorter privileged values ("B7", "42") are too common to count as a leak

# --- renderings: the spellings a privileged value may be shown in ----------------------------------------

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen").split()
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ("", "thousand", "million")
NUMBER_WORDS = frozenset(_ONES[1:] + list(_TENS[2:]) + ["hundred", "thousand", "million", "billion"])
"""Words that continue a spelled-out number (a match next to one is part of a longer number)."""
_MONTHS = ("January February March April May June July August September October November December").split()
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")
_DIGITS = frozenset("0123456789")
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))
_WORD_ALTERNATIVES = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_CENTS = rf"(?:,|and)?(?:0?[1-9]|[1-9]\d|(?:(?:{_WORD_ALTERNATIVES})-?){{1,2}})cents?"  # "0 cents" adds nothing
_CENTS_AFTER = re.compile(_CENTS)  # after "49 dollars": the amount goes on
_DOLLARS_CENTS_AFTER = re.compile("dollars?" + _CENTS)  # after "49": the amount goes on


def _below_thousand(n: int, british: bool, after_higher: bool) -> list[str]:
    hundreds, rest = divmod(n, 100)
    words = [_ONES[hundreds], "hundred"] if hundreds else []
    if rest:
        if british and (hundreds or after_higher):
            words.append("and")
        tens, ones = divmod(rest, 10)
        words.append(_ONES[rest] if rest < 20 else _TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    return words


def spell_number(n: int, british: bool = False) -> str:
    """``n`` (0 <= n < 10**9) in English words: 1234 -> 'one thousand two hundred thirty-four' (British: 'two
    hundred and thirty-four')."""
    if not 0 <= n < 10**9:
        raise ValueError(f"cannot spell {n}")
    if n == 0:
        return "zero"
    groups = [(n // 1000**i) % 1000 for i in range(3)]
    words: list[str] = []
    for scale in (2, 1, 0):
        if groups[scale]:
            words += _below_thousand(groups[scale], british, after_higher=scale == 0 and bool(words))
            words += [_SCALES[scale]] if scale else []
    return " ".join(words)


def _spellings(n: int) -> list[str]:
    """American and British words for ``n``, each with and without the hyphens (OCR may drop them)."""
    out = []
    for british in (False, True):
        words = spell_number(n, british)
        out += [words, words.replace("-", " ")]
    return list(dict.fromkeys(out))


def _grouped(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def _locale_forms(whole: str, fraction: str) -> list[str]:
    """One amount in the common locales: 1234.5 / 1,234.5 / 1234,5 / 1.234,5 (1 234,5 squashes to 1234,5)."""
    en, eu = _grouped(whole, ","), _grouped(whole, ".")
    if not fraction:
        return [whole, en, eu]
    return [f"{whole}.{fraction}", f"{en}.{fraction}", f"{whole},{fraction}", f"{eu},{fraction}"]


def _money_forms(whole: str, cents: str) -> list[str]:
    """Currency forms of an amount (``cents`` is two digits): $1,234.50, USD 1234.50, 49 dollars and 27 cents,
    forty-nine dollars and twenty-seven cents."""
    amounts = _locale_forms(whole, cents)[:2] + ([] if int(cents) else _locale_forms(whole, "")[:2])
    out = [form for a in amounts for form in (f"${a}", f"USD {a}", f"{a} USD")]
    dollars, c = int(whole), int(cents)
    unit = "dollar" if dollars == 1 else "dollars"
    cent_unit = "cent" if c == 1 else "cents"
    if not dollars:
        return out
    for d in dict.fromkeys([whole, _grouped(whole, ",")]):
        out += [f"{d} {unit} {c} {cent_unit}", f"{d} {unit} and {c} {cent_unit}"] if c else [f"{d} {unit}"]
    if dollars < 10**9:  # spelled out
        for british in (False, True):
            phrase = f"{spell_number(dollars, british)} {unit}"
            if c:
                cents_words = f"{spell_number(c)} {cent_unit}"
                phrases = [f"{phrase} and {cents_words}", f"{phrase} {cents_words}"]
            else:
                phrases = [phrase]
            out += [form for p in phrases for form in (p, p.replace("-", " "))]
    return out


def _percent_forms(fraction: float) -> list[str]:
    """A fraction (0 < x < 1) as a percentage: 0.125 -> 12.5%, 12,5%, 12.50%, 12,50%."""
    percent = round(fraction * 100, 8)
    texts = [f"{percent:.2f}"] + ([f"{percent:g}"] if round(percent, 2) == percent else [])
    return [form for t in texts for form in (f"{t}%", f"{t.replace('.', ',')}%")]


def _number_renderings(value: float | int) -> list[str]:
    exact = str(value) if isinstance(value, int) else repr(value)
    if isinstance(value, float) and not math.isfinite(value):
        return [exact]
    integral = isinstance(value, int) or value.is_integer()
    whole = str(abs(int(value))) if integral else ""
    cents_text = f"{whole}.00" if isinstance(value, int) else f"{abs(value):.2f}"
    pairs = [tuple(cents_text.split("."))]
    if isinstance(value, float) and "e" not in repr(abs(value)):
        pairs.append(tuple(repr(abs(value)).split(".")))
    if integral:
        pairs.append((whole, ""))
    out = [exact] + [text for digits, fraction in pairs for text in _locale_forms(digits, fraction)]
    if integral or abs(round(value, 2) - value) < 1e-9:  # whole cents: an amount of money
        out += _money_forms(*cents_text.split("."))
    if integral and int(whole) < 10**9 and _checkable(whole):
        out += _spellings(int(whole))
    if not integral and 0 < abs(value) < 1:
        out += _percent_forms(abs(value))
    return out


def _date_renderings(day: dt.date) -> list[str]:
    """ISO, compact, US, European and long forms of a date (4- and 2-digit years, with and without zeros)."""
    y, m, d = day.year, day.month, day.day
    yy, mm, dd = f"{y % 100:02d}", f"{m:02d}", f"{d:02d}"
    out = [f"{y}-{mm}-{dd}", f"{y}/{mm}/{dd}", f"{y}{mm}{dd}"]
    for year in (str(y), yy):
        out += [f"{mm}/{dd}/{year}", f"{m}/{d}/{year}", f"{mm}-{dd}-{year}",  # US
                f"{dd}.{mm}.{year}", f"{d}.{m}.{year}", f"{dd}/{mm}/{year}", f"{d}/{m}/{year}", f"{dd}-{mm}-{year}"]
    suffix = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    full = _MONTHS[m - 1]
    for month in dict.fromkeys([full, full[:3], full[:3] + "."]):
        for number in dict.fromkeys([str(d), dd, f"{d}{suffix}"]):
            out += [f"{month} {number}, {y}", f"{month} {number} {y}", f"{number} {month} {y}"]
    out += [f"{d}-{full[:3]}-{y}", f"{dd}-{full[:3]}-{y}", f"{d}-{full[:3]}-{yy}"]
    return out


def renderings(value: Any) -> dict[str, bool]:
    """Each text a privileged leaf value may be shown as, mapped to whether it is checked as a leak.

    Numbers: exact, two decimals and integral, each with the thousands and decimal separators of the common
    locales; currency forms and English words (money, and integers from 1,000); percentages of fractions. Dates,
    datetimes and ISO date strings: ISO, compact, US, European and long forms; numeric strings as numbers. A
    value is checked when its exact text has ``MIN_SECRET_CHARS`` characters other than punctuation and
    whitespace, and then each rendering that has as many (percentages always). Unchecked renderings still exempt
    a value told in the instruction.
    """
    if isinstance(value, (bool, np.bool_)) or value is None:
        return {}
    if isinstance(value, (int, np.integer)):
        exact, forms = str(int(value)), _number_renderings(int(value))
    elif isinstance(value, (float, Decimal, np.floating)):
        exact, forms = repr(float(value)), _number_renderings(float(value))
    elif isinstance(value, dt.date):  # and datetimes
        exact = value.isoformat()
        day = value.date() if isinstance(value, dt.datetime) else value
        forms = [exact] + ([value.isoformat(" ", "seconds"), value.isoformat(" ", "minutes")]
                           if isinstance(value, dt.datetime) else []) + _date_renderings(day)
    else:
        exact = str(value)
        forms = [exact]
        if _ISO_DATE.fullmatch(exact):
            try:
                parsed = dt.datetime.fromisoformat(exact.replace("Z", "+00:00"))
                forms += renderings(parsed if len(exact) > 10 else parsed.date())
            except ValueError:
                pass
        elif _PLAIN_NUMBER.fullmatch(exact):
            forms += renderings(float(exact) if "." in exact else int(exact))
    checked = _checkable(exact)
    return {text: checked and (_checkable(text) or text.endswith("%")) for text in dict.fromkeys(forms)}


def _leaves(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, (list, tuple, set)):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{key}[{i}]")
    else:
        yield key, value


def secret_strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, text) pairs for every privileged leaf value in each of its renderings (see :func:`renderings`)."""
    for leaf_key, leaf in _leaves(value, key):
        for text in renderings(leaf):
            yield leaf_key, text


def _checkable(text: str) -> bool:
    return sum(ch not in string.punctuation and not ch.isspace() for ch in text) >= MIN_SECRET_CHARS


# --- matching: squashed like OCR text, on token boundaries ------------------------------------------------


def _squash(text: str) -> str:
    """``verification.ocr.squash`` with every kind of dash read as '-'."""
    return squash(text.translate(_DASHES))


class Haystack:
    """A text squashed for OCR-robust matching (``verification.ocr.squash``) that remembers where whitespace was,
    so a match can be required to sit on token boundaries: a digit run is not matched inside a longer number
    ("1234" is not in "12345", "1234.5" or "11,234"), a spelled-out number not inside a longer one, "49 dollars"
    not inside "49 dollars and 27 cents". Whitespace separates tokens, except between digit groups of three
    (the thousands separator of "1 234,50")."""

    def __init__(self, text: str):
        words = text.lower().translate(_DASHES).split()
        self.text = "".join(words)
        self._starts = array("q", accumulate(map(len, words), initial=0))  # where each word starts (and the end)

    def _spaced(self, i: int) -> bool:
        """Whether whitespace (or an end of the text) separates characters ``i - 1`` and ``i``."""
        at = bisect_left(self._starts, i)
        return i <= 0 or i >= len(self.text) or (at < len(self._starts) and self._starts[at] == i)

    def _digits_before(self, i: int) -> int:
        j = i - 1
        while j > 0 and self.text[j - 1] in _DIGITS and not self._spaced(j):
            j -= 1
        return i - j if i > 0 and self.text[i - 1] in _DIGITS else 0

    def _digits_after(self, i: int) -> int:
        k = i
        while k < len(self.text) and self.text[k] in _DIGITS and (k == i or not self._spaced(k)):
            k += 1
        return k - i

    def _word_before(self, i: int) -> str:
        j = i
        while j > 0 and self.text[j - 1].isalpha() and (j == i or not self._spaced(j)):
            j -= 1
        return self.text[j:i]

    def _word_after(self, i: int) -> str:
        k = i
        while k < len(self.text) and self.text[k].isalpha() and (k == i or not self._spaced(k)):
            k += 1
        return self.text[i:k]

    def _skip_hyphens(self, i: int, step: int) -> int:
        while 0 < i < len(self.text) and self.text[i if step > 0 else i - 1] == "-":
            i += step
        return i

    def _number_word_before(self, s: int) -> bool:
        i = self._skip_hyphens(s, -1)
        word = self._word_before(i)
        if i == s and not self._spaced(s):  # glued to letters: "onehundredforty"
            return any(word.endswith(w) or word.endswith(w + "and") for w in NUMBER_WORDS)
        if word == "and":
            word = self._word_before(self._skip_hyphens(i - 3, -1))
        return word in NUMBER_WORDS

    def _number_word_after(self, e: int) -> bool:
        i = self._skip_hyphens(e, 1)
        word = self._word_after(i)
        if i == e and not self._spaced(e):
            return any(word.startswith(w) for w in NUMBER_WORDS | {"and"})
        if word == "and":
            word = self._word_after(self._skip_hyphens(i + 3, 1))
        return word in NUMBER_WORDS

    def _left_ok(self, s: int, needle: str, spelled: bool) -> bool:
        if s == 0:
            return True
        first, before = needle[0], self.text[s - 1]
        if first in _DIGITS:
            lead = len(needle) - len(needle.lstrip("0123456789"))
            if before in _DIGITS:  # another digit: one number, unless a space separates groups of three
                return self._spaced(s) and not (lead == 3 and 1 <= self._digits_before(s) <= 3)
            if before in ".," and not self._spaced(s) and s >= 2 and self.text[s - 2] in _DIGITS \
                    and not self._spaced(s - 1):
                # after "5." a decimal part; after "12," a thousands group, unless a list ("1001,1234")
                return before == "," and not (lead == 3 and 1 <= self._digits_before(s - 1) <= 3)
            return True
        return not (spelled and self._number_word_before(s))

    def _right_ok(self, e: int, needle: str, spelled: bool) -> bool:
        if e >= len(self.text):
            return True
        last, after = needle[-1], self.text[e]
        if last in _DIGITS:
            head = bool(re.fullmatch(r"\d{1,3}(?:,\d{3})*", needle))  # could go on with groups of three
            if after in _DIGITS:
                return self._spaced(e) and not (head and self._digits_after(e) == 3)
            if after in ".," and not self._spaced(e) and e + 1 < len(self.text) and self.text[e + 1] in _DIGITS \
                    and not self._spaced(e + 1):
                if after == "." or re.fullmatch(r"\d{1,3}(?:\.\d{3})+", needle):
                    return False  # a decimal part follows (also after a European "1.234")
                return not (head and self._digits_after(e + 1) == 3)
            return not _DOLLARS_CENTS_AFTER.match(self.text, e)
        if needle.endswith(("dollars", "dollar")):  # "49 dollars" is not in "49 dollars and 27 cents"
            return not _CENTS_AFTER.match(self.text, e)
        return not (spelled and (self._number_word_after(e) or _DOLLARS_CENTS_AFTER.match(self.text, e)))

    def find(self, needle: str, spelled: tuple[bool, bool] = (False, False)) -> bool:
        """Whether the squashed ``needle`` occurs on token boundaries; ``spelled``: whether it starts and ends
        with a number word (then it must not continue a spelled-out number)."""
        i = self.text.find(needle)
        while i != -1:
            if self._left_ok(i, needle, spelled[0]) and self._right_ok(i + len(needle), needle, spelled[1]):
                return True
            i = self.text.find(needle, i + 1)
        return False



@dataclass(frozen=True)
class _Needle:
    text: str  # the rendering, as reported
    squashed: str
    spelled: tuple[bool, bool]  # it starts / ends with a number word
    checked: bool


def _needle(text: str, checked: bool) -> _Needle:
    words = re.split(r"[\s-]+", text.lower().translate(_DASHES).strip())
    return _Needle(text, _squash(text), (words[0] in NUMBER_WORDS, words[-1] in NUMBER_WORDS), checked)


class LeakFinder:
    """The privileged values of one task instance, ready to be looked for in many texts (screens, HOME files).

    A value whose key is declared ``visible``, or that occurs in the instruction in any of its renderings
    (checked or not), is not looked for."""

    def __init__(self, private: dict[str, Any], visible: tuple[str, ...] = (), instruction: str = ""):
        told = Haystack(instruction)
        self.needles: list[tuple[str, list[_Needle]]] = []  # (key, its checked renderings)
        for key, leaf in _leaves({k: v for k, v in private.items() if k not in visible}):
            forms: dict[str, _Needle] = {}
            for text, checked in renderings(leaf).items():
                needle = _needle(text, checked)
                if needle.squashed and (needle.squashed not in forms or checked):
                    forms[needle.squashed] = needle
            if not any(told.find(n.squashed, n.spelled) for n in forms.values()):
                self.needles.append((key, [n for n in forms.values() if n.checked]))

    def leaks(self, haystack: str) -> list[str]:
        """``key='rendering'`` for each privileged value found in ``haystack``, sorted (a rendering contained in
        another one found for the same key is left out)."""
        hay, found = Haystack(haystack), set()
        for key, needles in self.needles:
            hits = [n for n in needles if hay.find(n.squashed, n.spelled)]
            found |= {f"{key}={n.text!r}" for n in hits
                      if not any(n.squashed != m.squashed and n.squashed in m.squashed for m in hits)}
        return sorted(found)


def leaked_values(private: dict[str, Any], visible: tuple[str, ...], haystack: str, instruction: str) -> list[str]:
    """Privileged values (not declared visible, not in the instruction) that occur in ``haystack``."""
    return LeakFinder(private, visible, instruction).leaks(haystack)


def probe_sandbox(env, secrets: list[Path]) -> list[str]:
    """Paths that a process inside the episode's sandbox can see (each must be hidden)."""
    script = "; ".join(f"if test -e '{p}' || test -r '{p}'; then echo 'VISIBLE {p}'; fi" for p in secrets)
    out = env.unwrapped.runner.run_in_sandbox(["sh", "-c", script + "; echo probe-ran"])
    if "probe-ran" not in out.stdout:
        return [f"the probe did not run: {out.stderr.strip()[:300]}"]
    return [line.removeprefix("VISIBLE ") for line in out.stdout.splitlines() if line.startswith("VISIBLE ")]


def probe_rights(env) -> list[str]:
    """How the app could read host secrets through its own rights (empty: it cannot).

    Inside the episode's sandbox, as the app: a root-only file the audit puts in HOME (mode 0600, when the
    driver is root) and ``/etc/shadow`` (where the host has one) must not be readable and the app must hold no
    capability; seen from the host, no process of the app may run as root.
    """
    home = env.unwrapped.episode_home
    secret = home / f".audit-root-only-{secrets.token_hex(6)}"
    targets = ["/etc/shadow"] if Path("/etc/shadow").exists() else []
    if os.geteuid() == 0:
        secret.write_text("root-only\n")
        os.chmod(secret, 0o600)  # owned by the driver: root
        targets.append(f"{SANDBOX_HOME}/{secret.name}")
    script = "; ".join(f"if cat '{t}' 2>/dev/null | grep -q .; then echo 'READABLE {t}'; fi" for t in targets)
    script += "; grep CapEff /proc/self/status; echo probe-ran"
    try:
        out = env.unwrapped.runner.run_in_sandbox(["sh", "-c", script])
    finally:
        secret.unlink(missing_ok=True)
    if "probe-ran" not in out.stdout:
        return [f"the probe did not run: {out.stderr.strip()[:300]}"]
    problems = [f"{line.removeprefix('READABLE ')} is readable" for line in out.stdout.splitlines()
                if line.startswith("READABLE ")]
    host_uids = env.unwrapped.runner.app_host_uids()
    if not host_uids or 0 in host_uids:
        problems.append(f"the app's processes run as host uids {sorted(host_uids)} (root is 0)")
    caps = [line.split()[1] for line in out.stdout.splitlines() if line.startswith("CapEff:")]
    if caps != ["0000000000000000"]:
        problems.append(f"the app holds capabilities (CapEff {caps})")
    return problems


def home_text(home: Path, limit: int = 20_000_000) -> str:
    """Everything under the episode HOME as text (for a privileged-value scan)."""
    chunks, total = [], 0
    for path in sorted(home.rglob("*")):
        if path.is_file() and total < limit:
            data = path.read_bytes()[: limit - total]
            total += len(data)
            chunks.append(data.decode("utf-8", "replace"))
    return "\n".join(chunks)
