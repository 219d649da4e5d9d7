"""``cnnviz visualize`` (activation maximization of a layer's filters) and ``cnnviz top`` (the dataset
images that excite each filter most), written as arrays and PNGs without a display."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cnnviz.cli.common import CommandError

PICTURE_SCALE = 4
"""Each pixel of a written picture becomes a square this many pixels wide."""


def parse_filters(text: str | None, count: int) -> list[int]:
    """``"A-B"``, ``"A"`` or ``"A,B,C-D"`` as filter numbers in ``[0, count)``; every filter when None."""
    if text is None:
        return list(range(count))
    numbers: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            low = int(first)
            high = int(last) if dash else low
        except ValueError:
            raise CommandError(f"--filters takes numbers and ranges such as 0-7 or 1,4,9-12, received {text!r}.") \
                from None
        if not 0 <= low <= high < count:
            raise CommandError(f"--filters {text!r} is outside this layer's {count} filters (0 to {count - 1}); "
                               "a range is written low-high.")
        numbers.extend(range(low, high + 1))
    return list(dict.fromkeys(numbers))


def _open(args: argparse.Namespace):
    from cnnviz.cli.inspection import check_out_folder
    from cnnviz.engines.registry import load_engine, resolve_model_path
    from cnnviz.science.feature_vis import layer_shape, visualizable_layers

    out = Path(args.out)
    check_out_folder(out, args.overwrite, args.command)
    engine = load_engine(resolve_model_path(args.model))
    layers = visualizable_layers(engine)
    if args.layer not in layers:
        raise CommandError(f"--layer {args.layer!r} is not a layer whose units can be shown; this model's are: "
                           f"{', '.join(layers)}.")
    return engine, out, layer_shape(engine, args.layer)


def _settings(args: argparse.Namespace):
    from cnnviz.science.feature_vis import Settings

    values = {"steps": args.steps, "learning_rate": args.learning_rate, "l2": args.l2,
              "total_variation": args.tv, "jitter": args.jitter, "rotation": args.rotation, "scaling": args.scaling,
              "blur_sigma": args.blur, "blur_every": args.blur_every, "position": args.objective, "seed": args.seed,
              "decay": args.decay}
    values = {key: value for key, value in values.items() if value is not None}
    return Settings(parameterization="fourier" if args.fourier else "pixels", bounded=args.bounded, **values)


def _command_visualize(args: argparse.Namespace) -> int:
    import numpy as np

    from cnnviz.core.png import to_bytes, write_png
    from cnnviz.core.spectra import magnitude_spectrum
    from cnnviz.science.feature_vis import FeatureVisResult, visualize_steps

    engine, out, shape = _open(args)
    units = parse_filters(args.filters, shape[-1])
    settings = _settings(args)
    out.mkdir(parents=True, exist_ok=True)
    result = None
    for event in visualize_steps(engine, args.layer, units, settings):
        if isinstance(event, FeatureVisResult):
            result = event
        elif sys.stderr.isatty():
            sys.stderr.write(f"\rstep {event.step}/{event.num_steps}  mean objective {float(event.values.mean()):.4f}")
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    assert result is not None
    lines = ["filter,objective,peak"]
    for unit, image, value, peak in zip(result.units, result.images, result.values, result.peaks):
        spectrum = magnitude_spectrum(image, log=True)  # (h, w, c), zero frequency centred
        np.save(out / f"{unit}.npy", image)
        np.save(out / f"{unit}_spectrum.npy", spectrum)
        write_png(out / f"{unit}.png", to_bytes(image), PICTURE_SCALE)
        write_png(out / f"{unit}_spectrum.png", to_bytes(spectrum.mean(axis=-1)), PICTURE_SCALE)
        lines.append(f"{unit},{value:.6g},{peak:.6g}")
        print(f"filter {unit}: objective {value:.4f}, peak {peak:.4f}")
    (out / "activations.csv").write_text("\n".join(lines) + "\n")
    print(f"wrote {len(result.units)} filters' images and spectra (.npy, .png) and activations.csv to {out}")
    return 0


def _command_top(args: argparse.Namespace) -> int:
    import numpy as np

    from cnnviz.core.png import mosaic, to_bytes, write_png
    from cnnviz.science.feature_vis.top_images import TopImages, load_images, top_images_steps

    engine, out, shape = _open(args)
    units = parse_filters(args.filters, shape[-1])
    images = load_images(engine, args.split, args.images, args.dataset)
    result = None
    for event in top_images_steps(engine, images, args.layer, args.count):
        if isinstance(event, TopImages):
            result = event
        elif sys.stderr.isatty():
            sys.stderr.write(f"\rimages {event[0]}/{event[1]}")
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    assert result is not None
    out.mkdir(parents=True, exist_ok=True)
    lines = ["filter,rank,index,activation,row,column,top,bottom,left,right"]
    low, high = float(images.min()), float(images.max())
    for unit in units:
        np.save(out / f"{unit}_images.npy", result.images[unit])
        tiles = [to_bytes(image, (low, high)) for image in result.images[unit]]
        write_png(out / f"{unit}.png", mosaic(tiles, len(tiles)), PICTURE_SCALE)
        crops = [result.crop(unit, rank) for rank in range(result.indices.shape[1])]
        size = max(crop.shape[0] for crop in crops), max(crop.shape[1] for crop in crops)
        padded = [np.pad(to_bytes(crop, (low, high)), [(0, size[0] - crop.shape[0]), (0, size[1] - crop.shape[1])]
                         + [(0, 0)] * (crop.ndim - 2)) for crop in crops]
        write_png(out / f"{unit}_crops.png", mosaic(padded, len(padded)), PICTURE_SCALE * 2)
        for rank in range(result.indices.shape[1]):
            row, column = result.positions[unit, rank]
            box = ",".join(str(int(value)) for value in result.boxes[unit, rank])
            lines.append(f"{unit},{rank},{result.indices[unit, rank]},{result.activations[unit, rank]:.6g},"
                         f"{row},{column},{box}")
    (out / "top_images.csv").write_text("\n".join(lines) + "\n")
    print(f"searched {len(images)} {args.split} images; wrote the top {result.indices.shape[1]} of {len(units)} "
          f"filters (.npy, .png, crops) and top_images.csv to {out}")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, metavar="RUN_DIR_OR_FILE",
                        help="a run folder from cnnviz train, or a .npz / .keras model file")
    parser.add_argument("--layer", required=True, metavar="L",
                        help="the layer (a convolution, pooling or dense layer)")
    parser.add_argument("--filters", metavar="A-B",
                        help="the filters (units, classes): 3, 0-7 or 1,4,9-12 (default all)")
    parser.add_argument("--out", required=True, metavar="DIR", help="the folder to write into (new or empty)")
    parser.add_argument("--overwrite", action="store_true", help="write into a folder that already holds files")


def add_feature_vis_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``visualize`` and ``top`` to the main parser's sub-commands."""
    visualize = commands.add_parser(
        "visualize", help="write each filter's optimized input (activation maximization) and its spectrum",
        description="Gradient ascent on the input for every chosen filter, dense unit or class of a layer; writes "
                    "N.npy (the optimized input, in the model's input shape), N_spectrum.npy (its centred log DFT "
                    "magnitude), PNGs of both, and activations.csv.")
    _common(visualize)
    visualize.add_argument("--fourier", action="store_true",
                           help="optimize in a Fourier basis scaled by 1/f (default: the pixels)")
    visualize.add_argument("--steps", type=int, help="gradient-ascent steps (default 256)")
    visualize.add_argument("--learning-rate", type=float, help="Adam's step size (default 0.05)")
    visualize.add_argument("--l2", type=float, help="L2 decay's weight (default 0.5; 0 turns it off)")
    visualize.add_argument("--tv", type=float, help="total variation's weight (default 0)")
    visualize.add_argument("--jitter", type=int, help="largest random shift in pixels (default 1)")
    visualize.add_argument("--rotation", type=float, help="largest random rotation in degrees (default 0)")
    visualize.add_argument("--scaling", type=float, help="largest relative random scaling, e.g. 0.1 (default 0)")
    visualize.add_argument("--blur", type=float, help="Gaussian blur's sigma in pixels (default 0, off)")
    visualize.add_argument("--blur-every", type=int, help="blur every N steps (default 4)")
    visualize.add_argument("--decay", type=float, help="--fourier: the spectrum's exponent (default 1, 1/f)")
    visualize.add_argument("--objective", choices=("channel", "neuron"),
                           help="a filter's mean over positions (channel, default) or its centre value (neuron)")
    visualize.add_argument("--bounded", action="store_true",
                           help="keep the input in the data's range 0-1 (default: free, held by the L2 decay)")
    visualize.add_argument("--seed", type=int, help="seeds the start and the random warps (default 0)")
    visualize.set_defaults(handler=_command_visualize)
    top = commands.add_parser(
        "top", help="write the dataset images (and receptive-field crops) that excite each filter most",
        description="Run a dataset split through the model and write, for every chosen filter of a layer, the "
                    "images with its largest activation: N_images.npy, N.png, N_crops.png and top_images.csv.")
    _common(top)
    top.add_argument("--count", type=int, default=9, help="images per filter (default 9)")
    top.add_argument("--split", choices=("train", "test"), default="train", help="the dataset split searched")
    top.add_argument("--images", type=int, metavar="N", help="search only the first N images of the split")
    from cnnviz.cli.common import BUILT_IN_DATASETS

    top.add_argument("--dataset", choices=BUILT_IN_DATASETS, help="the dataset (default: the model's own)")
    top.set_defaults(handler=_command_top)
