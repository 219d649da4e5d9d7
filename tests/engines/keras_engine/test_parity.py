"""With identical weights the two engines agree: predictions, feature maps, gradients, optimizer steps."""

import pytest

from cnnviz.core.config import Dropout, deep_config, reference_config

from ..twins import inputs, relative_difference, twin_engines

TOLERANCE = 1e-4
CONFIGS = {"reference": reference_config(), "deep": deep_config()}


@pytest.mark.parametrize("name", CONFIGS)
def test_predictions_and_feature_maps_agree(name):
    numpy_engine, keras_engine = twin_engines(CONFIGS[name])
    batch, _ = inputs()
    assert relative_difference(numpy_engine.predict(batch), keras_engine.predict(batch)) <= TOLERANCE
    numpy_maps, keras_maps = numpy_engine.feature_maps(batch), keras_engine.feature_maps(batch)
    assert list(numpy_maps) == list(keras_maps)
    for layer in numpy_maps:
        assert relative_difference(numpy_maps[layer], keras_maps[layer]) <= TOLERANCE, layer


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("class_index", [None, 3])
def test_gradients_agree(name, class_index):
    numpy_engine, keras_engine = twin_engines(CONFIGS[name])
    batch, labels = inputs()
    labels = None if class_index is not None else labels
    ours = numpy_engine.gradients(batch, labels=labels, class_index=class_index)
    theirs = keras_engine.gradients(batch, labels=labels, class_index=class_index)
    assert ours.value == pytest.approx(theirs.value, rel=TOLERANCE)
    assert relative_difference(ours.input, theirs.input) <= TOLERANCE
    for layer in ours.layers:
        assert relative_difference(ours.layers[layer], theirs.layers[layer]) <= TOLERANCE, layer
    for layer, params in ours.parameters.items():
        for param, value in params.items():
            assert relative_difference(value, theirs.parameters[layer][param]) <= TOLERANCE, (layer, param)


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("optimizer, learning_rate", [("sgd", 0.05), ("momentum", 0.05), ("adam", 1e-3)])
def test_optimizer_steps_agree(name, optimizer, learning_rate):
    config = CONFIGS[name].with_training(optimizer=optimizer, learning_rate=learning_rate)
    # Dropout masks come from different generators, so switch dropout off for this comparison.
    config = config.with_layers([Dropout(rate=0.0) if isinstance(layer, Dropout) else layer
                                 for layer in config.layers])
    numpy_engine, keras_engine = twin_engines(config)
    initial = numpy_engine.get_weights()
    batch, labels = inputs(32)
    for _ in range(2):
        numpy_loss, _ = numpy_engine.train_step(batch, labels)
        keras_loss, _ = keras_engine.train_step(batch, labels)
        assert numpy_loss == pytest.approx(keras_loss, rel=TOLERANCE)
    ours, theirs = numpy_engine.get_weights(), keras_engine.get_weights()
    for layer, params in ours.items():
        for param, value in params.items():
            # Adam divides by sqrt(v) + 1e-7, so entries whose gradient is ~0 differ by rounding alone:
            # compare the change each step made, relative to the largest change.
            before = initial[layer][param]
            assert relative_difference(value - before, theirs[layer][param] - before) <= 1e-3, (layer, param)
            assert relative_difference(value, theirs[layer][param]) <= TOLERANCE, (layer, param)
