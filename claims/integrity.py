"""Quote integrity: find a claim's text in its source's stored text.

Both texts are normalised the same way before comparing, so that a quote survives
reflowed lines, curly versus straight quote marks and doubled spaces, but not a
changed word. The position found is mapped back to offsets in the original text.
"""

import re

_QUOTES = str.maketrans(
    {
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u201e": '"',  # „
        "\u201f": '"',  # ‟
        "\u00ab": '"',  # «
        "\u00bb": '"',  # »
        "\u2033": '"',  # ″
        "\u2018": "'",  # ‘
        "\u2019": "'",  # ’
        "\u201a": "'",  # ‚
        "\u201b": "'",  # ‛
        "\u2032": "'",  # ′
    }
)


def normalise(text):
    """Return the normalised text and, for each of its characters, its offset in `text`."""
    chars = []
    offsets = []
    pending_space = False
    for offset, char in enumerate(text):
        if char.isspace():
            pending_space = bool(chars)
            continue
        if pending_space:
            chars.append(" ")
            offsets.append(offset - 1)
            pending_space = False
        chars.append(char.translate(_QUOTES))
        offsets.append(offset)
    return "".join(chars), offsets


def locate(needle, haystack):
    """The (start, end) offsets of `needle` in `haystack`, or None when it is not there."""
    wanted, _ = normalise(needle)
    if not wanted or not haystack:
        return None
    text, offsets = normalise(haystack)
    index = text.find(wanted)
    if index < 0:
        return None
    return offsets[index], offsets[index + len(wanted) - 1] + 1


_SENTENCE_END = re.compile(r"(?<=[.!?\u201d\"])\s+|\n\s*\n")


def context_around(text, start, end, sentences=1):
    """Split `text` into (before, span, after), widened by whole sentences around the span."""
    breaks = [0] + [match.end() for match in _SENTENCE_END.finditer(text)] + [len(text)]
    before_breaks = [b for b in breaks if b <= start]
    after_breaks = [b for b in breaks if b >= end]
    left = before_breaks[max(0, len(before_breaks) - 1 - sentences)]
    right = after_breaks[min(len(after_breaks) - 1, sentences)]
    return text[left:start], text[start:end], text[end:right]
