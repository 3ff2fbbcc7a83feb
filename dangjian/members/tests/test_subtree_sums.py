"""`members.selectors._SubtreeSums`: a subtree's roster sums from running totals equal the
plain sum over every path that starts with the subtree's path (the 党建带团建 table)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dangjian.members.selectors import _SubtreeSums

# Paths as the tree writes them: /1/, /1/7/, /1/7/42/…, with ids that share prefixes (1, 12).
segments = st.lists(st.sampled_from(["1", "2", "12", "7", "71", "42"]), min_size=1, max_size=4)
paths = segments.map(lambda ids: "/" + "/".join(ids) + "/")
cells = st.tuples(*(st.integers(0, 50) for _ in range(3)))


def plain(counts: dict[str, tuple[int, int, int]], path: str) -> tuple[int, int, int]:
    inside = [value for key, value in counts.items() if key.startswith(path)]
    return tuple(sum(cell[i] for cell in inside) for i in range(3))  # type: ignore[return-value]


@given(st.dictionaries(paths, cells, max_size=30), st.lists(paths, min_size=1, max_size=10))
def test_a_subtree_sums_as_the_plain_sum(counts, asked):
    sums = _SubtreeSums(counts)
    for path in [*asked, *counts]:
        assert sums.under(path) == plain(counts, path), path


def test_a_path_is_not_the_prefix_of_its_numeric_neighbour():
    counts = {"/1/": (1, 0, 0), "/1/2/": (2, 1, 0), "/12/": (4, 0, 1), "/2/": (8, 0, 0)}
    sums = _SubtreeSums(counts)
    assert sums.under("/1/") == (3, 1, 0)
    assert sums.under("/12/") == (4, 0, 1)
    assert sums.under("/3/") == (0, 0, 0)
