"""The row gathers of sim.indexing give what numpy's indexing gives, for contiguous arrays
and for slices of larger ones (which ``take`` would copy whole before gathering)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.indexing import take_pairs, take_rows


@given(
    n=st.integers(1, 40),
    j=st.integers(2, 6),
    k=st.integers(1, 4),
    picks=st.lists(st.integers(0, 10**6), max_size=30),
    seed=st.integers(0, 2**32 - 1),
)
def test_take_rows_is_fancy_indexing_on_arrays_and_on_their_slices(n, j, k, picks, seed):
    a = np.random.default_rng(seed).random((n, j, k))
    rows = np.asarray([p % n for p in picks], dtype=np.int64)
    for view in (a, a[:, :-1], a[:, 1:], a[:, :-1, 0], a[:, ::2], a[::-1]):
        got = take_rows(view, rows)
        assert got.shape == view[rows].shape
        assert np.array_equal(got, view[rows])


@given(n=st.integers(1, 30), j=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_take_pairs_is_fancy_indexing_of_row_column_pairs(n, j, seed):
    rng = np.random.default_rng(seed)
    a = rng.random((n, j, 3))
    rows = rng.integers(0, n, size=n)
    cols = rng.integers(0, j, size=n)
    assert np.array_equal(take_pairs(a, rows, cols), a[rows, cols])
    assert np.array_equal(take_pairs(a[..., 0], rows, cols), a[rows, cols, 0])
