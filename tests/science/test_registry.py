"""Running an analysis by its kind: the parameters each takes, and readable refusals."""

import pytest

from cnnviz import science
from cnnviz.engines.base import Engine
from tests.science.helpers import reference_engine


def test_run_refuses_unknown_kinds_and_parameters(engine):
    with pytest.raises(ValueError, match="Unknown analysis 'spectrum'"):
        science.run("spectrum", engine)
    with pytest.raises(ValueError, match="unknown parameter samples"):
        science.run("compare_pair", engine, samples=3)
    assert "samples_per_class" in science.parameters("similarity_matrix")


def test_a_model_without_a_configuration_is_refused_with_a_reason():
    class Foreign:
        config = None
        name = "keras"

        def layer_names(self):
            return ["dense"]

    for kind in ("symmetry", "dead_filters", "prune", "flip"):
        with pytest.raises(ValueError, match="no cnnviz configuration"):
            science.run(kind, Foreign())


def test_every_kind_is_listed_with_its_parameters():
    assert science.KINDS == ("similarity_matrix", "compare_pair", "symmetry", "dead_filters", "prune", "flip",
                             "evaluation", "embedding")
    assert science.parameters("flip") == ("layer", "image", "label")
    assert science.parameters("evaluation") == ("samples", "dataset", "data_dir")
    assert science.CHANGES_WEIGHTS == {"prune": True}


class ContractOnly:
    """An engine that offers the contract (:class:`cnnviz.engines.base.Engine`) and nothing else."""

    MEMBERS = frozenset(name for name in (*Engine.__annotations__, *vars(Engine)) if not name.startswith("_"))

    def __init__(self, engine):
        self._engine = engine

    def __getattr__(self, name):
        if name not in self.MEMBERS:
            raise AttributeError(f"{name!r} is not part of the engine contract")
        return getattr(self._engine, name)


def test_every_analysis_drives_the_engine_through_the_contract_alone(split):
    engine = ContractOnly(reference_engine())
    image = split.images[:1]
    for kind, params in (("similarity_matrix", {"samples_per_class": 1, "num_resamples": 10}),
                         ("compare_pair", {"image_a": image, "image_b": image, "reference_images": 2}),
                         ("symmetry", {"transform": "rescale", "samples": 5}),
                         ("dead_filters", {"samples": 5}),
                         ("prune", {"layer": "conv2d", "filters": [0]}),
                         ("flip", {"image": image}),
                         ("evaluation", {"samples": 5})):
        assert science.run(kind, engine, **params) is not None
