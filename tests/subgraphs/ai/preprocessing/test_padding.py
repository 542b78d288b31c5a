"""Grouping a batch's rows by token length for padded passes."""

from __future__ import annotations

from subgraphs.ai.preprocessing.padding import length_groups, pass_cost


def _cost(lengths: list[int], groups: list[list[int]]) -> float:
    return sum(pass_cost(len(group), max(lengths[row] for row in group)) for group in groups)


def test_every_row_is_in_exactly_one_group() -> None:
    lengths = [40, 3, 250, 12, 12, 7, 90, 3, 256, 31]
    groups = length_groups(lengths)
    assert sorted(row for group in groups for row in group) == list(range(len(lengths)))


def test_similar_lengths_share_one_pass() -> None:
    assert length_groups([12, 14, 13, 12, 15, 14]) == [[0, 3, 2, 1, 5, 4]]


def test_a_long_row_is_not_padded_onto_short_ones() -> None:
    lengths = [5, 6, 5, 7, 240, 6]
    groups = length_groups(lengths)
    assert [4] in groups
    assert len(groups) == 2


def test_the_split_is_no_costlier_than_one_pass_or_one_pass_per_row() -> None:
    lengths = [3, 8, 17, 30, 45, 64, 80, 120, 200, 256, 9, 22, 23, 24]
    groups = length_groups(lengths)
    assert _cost(lengths, groups) <= _cost(lengths, [list(range(len(lengths)))])
    assert _cost(lengths, groups) <= _cost(lengths, [[row] for row in range(len(lengths))])


def test_groups_are_bounded_in_rows() -> None:
    groups = length_groups([10] * 100, max_rows=32)
    assert sorted(len(group) for group in groups) == [4, 32, 32, 32]


def test_no_rows_give_no_groups() -> None:
    assert length_groups([]) == []
