"""Whole numbers that are not bools, real numbers, positive integers and indices."""

import numpy as np
import pytest

from cnnviz.core.checks import int_items, is_int, is_real, require_index, require_positive_int
from cnnviz.core.config import ConfigError, ModelConfig, reference_config


@pytest.mark.parametrize("value", [0, -3, 7, np.int64(5), np.uint8(2), np.int32(-1)])
def test_whole_numbers_are_ints(value):
    assert is_int(value)
    assert is_real(value)


@pytest.mark.parametrize("value", [True, False, np.bool_(True), 2.0, np.float32(1), "3", None, [1], np.array(3)])
def test_bools_floats_text_and_arrays_are_not_ints(value):
    assert not is_int(value)


@pytest.mark.parametrize("value", [True, False, "0.5", None, 1j])
def test_bools_text_and_complex_are_not_real(value):
    assert not is_real(value)


def test_floats_are_real():
    assert is_real(0.5) and is_real(np.float32(0.25)) and is_real(float("nan"))


def test_require_positive_int_returns_a_python_int():
    assert require_positive_int(np.int64(3), "count") == 3
    assert type(require_positive_int(np.int64(3), "count")) is int


@pytest.mark.parametrize("value", [0, -1, True, 2.0, "4"])
def test_require_positive_int_names_the_argument(value):
    with pytest.raises(ValueError, match=rf"batch_size must be a positive integer, received {value!r}\."):
        require_positive_int(value, "batch_size")


@pytest.mark.parametrize("value", [-1, 10, True, 1.0])
def test_require_index_says_the_range(value):
    with pytest.raises(ValueError, match=r"class_index must be in \[0, 10\)"):
        require_index(value, 10, "class_index")
    assert require_index(np.int16(9), 10, "class_index") == 9


def test_a_configuration_refuses_a_bool_as_a_number_of_filters():
    data = reference_config().to_dict()
    data["layers"][0]["filters"] = True
    with pytest.raises(ConfigError, match="must be an integer, received True"):
        ModelConfig.from_dict(data)


def test_a_configuration_stores_numpy_integers_as_python_ints():
    data = reference_config().to_dict()
    data["layers"][0]["filters"] = np.int64(12)
    data["input_shape"] = [np.int64(28), 28, 1]
    config = ModelConfig.from_dict(data)
    assert type(config.layers[0].filters) is int and config.layers[0].filters == 12
    assert all(type(size) is int for size in config.input_shape)
    # JSON can hold it (a NumPy integer would not serialize).
    assert ModelConfig.from_json(config.to_json()) == config


def test_int_items_reads_a_size_or_a_pair():
    assert int_items(3) == (3, 3) and int_items(np.int64(2)) == (2, 2)
    assert int_items((28, 26)) == (28, 26) and int_items([np.int32(1), 2]) == (1, 2)
    assert int_items(True) == () and int_items(None) == () and int_items(("a", 1)) == ()
