"""Every attribution method and both sanity checks drive the engine through the contract alone; guided
backpropagation, which needs the optional ``guided_gradients``, says so."""

import numpy as np
import pytest

from cnnviz.science import attribution
from cnnviz.science.data import load_test_split
from tests.science.helpers import reference_engine
from tests.science.test_registry import ContractOnly


def test_every_method_and_check_uses_only_the_contract():
    engine = ContractOnly(reference_engine())
    split = load_test_split(engine, count=64)
    image = split.images[:1]
    for method in attribution.METHOD_NAMES:
        if method == "guided-backprop":
            with pytest.raises(attribution.AttributionUnavailable, match="guided backpropagation"):
                attribution.explain(engine, image, method)
            continue
        result = attribution.explain(engine, image, method, steps=8, num_samples=3)
        assert result.map.shape == (28, 28) and np.isfinite(result.map).all(), method
    methods = ("gradient", "grad-cam", "guided-backprop")
    cascading = attribution.cascading_randomization(engine, image, methods)
    labels = attribution.label_randomization(engine, image, split.images, split.labels, methods, epochs=1)
    for table in (cascading, labels):
        assert table.methods == ("gradient", "grad-cam") and len(table.skipped) == 1
