"""One regular expression for many words, factored by their common beginnings.

Python's `re` tries the alternatives of `a|b|c` one after the other at every position; a list of
forty spellings costs forty tries at every word of every text. Written as a trie
(`tum(?:our|or)...`), a position that starts no listed word fails on its first letter or two.
The words match exactly as the plain alternation would: each entry is a literal beginning and an
optional regular-expression ending, and alternation order only decides between matches of the
same start, which callers bound with their own look-arounds.
"""

from __future__ import annotations

import re
from typing import Iterable

_END = ""  # the trie key under which the endings of a finished literal are kept


def alternation(entries: Iterable[tuple[str, str]]) -> str:
    """Regex source matching any `literal + ending` of `entries` ((literal, ending regex) pairs;
    literals in lower case, for patterns compiled with re.IGNORECASE)."""
    trie: dict = {}
    for literal, ending in entries:
        node = trie
        for char in literal:
            node = node.setdefault(char, {})
        endings = node.setdefault(_END, [])
        if ending not in endings:
            endings.append(ending)
    return _emit(trie)


def _emit(node: dict) -> str:
    branches = [re.escape(char) + _emit(child) for char, child in sorted(node.items()) if char != _END]
    endings = node.get(_END, [])
    if endings:
        branches.append("(?:" + "|".join(e or "" for e in endings) + ")" if any(endings) else "")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"
