"""The report's experiments run on a model: spectra, symmetries, backprop as a flipped
convolution, dead filters and pruning, and evaluation.

Each analysis is a function of an engine, typed as the contract
(:class:`cnnviz.engines.base.Engine`) and driven only through it, and a few keyword parameters;
it gathers what it needs from the engine and the test split of the model's dataset, calls the
mathematics in :mod:`cnnviz.core` and returns a frozen dataclass whose arrays are read-only, so
the result can cross threads. The model service's worker schedules them
(``ModelService.run_science`` → :func:`run`) and so does the command line
(:mod:`cnnviz.cli.science`); views only display the results. One module per analysis:

============================  ==========================================  =========  ======================
``run`` kind                  what                                        report     module
============================  ==========================================  =========  ======================
``"similarity_matrix"``       class-by-class similarity of one filter's    §5.1       :mod:`.spectra_matrix`
                              feature-map spectra, with intervals
``"compare_pair"``            one filter's maps and spectra for two        §5.1       :mod:`.spectra_pair`
                              inputs, ranked among test pairs
``"symmetry"``                a weight-space symmetry checked on           §1.1       :mod:`.symmetries`
                              predictions
``"dead_filters"``            near-zero and never-active filters           §5.2       :mod:`.dead_filters`
``"prune"``                   zero filters, accuracy before and after      §5.2       :mod:`.dead_filters`
                              (changes the weights with ``keep=True``)
``"flip"``                    backprop through a convolution as a          §4.3       :mod:`.flip_identity`
                              flipped-kernel convolution
``"evaluation"``              accuracy, confusion matrix and mistakes on              :mod:`.evaluation`
                              the test split
``"embedding"``               a layer's activations for the test images,             :mod:`.embedding`
                              projected to 2-D with PCA
============================  ==========================================  =========  ======================

Shared by them: :mod:`.data` (the test split), :mod:`.checks` (parameter checks with readable
messages), :mod:`.spectra_similarity` (spectrum similarity over many images),
:mod:`.spectra_statistics` and :mod:`.uncertainty` (bootstrap intervals, verdicts that say when
the data cannot tell, sign tests), :mod:`.registry` (the kinds above and :func:`run`).

Attribution maps (gradient, Grad-CAM, SmoothGrad, Integrated Gradients, occlusion, guided
backpropagation) and their sanity checks are a package of their own, :mod:`cnnviz.science.attribution`,
with one entry point per map (:func:`cnnviz.science.attribution.explain`).

Every verdict a result gives comes with what it rests on, as text the window and the command
line both print (the ``verdict_text`` methods). Bad parameters raise ``ValueError`` with a
message that says what was received and what was expected. No Qt here, and no engine is
imported: an engine is whatever object the caller passes.
"""

from cnnviz.science.data import BATCH_SIZE, DEFAULT_DATASET, TestSplit, layer_maps, load_test_split
from cnnviz.science.dead_filters import (
                                         DeadFiltersResult,
                                         LayerDeadFilters,
                                         PruneEvaluation,
                                         PruneResult,
                                         dead_filters,
                                         prune,
                                         prune_and_evaluate,
)
from cnnviz.science.evaluation import evaluate, evaluate_test_split
from cnnviz.science.flip_identity import FlipChecks, FlipResult, compare_layer, flip, flip_checks
from cnnviz.science.registry import CHANGES_WEIGHTS, KINDS, parameters, run
from cnnviz.science.spectra_matrix import REPORT_CLAIMS, ClaimVerdict, SimilarityMatrix, similarity_matrix
from cnnviz.science.spectra_pair import REFERENCE_IMAGES, PairComparison, compare_pair
from cnnviz.science.symmetries import (
                                         RESCALE_RANGE,
                                         SYMMETRY_TOLERANCE,
                                         TRANSFORMS,
                                         SymmetryCheck,
                                         SymmetryResult,
                                         check_symmetry,
                                         random_transforms,
                                         symmetry,
)

__all__ = [
    "BATCH_SIZE", "CHANGES_WEIGHTS", "DEFAULT_DATASET", "KINDS", "REFERENCE_IMAGES", "REPORT_CLAIMS", "RESCALE_RANGE",
    "SYMMETRY_TOLERANCE", "TRANSFORMS", "ClaimVerdict", "DeadFiltersResult", "FlipChecks", "FlipResult",
    "LayerDeadFilters", "PairComparison", "PruneEvaluation", "PruneResult", "SimilarityMatrix", "SymmetryCheck",
    "SymmetryResult", "TestSplit", "check_symmetry", "compare_layer", "compare_pair", "dead_filters", "evaluate",
    "evaluate_test_split", "flip", "flip_checks", "layer_maps", "load_test_split", "parameters", "prune",
    "prune_and_evaluate", "random_transforms", "run", "similarity_matrix", "symmetry",
]
