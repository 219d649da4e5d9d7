"""Weight-space symmetries (report §1.1): how many weight vectors are equivalent for each activation,
the counts written however large, and why a transform is or is not a symmetry."""

import math

import pytest

from cnnviz.core.symmetry import (
    WeightSymmetries,
    explain,
    factorial_text,
    symmetry_count,
    symmetry_count_text,
)


def test_symmetry_count_is_m_factorial_times_two_to_the_m():
    assert symmetry_count(3) == 48
    assert symmetry_count(0) == 1
    assert symmetry_count(1) == 2
    assert symmetry_count(40) == math.factorial(40) * 2 ** 40
    assert isinstance(symmetry_count(200), int)
    for bad in (-1, 2.0, True, "3"):
        with pytest.raises(ValueError, match="non-negative integer"):
            symmetry_count(bad)


def test_symmetry_count_text_exact_when_short_power_of_ten_when_long():
    assert symmetry_count_text(3) == "3!·2^3 = 48"
    assert symmetry_count_text(10) == "10!·2^10 = 3,715,891,200"
    text = symmetry_count_text(128)
    exact = str(symmetry_count(128))
    assert text == f"128!·2^128 = {exact[0]}.{exact[1:3]}×10^{len(exact) - 1}"
    assert text == "128!·2^128 = 1.31×10^254"
    for units in (14, 30, 77, 500):
        digits = str(symmetry_count(units))
        mantissa, exponent = text_parts(symmetry_count_text(units))
        assert exponent == len(digits) - 1
        assert mantissa == pytest.approx(int(digits[:4]) / 1000, abs=0.006)
    # A million units: computed with lgamma, never as an exact integer.
    assert symmetry_count_text(10 ** 6).endswith("×10^5866738")


def text_parts(text: str) -> tuple[float, int]:
    mantissa, exponent = text.split(" = ")[1].split("×10^")
    return float(mantissa), int(exponent)


def test_factorial_text_exact_when_short():
    assert factorial_text(5) == "5! = 120"
    assert factorial_text(0) == "0! = 1"
    assert factorial_text(16) == "16! = 20,922,789,888,000"
    assert factorial_text(17) == "17! = 3.56×10^14"
    digits = str(math.factorial(128))
    assert factorial_text(128) == f"128! = {int(digits[:4]) / 1000:.2f}×10^{len(digits) - 1}" == "128! = 3.86×10^215"


def test_equivalent_weight_vectors_follow_the_activation():
    tanh, relu = WeightSymmetries("tanh", 128), WeightSymmetries("relu", 128)
    # tanh is odd: orderings times sign patterns, a finite set.
    assert tanh.sign_flips and tanh.continuous_dimension == 0
    assert tanh.finite_count == math.factorial(128) * 2 ** 128
    assert tanh.count_text == "128!·2^128 = 1.31×10^254"
    assert tanh.text().startswith("128!·2^128 = 1.31×10^254 equivalent weight vectors")
    # relu is not odd: no 2^M sign patterns, but a continuous family of positive rescalings.
    assert not relu.sign_flips and relu.continuous_dimension == 128
    assert relu.finite_count == math.factorial(128)
    assert relu.count_text == "128! = 3.86×10^215"
    assert "128!·2^128" not in relu.text() and "Infinitely many" in relu.text()
    assert "No 2^128 sign patterns: relu is not odd" in relu.text()
    sigmoid = WeightSymmetries("sigmoid", 6)
    assert sigmoid.finite_count == 46080 and sigmoid.continuous_dimension == 0 and "bias" in sigmoid.text()
    linear = WeightSymmetries("linear", 128)
    assert linear.continuous_dimension == 128 ** 2 and "128^2 = 16,384" in linear.text()
    assert "invertible 128×128 matrix" in linear.text()
    assert "At least 128! = 3.86×10^215" in WeightSymmetries("elu", 128).text()


def test_max_pooling_between_removes_the_sign_flips():
    pooled = WeightSymmetries("tanh", 8, max_pooling_between=True)
    assert not pooled.sign_flips and pooled.finite_count == math.factorial(8)
    assert pooled.text().startswith("8! = 40,320 equivalent weight vectors") and "max(−a)" in pooled.text()
    linear = WeightSymmetries("linear", 8, max_pooling_between=True)
    assert linear.continuous_dimension == 8 and "max pooling" in linear.text()
    relu = WeightSymmetries("relu", 8, max_pooling_between=True)
    assert relu.continuous_dimension == 8 and relu.text() == WeightSymmetries("relu", 8).text()


def test_explain_says_why():
    assert "relu(-a)" in explain("relu", "sign_flip") and "rescaling" in explain("relu", "sign_flip")
    assert "odd" in explain("tanh", "sign_flip")
    assert "unchanged" in explain("relu", "rescale")
    assert "not positively homogeneous" in explain("tanh", "rescale")
    assert "1 - sigmoid(a)" in explain("sigmoid", "sign_flip")
    assert "every activation" in explain("sigmoid", "permutation")
    with pytest.raises(ValueError, match="kind"):
        explain("relu", "mirror")
    with pytest.raises(ValueError, match="activation"):
        explain("softmax", "permutation")
