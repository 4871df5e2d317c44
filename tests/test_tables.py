"""support.tables: dict or list of rows -> DataFrame with the right index, columns and rounding."""

import numpy as np
import pytest

from support.tables import table


def test_mapping_rows_become_the_index():
    t = table({"a": {"x": 1.23456, "y": 2}, "b": {"x": 3.0}}, index="model")
    assert list(t.index) == ["a", "b"] and t.index.name == "model"
    assert list(t.columns) == ["x", "y"]
    assert t.loc["a", "x"] == pytest.approx(1.235)
    assert np.isnan(t.loc["b", "y"])                    # missing value stays blank


def test_list_rows_with_an_index_column_and_order():
    t = table([{"T": 0.1, "R2": 0.5, "n": 3}, {"T": 0.5, "R2": 0.25, "n": 4}], index="T", columns=["n", "R2"],
              digits=None)
    assert list(t.index) == [0.1, 0.5] and list(t.columns) == ["n", "R2"]
    assert t.loc[0.5, "R2"] == 0.25


def test_renders_as_html():
    assert "<table" in table({"a": {"x": 1.0}})._repr_html_()


@pytest.mark.parametrize("kwargs", [dict(index="missing"), dict(columns=["missing"])])
def test_unknown_names_are_errors(kwargs):
    with pytest.raises(KeyError):
        table([{"x": 1.0}], **kwargs)
