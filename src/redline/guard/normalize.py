"""Text normalisation against filter evasion, with a way back to the original offsets.

Agents dodge keyword filters with Traditional characters, full-width letters,
spaces and symbols inside words (支 付 宝, 微.信, 薇❤) and homophones (V信, vx,
扣扣, zfb). Rules are written once, against the normal form this module makes:

1. one character → at most one character (``str.translate``): Traditional →
   Simplified (OpenCC's own character table), full-width → half-width, upper →
   lower case, spaces / zero-width / decorative symbols / emoji deleted, line
   breaks → ``,`` (a clause boundary);
2. ordered regex rewrites: punctuation between two letters deleted, evasion
   spellings → their canonical word (from the rule pack), Chinese numerals
   before a unit → digits (十五元 → 15元).

:meth:`Normalizer.normalize` is the fast path (C-level ``translate`` and
``re.sub``, usable on a batch of messages joined by ``\\x00``).
:meth:`Normalizer.mapped` gives the same text plus, for each normalised
character, the span of original text it came from, so a finding's evidence
points at what the agent actually typed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

REGEX_PREFIX = "re:"  # an evasion spelling given as a regex
SEPARATOR = "\x00"  # joins messages in a batch; deleted from message text by the table

_NUMERAL_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUMERAL_UNITS = {"十": 10, "百": 100, "千": 1000}
# A Chinese numeral is converted only when a counting unit follows it, so words
# like 一定, 一般, 十分 keep their meaning.
NUMERAL_RE = re.compile(
    r"[零〇一二两三四五六七八九十百千]+(?=[元块天号个期点%％日月周年岁件单倍次秒折]|分钟)"
)
# Punctuation used to split a word (微.信, 支-付-宝) between two letters/ideographs.
# The punctuation class comes first so the regex engine can skip ahead to it; the
# lookbehind then checks the letter before it. (Same matches as the plainer
# ``(?<=[^\W\d_])[.\-/\\'](?=[^\W\d_])``, about five times faster on a batch.)
INTRA_WORD_RE = re.compile(r"[.\-/\\'](?<=[^\W\d_][.\-/\\'])(?=[^\W\d_])")

_DELETE_RANGES = (
    (0x0000, 0x0008),
    (0x000B, 0x000C),
    (0x000E, 0x001F),
    (0x007F, 0x009F),
    (0x200B, 0x200F),
    (0x2028, 0x202F),
    (0x2060, 0x206F),
    (0xFE00, 0xFE0F),
    (0x2600, 0x27BF),
    (0x2B00, 0x2BFF),
    (0x1F000, 0x1FAFF),
    (0xE000, 0xF8FF),
)
_DELETE_CHARS = " \t\u3000\u00a0\u2002\u2003\u2009\ufeff*＊_＿^`|丨·•・°♪♫♡❀✿※☆★♥❤◆◇■□●○▲△"


def chinese_numeral_to_int(text: str) -> int | None:
    """十五 → 15, 二十 → 20, 一百二十 → 120, 三 → 3, 一五 → 15 (digit by digit)."""
    if not text:
        return None
    if all(ch in _NUMERAL_DIGITS for ch in text):
        value = 0
        for ch in text:
            value = value * 10 + _NUMERAL_DIGITS[ch]
        return value
    total = 0
    current = 0
    for ch in text:
        if ch in _NUMERAL_DIGITS:
            current = _NUMERAL_DIGITS[ch]
        elif ch in _NUMERAL_UNITS:
            unit = _NUMERAL_UNITS[ch]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current


def _constant(text: str) -> Replacement:
    def replace(_match: re.Match[str]) -> str:
        return text

    return replace


def _numeral_repl(match: re.Match[str]) -> str:
    value = chinese_numeral_to_int(match.group(0))
    return match.group(0) if value is None else str(value)


@functools.lru_cache(maxsize=1)
def traditional_table() -> dict[int, str]:
    """Traditional → Simplified, one character to one character, from OpenCC's t2s."""
    import opencc

    converter = opencc.OpenCC("t2s")
    chars = [
        chr(c)
        for r in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
        for c in range(r[0], r[1] + 1)
    ]
    converted = converter.convert("\n".join(chars)).split("\n")
    table: dict[int, str] = {}
    if len(converted) != len(chars):  # pragma: no cover - OpenCC contract changed
        converted = [converter.convert(c) for c in chars]
    for src, dst in zip(chars, converted, strict=True):
        if dst != src and len(dst) == 1:
            table[ord(src)] = dst
    return table


def build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = dict(traditional_table())
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[code] = chr(code - 0xFEE0)
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    for code in range(0xFF21, 0xFF3B):  # full-width capitals straight to lower case
        table[code] = chr(code - 0xFEE0 + 32)
    for lo, hi in _DELETE_RANGES:
        for code in range(lo, hi + 1):
            table[code] = None
    for ch in _DELETE_CHARS:
        table[ord(ch)] = None
    table[ord("\n")] = ","
    table[ord("\r")] = ","
    for tilde in "~～〜":
        table[ord(tilde)] = "-"
    for dash in "—–－":
        table[ord(dash)] = "-"
    table[ord("．")] = "."
    # keep a few letters that NFKC would otherwise leave alone
    for ch in "ⅴⅤ":
        table[ord(ch)] = "v"
    return table


Replacement = Callable[[re.Match[str]], str]

# Characters common in agent replies that the table changes; ``_Translator`` maps
# them with ``str.replace`` (C speed) before the regex pass.
_COMMON_CHANGES = "，！？：；（）～~ \n\r"


class _Translator:
    """``text.translate(table)``, faster on text where few characters change.

    ``str.translate`` costs a table lookup per character, and Chinese text is mostly
    characters the table leaves alone. This finds the characters to change with one
    character-class regex and maps only those (the most common ones first, with
    ``str.replace``). Each character is still mapped once, from the original text,
    so the result is exactly ``text.translate(table)``. Characters in ``keep`` are
    left alone (the batch separator).
    """

    def __init__(self, table: dict[int, str | None], keep: str = "") -> None:
        changes = {
            chr(code): repl or ""
            for code, repl in table.items()
            if repl != chr(code) and chr(code) not in keep
        }
        # A pre-replaced character's output must not be something the regex changes.
        self._replace = tuple(
            (ch, changes[ch])
            for ch in _COMMON_CHANGES
            if ch in changes and changes[ch] not in changes
        )
        codes = sorted(ord(ch) for ch in changes)
        ranges: list[str] = []
        i = 0
        while i < len(codes):
            j = i
            while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
                j += 1
            lo, hi = re.escape(chr(codes[i])), re.escape(chr(codes[j]))
            ranges.append(lo if i == j else f"{lo}-{hi}")
            i = j + 1
        self._pattern = re.compile(f"[{''.join(ranges)}]") if ranges else None

        def repl(m: re.Match[str]) -> str:
            return changes[m.group()]

        self._repl: Replacement = repl

    def __call__(self, text: str) -> str:
        for old, new in self._replace:
            text = text.replace(old, new)
        return text if self._pattern is None else self._pattern.sub(self._repl, text)


@dataclass(frozen=True)
class Rewrite:
    pattern: re.Pattern[str]
    replace: Replacement


class Normalizer:
    """Normal form shared by the fast scan and the rule regexes."""

    def __init__(self, evasions: Iterable[tuple[str, str]] = ()) -> None:
        self.table = build_table()
        self._translate = _Translator(self.table)
        self._translate_batch = _Translator(self.table, keep=SEPARATOR)
        # Every entry maps one character to at most one: then a translation that
        # deletes nothing keeps every character at its own offset (see ``mapped``).
        self._one_to_one = all(v is None or len(v) == 1 for v in self.table.values())
        rewrites = [Rewrite(INTRA_WORD_RE, lambda m: "")]
        variants: dict[str, str] = {}
        regex_variants: list[tuple[str, str]] = []
        for variant, canonical in evasions:
            if variant.startswith(REGEX_PREFIX):
                # A regex spelling (lookarounds keep it from eating ordinary words).
                regex_variants.append((variant[len(REGEX_PREFIX) :], canonical))
                continue
            key = variant.translate(self.table)
            if key and key != canonical:
                variants[key] = canonical
        if variants:
            ordered = sorted(variants, key=len, reverse=True)
            variant_re = re.compile("|".join(re.escape(v) for v in ordered))
            rewrites.append(Rewrite(variant_re, lambda m: variants[m.group(0)]))
        for pattern, canonical in regex_variants:
            rewrites.append(Rewrite(re.compile(pattern), _constant(canonical)))
        rewrites.append(Rewrite(NUMERAL_RE, _numeral_repl))
        self.rewrites = tuple(rewrites)
        self.variants = variants

    def translate(self, text: str) -> str:
        return self._translate(text)

    def translate_joined(self, texts: Sequence[str]) -> str:
        """``SEPARATOR.join(self.translate(t) for t in texts)``, in one pass when possible."""
        joined = SEPARATOR.join(texts)
        if joined.count(SEPARATOR) == len(texts) - 1:  # no text holds the separator
            return self._translate_batch(joined)
        return SEPARATOR.join([self._translate(t) for t in texts])

    def rewrite(self, text: str) -> str:
        for rw in self.rewrites:
            text = rw.pattern.sub(rw.replace, text)
        return text

    def normalize(self, text: str) -> str:
        return self.rewrite(self._translate(text))

    def mapped(self, text: str) -> tuple[str, list[int], list[int]]:
        """Normal form plus ``starts[i]``/``ends[i]``: the original span of normalised char i."""
        current = self._translate(text)
        starts: list[int]
        ends: list[int]
        if self._one_to_one and len(current) == len(text):
            # Nothing deleted: normalised char i came from original char i.
            starts = list(range(len(text)))
            ends = list(range(1, len(text) + 1))
        else:
            table = self.table
            out: list[str] = []
            starts = []
            ends = []
            for i, ch in enumerate(text):
                repl = table.get(ord(ch), ch)
                if repl:
                    out.append(repl)
                    starts.append(i)
                    ends.append(i + 1)
            current = "".join(out)
        for rw in self.rewrites:
            pieces: list[str] = []
            new_starts: list[int] = []
            new_ends: list[int] = []
            last = 0
            changed = False
            for m in rw.pattern.finditer(current):
                a, b = m.span()
                replacement = rw.replace(m)
                if replacement == m.group(0):
                    continue
                changed = True
                pieces.append(current[last:a])
                new_starts.extend(starts[last:a])
                new_ends.extend(ends[last:a])
                if replacement and b > a:
                    pieces.append(replacement)
                    new_starts.extend([starts[a]] * len(replacement))
                    new_ends.extend([ends[b - 1]] * len(replacement))
                last = b
            if changed:
                pieces.append(current[last:])
                new_starts.extend(starts[last:])
                new_ends.extend(ends[last:])
                current = "".join(pieces)
                starts, ends = new_starts, new_ends
        return current, starts, ends


def original_span(
    starts: list[int], ends: list[int], start: int, end: int, text_length: int
) -> tuple[int, int]:
    """Map a ``[start, end)`` span of normalised text back to the original text."""
    if not starts:
        return 0, 0
    if end <= start:
        pos = starts[start] if start < len(starts) else text_length
        return pos, pos
    return starts[start], ends[end - 1]


def is_cjk(ch: str) -> bool:
    return "CJK" in unicodedata.name(ch, "")
