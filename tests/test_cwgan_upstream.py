"""Tests of chapter 04's inputs (support.cwgan.upstream)."""

import pytest

from support.cwgan.upstream import load_upstream


def test_missing_upstream_names_the_chapter(tmp_path):
    with pytest.raises(FileNotFoundError, match="chapter 01"):
        load_upstream(tmp_path, "smoke")
