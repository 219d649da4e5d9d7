"""The report's experiments as ``cnnviz`` commands: ``symmetry``, ``flip``, ``spectra`` and ``dead``.

Each command opens a model file (``.npz`` or ``.keras``, or a run folder), runs a check from
:mod:`cnnviz.core` on test images of the model's own dataset, and prints numbers a reader can
compare with the report:

``symmetry``  weight-space symmetries of a hidden layer (§1.1), verified on predictions;
``flip``      backpropagation through a convolution as a convolution with the flipped kernel (§4.3);
``spectra``   class-by-class similarity of one filter's feature-map spectra (§5.1);
``dead``      filters with near-zero kernels or that are never active, and pruning them (§5.2).

:func:`add_science_commands` adds them to the main parser's sub-commands. Handlers raise
``ValueError`` with a readable message for a user error; the main program prints it.
Everything is imported when a command runs, so ``cnnviz --help`` stays fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_MODEL = "reference_model.npz"
PROBABILITY_TOLERANCE = 1e-4
"""A probability change at most this large counts as "unchanged" (float32 rounding)."""


# -- shared helpers ------------------------------------------------------------------------------

def _model_path(text: str | None) -> Path:
    """A model file from a file or a run folder; the bundled reference model when ``text`` is None."""
    if text is None:
        from cnnviz.core.resources import resource_path

        return resource_path(DEFAULT_MODEL)
    path = Path(text)
    if path.is_dir():
        for name in ("model.npz", "model.keras"):
            if (path / name).is_file():
                return path / name
        raise ValueError(f"{path} holds no model.npz or model.keras; give a run folder written by "
                         "cnnviz train, or a model file.")
    if not path.is_file():
        raise ValueError(f"There is no model file or run folder at {path}.")
    return path


def _open_model(text: str | None):
    """``(engine, path, {layer name: layer spec})`` for a model made by cnnviz."""
    from cnnviz.engines.registry import load_engine

    path = _model_path(text)
    engine = load_engine(path)
    if engine.config is None:
        raise ValueError(f"{path.name} has no cnnviz configuration (a .keras model made elsewhere); these "
                         "commands need to know each layer's settings. Open a model saved by cnnviz.")
    specs = dict(zip(engine.config.layer_names(), engine.config.layers))
    return engine, path, specs


def _test_split(engine, count: int | None = None):
    """``(images, labels, class_names, dataset name)``: the first ``count`` test images, ready for the model."""
    import numpy as np

    from cnnviz.core.datasets import load_dataset
    from cnnviz.core.preprocessing import preprocess_batch

    name = engine.config.training.dataset
    dataset = load_dataset(name, "test", seed=engine.config.training.seed)
    if count is not None:
        if count < 1:
            raise ValueError(f"The number of test images must be at least 1, received {count}.")
        dataset_images, dataset_labels = dataset.images[:count], dataset.labels[:count]
    else:
        dataset_images, dataset_labels = dataset.images, dataset.labels
    images = preprocess_batch(dataset_images)
    if images.shape[1:] != tuple(engine.config.input_shape):
        raise ValueError(f"The model takes inputs of shape {tuple(engine.config.input_shape)} but its "
                         f"dataset {name!r} gives {images.shape[1:]}.")
    return images, dataset_labels.astype(np.int64), dataset.class_names, name


def _check_layer(name: str, specs: dict, kinds: tuple[str, ...], what: str) -> None:
    if name not in specs:
        raise ValueError(f"There is no layer {name!r}; the layers are {', '.join(specs)}.")
    if specs[name].kind not in kinds:
        raise ValueError(f"Layer {name!r} is a {specs[name].kind} layer; {what}.")


def _verdict(difference: float) -> str:
    return "unchanged: a symmetry" if difference <= PROBABILITY_TOLERANCE else "CHANGED: not a symmetry"


# -- symmetry ------------------------------------------------------------------------------------

def _command_symmetry(args: argparse.Namespace) -> int:
    import numpy as np

    from cnnviz.core.symmetry import (ODD_ACTIVATIONS, check_symmetry, explain, flip_signs,
                                      permute_hidden_units, rescale_units, symmetry_count_text)

    engine, path, specs = _open_model(args.model)
    names = engine.layer_names()
    weights = engine.get_weights()
    weighted = [name for name in names if name in weights]
    hidden = [name for name in weighted[:-1] if specs[name].kind in ("dense", "conv2d")]
    if args.layer is None:
        dense = [name for name in hidden if specs[name].kind == "dense"]
        if not dense:
            raise ValueError(f"{path.name} has no hidden dense layer (one followed by another dense layer); "
                             f"name a layer with --layer (hidden layers: {', '.join(hidden) or 'none'}).")
        layer = dense[0]
    else:
        layer = args.layer
        _check_layer(layer, specs, ("dense", "conv2d"), "choose a dense or conv2d layer")
        if layer not in hidden:
            raise ValueError(f"Layer {layer!r} is the output layer; its units are not hidden. Hidden layers: "
                             f"{', '.join(hidden) or 'none'}.")
    activation = specs[layer].activation
    next_layer = weighted[weighted.index(layer) + 1]
    num_units = weights[layer]["kernel"].shape[-1]
    images, _, _, dataset = _test_split(engine, args.samples)
    rng = np.random.default_rng(args.seed)
    permutation = rng.permutation(num_units)
    flipped = np.flatnonzero(rng.random(num_units) < 0.5)
    if len(flipped) == 0:
        flipped = np.array([0])
    factors = np.exp(rng.uniform(np.log(0.25), np.log(4.0), num_units))

    print(f"model: {path}")
    kind = "filters" if specs[layer].kind == "conv2d" else "units"
    print(f"layer: {layer} ({num_units} {activation} {kind}; outgoing weights in {next_layer})")
    between = names[names.index(layer) + 1:names.index(next_layer)]
    if activation in ODD_ACTIVATIONS and any(specs[name].kind == "max_pooling2d" for name in between):
        print("note: max pooling lies between, and max(-a) ≠ -max(a): sign flips are not exact here "
              "even though the activation is odd")
    print(f"weight-space symmetries (report §1.1): M = {num_units}, {symmetry_count_text(num_units)} "
          f"equivalent weight vectors")
    print(f"checked on {len(images)} {dataset} test images; largest change of any class probability:")
    checks = [
        ("permutation", f"random permutation of all {num_units} units",
         lambda w: permute_hidden_units(w, layer, permutation, names)),
        ("sign_flip", f"sign flip of {len(flipped)} units",
         lambda w: flip_signs(w, layer, flipped, names)),
        ("rescale", f"positive rescaling of all {num_units} units (factors 1/4 to 4)",
         lambda w: rescale_units(w, layer, np.arange(num_units), factors, names)),
    ]
    if activation in ODD_ACTIVATIONS:
        checks.append(("sign_flip", "permutation and sign flips together",
                       lambda w: flip_signs(permute_hidden_units(w, layer, permutation, names), layer,
                                            flipped, names)))
    for kind, title, transform in checks:
        result = check_symmetry(engine, images, transform)
        print(f"  {title}: max |difference| = {result.max_abs_difference_in_probabilities:.3g}, "
              f"predicted class kept for {result.argmax_agreement:.1%} -> "
              f"{_verdict(result.max_abs_difference_in_probabilities)}")
        print(f"    {explain(activation, kind)}")
    return 0


# -- flip ----------------------------------------------------------------------------------------

def _command_flip(args: argparse.Namespace) -> int:
    import numpy as np

    from cnnviz.core.backprop import compare_flip

    engine, path, specs = _open_model(args.model)
    names = engine.layer_names()
    convolutions = [name for name in names if specs[name].kind == "conv2d"]
    if not convolutions:
        raise ValueError(f"{path.name} has no conv2d layer to check.")
    layer = args.layer or convolutions[-1]
    _check_layer(layer, specs, ("conv2d",), "the flip identity is about convolutions: choose one of "
                 + ", ".join(convolutions))
    if args.random:
        rng = np.random.default_rng(args.seed)
        image = rng.random((1, *engine.config.input_shape)).astype(np.float32)
        label = None
        source = f"a random image (seed {args.seed})"
    else:
        images, labels, class_names, dataset = _test_split(engine)
        if not 0 <= args.sample < len(images):
            raise ValueError(f"--sample must be in [0, {len(images)}) for the {dataset} test split, "
                             f"received {args.sample}.")
        image, label = images[args.sample:args.sample + 1], labels[args.sample:args.sample + 1]
        source = f"{dataset} test sample {args.sample} (label {class_names[int(label[0])]})"
    gradients = engine.gradients(image, labels=label)
    maps = engine.feature_maps(image)
    index = names.index(layer)
    if index == 0:
        engine_input_gradient, layer_input = gradients.input, image
        input_name = "the input image"
    else:
        engine_input_gradient, layer_input = gradients.layers[names[index - 1]], maps[names[index - 1]]
        input_name = f"the output of {names[index - 1]}"
    spec = specs[layer]
    comparison = compare_flip(engine_input_gradient, gradients.layers[layer], maps[layer], spec.activation,
                              engine.kernels()[layer], layer_input.shape[1:3], spec.strides, spec.padding)
    kernel_height, kernel_width = spec.kernel_size
    print(f"model: {path}")
    print(f"input: {source}; gradient of the {'loss' if gradients.target == 'loss' else gradients.target}")
    print(f"layer: {layer} ({kernel_height}x{kernel_width} kernels, {spec.filters} filters, strides "
          f"{tuple(spec.strides)}, {spec.padding} padding, {spec.activation}); its input is {input_name}")
    print("backprop as a convolution with the 180°-flipped kernel (report §4.3): the gradient with "
          "respect to the layer's input equals the full convolution of the"
          + (" dilated" if max(spec.strides) > 1 else "") + " pre-activation gradient with the flipped kernel")
    print(f"  largest |engine gradient| = {float(np.abs(engine_input_gradient).max()):.3g}")
    print(f"  max |flipped - engine| = {comparison.max_abs_difference:.3g} "
          f"(relative {comparison.relative_difference:.3g})")
    return 0


# -- spectra -------------------------------------------------------------------------------------

def _format_matrix(matrix, class_names) -> list[str]:
    width = max(6, *(len(name) for name in class_names))
    lines = [" " * width + " " + " ".join(f"{name:>{width}}" for name in class_names)]
    for name, row in zip(class_names, matrix):
        lines.append(f"{name:>{width}} " + " ".join(f"{value:>{width}.3f}" for value in row))
    return lines


def _command_spectra(args: argparse.Namespace) -> int:
    import numpy as np

    from cnnviz.core.spectra import (class_similarity_matrix, log_spectrum_similarity,
                                     low_frequency_fraction, similarity_matrix_csv)

    engine, path, specs = _open_model(args.model)
    names = engine.layer_names()
    images, labels, class_names, dataset = _test_split(engine)
    shapes = {name: shape for name, shape in zip(names, _output_shapes(engine, images[:1]))}
    spatial = [name for name in names if len(shapes[name]) == 3]
    if not spatial:
        raise ValueError(f"{path.name} has no layer with feature maps.")
    default = next((name for name in names if specs[name].kind == "conv2d"), spatial[0])
    layer = args.layer or default
    if layer not in specs:
        raise ValueError(f"There is no layer {layer!r}; the layers are {', '.join(names)}.")
    if layer not in spatial:
        raise ValueError(f"Layer {layer!r} gives vectors of shape {shapes[layer]}, not feature maps; choose "
                         f"one of {', '.join(spatial)}.")
    num_filters = shapes[layer][-1]
    if not 0 <= args.filter < num_filters:
        raise ValueError(f"Layer {layer!r} has {num_filters} filters (0 to {num_filters - 1}); received "
                         f"--filter {args.filter}.")
    if args.samples_per_class < 1:
        raise ValueError(f"--samples-per-class must be at least 1, received {args.samples_per_class}.")
    classes = [index for index in range(len(class_names)) if np.any(labels == index)]
    chosen = {index: np.flatnonzero(labels == index)[:args.samples_per_class] for index in classes}
    order = np.concatenate(list(chosen.values()))
    maps = _layer_maps(engine, images[order], layer)[..., args.filter]
    by_class, start = {}, 0
    for index in classes:
        by_class[index] = maps[start:start + len(chosen[index])]
        start += len(chosen[index])
    matrix = class_similarity_matrix(by_class, exclude_dc=args.exclude_dc)
    shown = [class_names[index] for index in classes]
    print(f"model: {path}")
    print(f"layer {layer}, filter {args.filter}: feature maps {maps.shape[1]}x{maps.shape[2]}, "
          f"{args.samples_per_class} {dataset} test images per class")
    print("mean cosine similarity of the log-magnitude spectra log(1 + |F|) (report §5.1), "
          + ("zero frequency excluded" if args.exclude_dc else "zero frequency included") + ":")
    for line in _format_matrix(matrix, shown):
        print(line)
    off_diagonal = ~np.eye(len(classes), dtype=bool)
    if np.isnan(matrix).all():
        print("every map of this filter is zero (a dead filter): there is no spectrum to compare.")
    else:
        diagonal = float(np.nanmean(np.diag(matrix))) if not np.isnan(np.diag(matrix)).all() else float("nan")
        print(f"same class (diagonal) mean {diagonal:.4f}; different classes mean "
              f"{float(np.nanmean(matrix[off_diagonal])):.4f}")
        masked = np.where(off_diagonal, matrix, np.nan)
        if not np.isnan(masked).all():
            high = np.unravel_index(np.nanargmax(masked), masked.shape)
            low = np.unravel_index(np.nanargmin(masked), masked.shape)
            print(f"most alike: {shown[high[0]]} and {shown[high[1]]} ({matrix[high]:.4f}); least alike: "
                  f"{shown[low[0]]} and {shown[low[1]]} ({matrix[low]:.4f})")
    if args.csv:
        Path(args.csv).write_text(similarity_matrix_csv(matrix, shown), encoding="utf-8")
        print(f"wrote {args.csv}")
    if args.pair:
        first, second = args.pair
        for value in (first, second):
            if value not in classes:
                raise ValueError(f"--pair takes class indices 0 to {len(class_names) - 1} present in the test "
                                 f"split, received {value}.")
        samples = [int(np.flatnonzero(labels == value)[0]) for value in (first, second)]
        pair_maps = _layer_maps(engine, images[samples], layer)[..., args.filter]
        similarity = log_spectrum_similarity(pair_maps[0], pair_maps[1], exclude_dc=args.exclude_dc)
        print(f"pair: first test samples of {class_names[first]} (#{samples[0]}) and {class_names[second]} "
              f"(#{samples[1]}): similarity {similarity:.4f}")
        for value, sample, single in zip((first, second), samples, pair_maps):
            low_all = low_frequency_fraction(single, cutoff=args.cutoff)
            low_ac = low_frequency_fraction(single, cutoff=args.cutoff, exclude_dc=True)
            print(f"  {class_names[value]} (#{sample}): power below {args.cutoff} cycles/pixel "
                  f"{low_all:.1%} ({low_ac:.1%} without the zero frequency)")
    return 0


def _output_shapes(engine, image) -> list[tuple[int, ...]]:
    """Every layer's output shape (without the batch axis), in layer order."""
    maps = engine.feature_maps(image)
    return [tuple(maps[name].shape[1:]) for name in engine.layer_names()]


def _layer_maps(engine, images, layer: str, batch_size: int = 256):
    """One layer's outputs for many images, computed in batches."""
    import numpy as np

    return np.concatenate([engine.feature_maps(images[start:start + batch_size])[layer]
                           for start in range(0, len(images), batch_size)])


# -- dead ----------------------------------------------------------------------------------------

def _command_dead(args: argparse.Namespace) -> int:
    import numpy as np

    from cnnviz.core.pruning import dead_filters, max_abs_activation, prune_filters

    if args.out and not args.prune:
        raise ValueError("--out saves the pruned model; add --prune.")
    engine, path, specs = _open_model(args.model)
    names = engine.layer_names()
    weights = engine.get_weights()
    if args.layer is None:
        layers = [name for name in names if specs[name].kind == "conv2d"]
        if not layers:
            raise ValueError(f"{path.name} has no conv2d layer; name a dense layer with --layer.")
    else:
        _check_layer(args.layer, specs, ("conv2d", "dense"), "choose a conv2d or dense layer")
        layers = [args.layer]
    images, labels, _, dataset = _test_split(engine, args.samples)
    activity = {name: None for name in layers}
    for start in range(0, len(images), 256):
        maps = engine.feature_maps(images[start:start + 256])
        for name in layers:
            batch = max_abs_activation(maps[name])
            activity[name] = batch if activity[name] is None else np.maximum(activity[name], batch)
    print(f"model: {path}")
    print(f"dead filters (report §5.2): kernel norm <= {args.kernel_tolerance:g} x the layer's largest, or "
          f"|output| <= {args.activity_tolerance:g} on all {len(images)} {dataset} test images")
    reports = {}
    for name in layers:
        report = dead_filters(weights[name]["kernel"], kernel_tolerance=args.kernel_tolerance,
                              activity_tolerance=args.activity_tolerance, max_activation=activity[name])
        reports[name] = report
        norms = report.kernel_norms
        unit = "filters" if specs[name].kind == "conv2d" else "units"
        print(f"{name}: {report.num_filters} {unit}; near-zero kernels: {_indices(report.near_zero_kernels)}; "
              f"never active: {_indices(report.never_active)}")
        print(f"  smallest kernel norm {norms.min():.3g} (largest {norms.max():.3g}); smallest peak output "
              f"{report.max_activation.min():.3g} ({unit[:-1]} {int(report.max_activation.argmin())})")
    if not args.prune:
        return 0
    test_images, test_labels, _, _ = _test_split(engine)
    _, before = engine.evaluate(test_images, test_labels)
    pruned = weights
    for name, report in reports.items():
        if report.dead:
            pruned = prune_filters(pruned, name, report.dead, names)
            print(f"{name}: pruned {len(report.dead)} ({_indices(report.dead)})")
        else:
            print(f"{name}: nothing to prune")
    engine.set_weights(pruned)
    _, after = engine.evaluate(test_images, test_labels)
    print(f"test accuracy {before:.4f} -> {after:.4f} after pruning ({len(test_labels)} {dataset} test images)")
    if args.out:
        saved = engine.save(args.out)
        print(f"saved the pruned model to {saved or args.out}")
    return 0


def _indices(indices) -> str:
    return ", ".join(str(index) for index in indices) if indices else "none"


# -- the parsers ---------------------------------------------------------------------------------

def add_science_commands(commands) -> None:
    """Add ``symmetry``, ``flip``, ``spectra`` and ``dead`` to an argparse sub-parsers object.

    Each sub-parser sets ``handler``: a function of the parsed arguments returning an exit status,
    raising ``ValueError`` with a readable message for a user error.
    """
    model_help = "a .npz or .keras model file made by cnnviz, or a run folder from cnnviz train"

    symmetry = commands.add_parser(
        "symmetry", help="check weight-space symmetries of a hidden layer (report §1.1)",
        description="Permute a hidden layer's units, flip the signs of some, and rescale them, each with "
                    "the matching incoming and outgoing weights, and measure how much the predictions "
                    "change on test images. Permutations keep the network's function for every activation; "
                    "sign flips only for odd ones (tanh, linear); positive rescaling for relu and linear. "
                    "Prints M and the number M!·2^M of equivalent weight vectors.")
    symmetry.add_argument("--model", metavar="FILE",
                          help=model_help + " (default: the bundled reference model, a relu dense layer)")
    symmetry.add_argument("--layer", metavar="NAME",
                          help="the hidden dense (or conv2d) layer (default: the first hidden dense layer)")
    symmetry.add_argument("--samples", type=int, default=1000, metavar="N",
                          help="number of test images to compare predictions on (default 1000)")
    symmetry.add_argument("--seed", type=int, default=0, help="seed of the random permutation, signs and scales")
    symmetry.set_defaults(handler=_command_symmetry)

    flip = commands.add_parser(
        "flip", help="backprop through a conv layer as a convolution with the flipped kernel (report §4.3)",
        description="Compute the gradient with respect to a convolution layer's input as the full "
                    "convolution of the (dilated, for strides above 1) pre-activation gradient with the "
                    "kernel rotated by 180°, and compare it with the engine's own backpropagation. "
                    "The input is a test sample of the model's dataset or a random image (pictures from "
                    "files are not read here; use cnnviz inspect for those).")
    flip.add_argument("--model", required=True, metavar="FILE", help=model_help)
    flip.add_argument("--layer", metavar="NAME", help="the conv2d layer (default: the deepest one)")
    source = flip.add_mutually_exclusive_group(required=True)
    source.add_argument("--sample", type=int, metavar="N", help="test sample N of the model's dataset")
    source.add_argument("--random", action="store_true", help="a random image instead of a test sample")
    flip.add_argument("--seed", type=int, default=0, help="seed of the random image (with --random)")
    flip.set_defaults(handler=_command_flip)

    spectra = commands.add_parser(
        "spectra", help="class-by-class similarity of a filter's feature-map spectra (report §5.1)",
        description="For one filter of a layer, compute the log-magnitude Fourier spectrum of its feature "
                    "map for N test images of every class, and print the mean cosine similarity between "
                    "the spectra of every pair of classes (on the diagonal, between different images of "
                    "the same class).")
    spectra.add_argument("--model", required=True, metavar="FILE", help=model_help)
    spectra.add_argument("--layer", metavar="NAME",
                         help="a layer with feature maps (default: the first conv2d layer)")
    spectra.add_argument("--filter", type=int, default=0, metavar="K", help="the filter (default 0)")
    spectra.add_argument("--samples-per-class", type=int, default=20, metavar="N",
                         help="test images per class (default 20)")
    spectra.add_argument("--exclude-dc", action="store_true",
                         help="leave the zero frequency (each map's mean) out of the spectra")
    spectra.add_argument("--csv", metavar="OUT.csv", help="also write the matrix as CSV")
    spectra.add_argument("--pair", type=int, nargs=2, metavar=("A", "B"),
                         help="also compare the first test samples of classes A and B (e.g. 4 7) and print "
                              "how much of each map's power is at low frequencies")
    spectra.add_argument("--cutoff", type=float, default=0.25, metavar="F",
                         help="low-frequency limit for --pair, in cycles per pixel (default 0.25)")
    spectra.set_defaults(handler=_command_spectra)

    dead = commands.add_parser(
        "dead", help="find dead filters and optionally prune them (report §5.2)",
        description="Report filters whose kernel is near zero (its norm at most a fraction of the "
                    "layer's largest) and filters that are never active (|output| at most a tolerance "
                    "on every test image). With --prune, zero their kernels and biases and print the test "
                    "accuracy before and after.")
    dead.add_argument("--model", required=True, metavar="FILE", help=model_help)
    dead.add_argument("--layer", metavar="NAME",
                      help="a conv2d or dense layer (default: every conv2d layer)")
    dead.add_argument("--samples", type=int, default=1000, metavar="N",
                      help="test images to look for activity on (default 1000)")
    dead.add_argument("--kernel-tolerance", type=float, default=1e-3, metavar="T",
                      help="near-zero: kernel norm <= T x the layer's largest norm (default 1e-3)")
    dead.add_argument("--activity-tolerance", type=float, default=1e-6, metavar="T",
                      help="never active: |output| <= T everywhere (default 1e-6)")
    dead.add_argument("--prune", action="store_true",
                      help="zero the dead filters' kernels and biases and compare test accuracy")
    dead.add_argument("--out", metavar="FILE", help="with --prune, save the pruned model here")
    dead.set_defaults(handler=_command_dead)
