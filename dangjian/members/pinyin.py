"""Pinyin keys for searching names: full pinyin (zhangsan) and initials (zs)."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a Chinese name, lower case, no spaces or tones."""
    syllables = [s for s in lazy_pinyin(name.strip(), style=Style.NORMAL, errors="ignore") if s]
    syllables = [s.lower() for s in syllables if s.isascii()]
    return "".join(syllables), "".join(s[0] for s in syllables)
