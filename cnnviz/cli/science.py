"""The report's experiments as ``cnnviz`` commands: ``symmetry``, ``flip``, ``spectra`` and ``dead``.

Each command opens a model file (``.npz`` or ``.keras``, or a run folder), runs an analysis of
:mod:`cnnviz.science` (the same code the application's Science panel runs) on test
images of the model's own dataset, and prints numbers a reader can compare with the report:

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

from cnnviz.cli.common import CommandError

DEFAULT_MODEL = "reference_model.npz"


# -- shared helpers ------------------------------------------------------------------------------

def _model_path(text: str | None) -> Path:
    """A model file from a file or a run folder; the bundled reference model when ``text`` is None."""
    if text is None:
        from cnnviz.core.resources import resource_path

        return resource_path(DEFAULT_MODEL)
    from cnnviz.engines.registry import resolve_model_path

    return resolve_model_path(text)


def _open_model(text: str | None):
    """``(engine, path)`` for a model made by cnnviz."""
    from cnnviz.engines.registry import load_engine

    path = _model_path(text)
    engine = load_engine(path)
    if engine.config is None:
        raise ValueError(f"{path.name} has no cnnviz configuration (a .keras model made elsewhere); these "
                         "commands need to know each layer's settings. Open a model saved by cnnviz.")
    return engine, path


def _indices(indices) -> str:
    return ", ".join(str(index) for index in indices) if indices else "none"


# -- symmetry ------------------------------------------------------------------------------------

def _command_symmetry(args: argparse.Namespace) -> int:
    from cnnviz import science
    from cnnviz.core.symmetry import ODD_ACTIVATIONS

    engine, path = _open_model(args.model)
    first = science.symmetry(engine, args.layer, "permutation", args.samples, args.seed)
    transforms = ["permutation", "sign_flip", "rescale"]
    if first.activation in ODD_ACTIVATIONS:
        transforms.append("permutation_sign_flip")
    results = [first] + [science.symmetry(engine, first.layer, transform, args.samples, args.seed)
                         for transform in transforms[1:]]
    print(f"model: {path}")
    print(f"layer: {first.layer} ({first.num_units} {first.activation} {first.unit_name}; outgoing weights in "
          f"{first.next_layer})")
    notes = {result.note for result in results if result.note}
    for note in sorted(notes):
        print(f"note: {note}")
    print(f"weight-space symmetries (report §1.1), M = {first.num_units} {first.activation} {first.unit_name}: "
          f"{first.symmetries.text()}")
    print(f"checked on {first.num_images} {first.dataset} test images; largest change of any class probability "
          f"(a symmetry when at most {first.tolerance:.0e}, float32 rounding):")
    for result in results:
        verdict = (f"<= {result.tolerance:.0e} -> unchanged: a symmetry" if result.is_symmetry else
                   f"> {result.tolerance:.0e} -> CHANGED: not a symmetry")
        print(f"  {result.description}: max |difference| = {result.max_abs_difference:.3g} {verdict}; "
              f"predicted class kept for {result.argmax_agreement:.1%}")
        print(f"    {result.explanation}")
    return 0


# -- flip ----------------------------------------------------------------------------------------

def _command_flip(args: argparse.Namespace) -> int:
    import numpy as np

    from cnnviz import science

    engine, path = _open_model(args.model)
    if args.random:
        rng = np.random.default_rng(args.seed)
        image = rng.random((1, *engine.config.input_shape)).astype(np.float32)
        label = None
        source = f"a random image (seed {args.seed})"
    else:
        split = science.load_test_split(engine)
        if not 0 <= args.sample < len(split.images):
            raise ValueError(f"--sample must be in [0, {len(split.images)}) for the {split.dataset} test split, "
                             f"received {args.sample}.")
        image, label = split.images[args.sample:args.sample + 1], int(split.labels[args.sample])
        source = f"{split.dataset} test sample {args.sample} (label {split.class_names[label]})"
    result = science.flip(engine, args.layer, image, label)
    kernel_height, kernel_width = result.kernel_size
    print(f"model: {path}")
    print(f"input: {source}; gradient of the {'loss' if result.target == 'loss' else result.target}")
    print(f"layer: {result.layer} ({kernel_height}x{kernel_width} kernels, {result.filters} filters, strides "
          f"{result.strides}, {result.padding} padding, {result.activation}); its input is {result.input_name}")
    print("backprop as a convolution with the 180°-flipped kernel (report §4.3): the gradient with "
          "respect to the layer's input equals the full convolution of the"
          + (" dilated" if max(result.strides) > 1 else "") + " pre-activation gradient with the flipped kernel")
    print(f"  largest |engine gradient| = {result.largest_engine_gradient:.3g}")
    comparison = result.comparison
    verdict = ("equal to float precision" if result.agrees else "they DIFFER by more than float rounding")
    print(f"  max |flipped - engine| = {comparison.max_abs_difference:.3g} "
          f"(relative {comparison.relative_difference:.3g} {'<=' if result.agrees else '>'} tolerance "
          f"{result.tolerance:.0e}) -> {verdict}")
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

    from cnnviz import science

    engine, path = _open_model(args.model)
    if args.pair:
        split = science.load_test_split(engine)
        present = [index for index in range(len(split.class_names)) if np.any(split.labels == index)]
        for value in args.pair:
            if value not in present:
                raise ValueError(f"--pair takes class indices 0 to {len(split.class_names) - 1} present in the "
                                 f"test split, received {value}.")
    if args.samples_per_class < 1:
        raise ValueError(f"--samples-per-class must be at least 1, received {args.samples_per_class}.")
    if args.resamples < 1:
        raise ValueError(f"--resamples must be at least 1, received {args.resamples}.")
    result = science.similarity_matrix(engine, args.layer, args.filter, args.samples_per_class,
                                       exclude_dc=args.exclude_dc, num_resamples=args.resamples, seed=args.seed)
    names = result.class_names
    print(f"model: {path}")
    print(f"layer {result.layer}, filter {result.filter_index}: feature maps {result.map_shape[0]}x"
          f"{result.map_shape[1]}, {result.samples_per_class} {result.dataset} test images per class")
    print("mean cosine similarity of the log-magnitude spectra log(1 + |F|) (report §5.1), "
          + ("zero frequency excluded" if result.exclude_dc else "zero frequency included") + ":")
    for line in _format_matrix(result.matrix, names):
        print(line)
    if result.is_empty:
        print("every map of this filter is zero (a dead filter): there is no spectrum to compare.")
    else:
        statistics = result.statistics
        print(f"same class (diagonal) mean {statistics.same_class_interval().text(4)}; different classes mean "
              f"{statistics.different_class_interval().text(4)}")
        high, low = result.most_alike, result.least_alike
        if high is not None and low is not None:
            print(f"most alike: {names[high[0]]} and {names[high[1]]} ({result.interval(high[0], high[1]).text(4)}); "
                  f"least alike: {names[low[0]]} and {names[low[1]]} ({result.interval(low[0], low[1]).text(4)})")
        print(f"verdict: {result.verdict_text()}")
        print(result.uncertainty_text().replace("Intervals in brackets", "intervals in brackets"))
    if args.csv:
        Path(args.csv).write_text(result.csv, encoding="utf-8")
        print(f"wrote {args.csv}")
    if args.pair:
        first, second = args.pair
        samples = [int(np.flatnonzero(split.labels == value)[0]) for value in (first, second)]
        pair = science.compare_pair(engine, result.layer, result.filter_index, split.images[samples[0]:samples[0] + 1],
                                    split.images[samples[1]:samples[1] + 1], exclude_dc=args.exclude_dc,
                                    cutoff=args.cutoff)
        print(f"pair: first test samples of {split.class_names[first]} (#{samples[0]}) and "
              f"{split.class_names[second]} (#{samples[1]}): similarity {pair.similarity:.4f}")
        print(f"  {pair.verdict_text()}")
        for value, sample, low_all, low_ac in ((first, samples[0], pair.low_frequency_a, pair.low_frequency_ac_a),
                                               (second, samples[1], pair.low_frequency_b, pair.low_frequency_ac_b)):
            print(f"  {split.class_names[value]} (#{sample}): power below {args.cutoff} cycles/pixel "
                  f"{low_all:.1%} ({low_ac:.1%} without the zero frequency)")
    return 0


# -- dead ----------------------------------------------------------------------------------------

def _command_dead(args: argparse.Namespace) -> int:
    from cnnviz import science

    if args.out and not args.prune:
        raise ValueError("--out saves the pruned model; add --prune.")
    engine, path = _open_model(args.model)
    found = science.dead_filters(engine, args.layer, args.samples, args.kernel_tolerance, args.activity_tolerance)
    print(f"model: {path}")
    print(f"dead filters (report §5.2): kernel norm <= {args.kernel_tolerance:g} x the layer's largest, or "
          f"|output| <= {args.activity_tolerance:g} on all {found.num_images} {found.dataset} test images")
    for entry in found.layers:
        report, unit = entry.report, entry.unit_name
        norms = report.kernel_norms
        print(f"{entry.layer}: {report.num_filters} {unit}; near-zero kernels: {_indices(report.near_zero_kernels)}; "
              f"never active: {_indices(report.never_active)}")
        print(f"  smallest kernel norm {norms.min():.3g} (largest {norms.max():.3g}); smallest peak output "
              f"{report.max_activation.min():.3g} ({unit[:-1]} {int(report.max_activation.argmin())})")
        print(f"  {entry.verdict_text(found.num_images)}")
    if not args.prune:
        return 0
    result = science.prune(engine, filters=found.dead, keep=True)
    for layer, indices in result.pruned:
        print(f"{layer}: pruned {len(indices)} ({_indices(indices)})" if indices else f"{layer}: nothing to prune")
    print(f"test accuracy {result.accuracy_before:.4f} -> {result.accuracy_after:.4f} after pruning "
          f"({result.num_images} {result.dataset} test images)")
    print(result.verdict_text())
    if args.out:
        from cnnviz.core.run_files import describe_os_error

        try:
            saved = engine.save(args.out)
        except OSError as error:
            # The engine removed its temporary file; the message says where and why.
            raise CommandError(f"Could not save the pruned model to {args.out}: {describe_os_error(error)}. "
                               "Free some space or choose another file (--out FILE).") from None
        print(f"saved the pruned model to {saved or args.out}")
    return 0


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
                    "Prints M and how many weight vectors are equivalent for the layer's activation: "
                    "M!·2^M for tanh, M! orderings times a continuous family of positive rescalings for relu.")
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
                    "the same class), each with a bootstrap interval over the images; the report's claims "
                    "(4 and 7 alike, 8 and 1 not) are called supported or contradicted only when the interval "
                    "of the difference from the different-class mean excludes zero.")
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
    spectra.add_argument("--resamples", type=int, default=1000, metavar="B",
                         help="bootstrap resamples of the test images for the intervals (default 1000)")
    spectra.add_argument("--seed", type=int, default=0,
                         help="seed of the bootstrap resampling (default 0; the same seed gives the same intervals)")
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
