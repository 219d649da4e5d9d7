"""Evaluation: a model's predictions tabulated, most confident mistakes first."""

import numpy as np
import pytest

from cnnviz import science
from cnnviz.science.evaluation import evaluate


class FixedEngine:
    def __init__(self, probabilities):
        self.probabilities = np.asarray(probabilities, np.float32)

    def predict(self, images):
        return self.probabilities


def test_evaluation_cells_and_mistakes_are_ordered_by_confidence():
    probabilities = [[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.4, 0.6, 0.0], [0.1, 0.1, 0.8], [0.0, 0.3, 0.7]]
    labels = np.array([0, 0, 0, 2, 1])
    result = evaluate(FixedEngine(probabilities), np.zeros((5, 28, 28, 1), np.float32), labels, "test",
                      ("a", "b", "c"))
    assert result.accuracy == pytest.approx(2 / 5)
    assert result.confusion.tolist() == [[1, 2, 0], [0, 0, 1], [0, 0, 1]]
    assert result.cell(0, 1).tolist() == [1, 2]  # 0.8 before 0.6
    assert result.misclassified().tolist() == [1, 4, 2]  # 0.8, 0.7, 0.6
    np.testing.assert_allclose(result.per_class_accuracy, [1 / 3, 0.0, 1.0])
    assert not result.labels.flags.writeable
    assert result.class_names == ("a", "b", "c")


def test_the_test_split_is_evaluated_through_run(engine):
    result = science.run("evaluation", engine, samples=200)
    split = science.load_test_split(engine, 200)
    assert result.dataset == "mnist-sample" and result.class_names == tuple("0123456789")
    np.testing.assert_array_equal(result.labels, split.labels)
    assert result.accuracy == pytest.approx(np.mean(engine.predict(split.images).argmax(axis=1) == split.labels))
    assert result.confusion.sum() == 200
