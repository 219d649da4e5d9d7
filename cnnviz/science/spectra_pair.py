"""One filter's feature maps for two inputs, their spectra and how alike they are (report §5.1).

:func:`compare_pair` runs two images through the model and compares one filter's maps: their
log spectra, the cosine similarity of those spectra and how the power spreads from low to high
frequencies. One pair has no spread of its own, so the similarity is placed among the
similarities of every pair of many test images
(:func:`cnnviz.science.spectra_statistics.similarity_rank`): "typical", or more or less alike
than usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cnnviz.core.spectra import (
    log_spectrum_similarity,
    low_frequency_fraction,
    magnitude_spectrum,
    radial_profile,
    spectrum_extent,
)
from cnnviz.science.checks import filter_number, integer, one_image, output_shapes, read_only, spatial_layer
from cnnviz.science.data import layer_maps, load_test_split
from cnnviz.science.spectra_similarity import pair_similarities
from cnnviz.science.spectra_statistics import SimilarityRank, similarity_rank

if TYPE_CHECKING:
    from cnnviz.engines.base import Engine

REFERENCE_IMAGES = 100
"""Test images whose pairwise spectrum similarities are the yardstick for one pair of inputs."""


@dataclass(frozen=True, eq=False)
class PairComparison:
    """One filter's feature maps for two inputs, their spectra and how alike they are.

    Attributes
    ----------
    layer : str
    filter_index : int
    image_a, image_b : ndarray, shape (h, w, c), float32, read-only
        The two inputs.
    map_a, map_b : ndarray, shape (mh, mw), float32, read-only
        The filter's feature map for each input.
    spectrum_a, spectrum_b : ndarray, shape (mh, mw), float32, read-only
        ``log(1 + |F|)`` of each map, zero frequency at ``(mh // 2, mw // 2)``
        (:func:`cnnviz.core.spectra.magnitude_spectrum`).
    similarity : float
        Cosine similarity of the log spectra, in [0, 1]; NaN when a map is all zero.
    exclude_dc : bool
        Whether the zero frequency was left out of ``similarity``.
    frequencies : ndarray, shape (bands,), read-only
        Centre of each radial band, cycles per pixel.
    profile_a, profile_b : ndarray, shape (bands,), read-only
        Fraction of each map's power ``|F|**2`` in each band (they sum to 1; zeros for a zero map).
    cutoff : float
        The low-frequency limit, cycles per pixel.
    low_frequency_a, low_frequency_b : float
        Fraction of each map's power at radial frequencies up to ``cutoff``.
    low_frequency_ac_a, low_frequency_ac_b : float
        The same without the zero frequency (the map's mean).
    rank : SimilarityRank or None
        Where ``similarity`` falls among the similarities of every pair of the first
        ``reference_images`` test images (:func:`cnnviz.science.spectra_statistics.similarity_rank`);
        None when no reference was asked for or the test images could not be read.
    reference : str
        Which test images those were, or why there is no rank.
    """

    layer: str
    filter_index: int
    image_a: np.ndarray
    image_b: np.ndarray
    map_a: np.ndarray
    map_b: np.ndarray
    spectrum_a: np.ndarray
    spectrum_b: np.ndarray
    similarity: float
    exclude_dc: bool
    frequencies: np.ndarray
    profile_a: np.ndarray
    profile_b: np.ndarray
    cutoff: float
    low_frequency_a: float
    low_frequency_b: float
    low_frequency_ac_a: float
    low_frequency_ac_b: float
    rank: SimilarityRank | None = None
    reference: str = ""

    @property
    def spectrum_extent(self) -> tuple[float, float, float, float]:
        """Where the spectra's pixels lie in frequency, for drawing (:func:`cnnviz.core.spectra.spectrum_extent`)."""
        return spectrum_extent(self.spectrum_a.shape)

    def verdict_text(self) -> str:
        """The similarity, and whether it stands out among pairs of test images (with the range it is
        judged against)."""
        dc = " (zero frequency left out)" if self.exclude_dc else ""
        if not np.isfinite(self.similarity):
            return (f"Similarity of the spectra: n/a — a map is all zero (a dead filter?); {self.layer}, filter "
                    f"{self.filter_index}.")
        head = f"Similarity of the spectra: {self.similarity:.3f}{dc}, {self.layer} filter {self.filter_index}"
        rank = self.rank
        if rank is None or not np.isfinite(rank.low):
            return f"{head}. {self.reference or 'There is no reference to judge it against.'}"
        middle = (f"the middle {rank.confidence:.0%} of {rank.num_reference_pairs:,} pairs of {self.reference} "
                  f"({rank.low:.3f}–{rank.high:.3f})")
        if rank.outcome == "typical":
            verdict = (f"not distinguishable from a pair of random test images: within {middle}, more alike than "
                       f"{rank.fraction_below:.0%} of them")
        else:
            side = "above" if rank.outcome == "more alike" else "below"
            verdict = f"{rank.outcome} than usual: {side} {middle}, more alike than {rank.fraction_below:.0%} of them"
        return f"{head} — {verdict}. One pair cannot show that two classes look alike; the class matrix can."


def compare_pair(engine: Engine, layer: str | None = None, filter_index: int = 0, image_a=None, image_b=None,
                 exclude_dc: bool = False, cutoff: float = 0.25, reference_images: int = REFERENCE_IMAGES,
                 dataset: str | None = None, data_dir: str | None = None) -> PairComparison:
    """One filter's feature maps for two inputs, their log spectra, similarity and radial profiles.

    One pair of images has no spread of its own to judge its similarity by; it is placed among the
    similarities of every pair of the first ``reference_images`` test images instead
    (:func:`cnnviz.science.spectra_statistics.similarity_rank`).

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A layer with feature maps (default: the first convolution).
    filter_index : int, default 0
    image_a, image_b : ndarray, shape (1, h, w, c)
        The two inputs, as the model takes them.
    exclude_dc : bool, default False
        Leave the zero frequency out of the similarity.
    cutoff : float, default 0.25
        Low-frequency limit in cycles per pixel.
    reference_images : int, default 100
        Test images whose pairwise similarities are the yardstick (0: none).
    dataset, data_dir : str, optional
        As in :func:`cnnviz.science.data.load_test_split`.

    Returns
    -------
    PairComparison
    """
    reference_images = integer(reference_images, "reference_images", minimum=0)
    first = one_image(image_a, "image_a", engine)
    second = one_image(image_b, "image_b", engine)
    if first.shape != second.shape:
        raise ValueError(f"image_a and image_b must have the same shape, received {first.shape} and "
                         f"{second.shape}.")
    maps = engine.feature_maps(np.concatenate([first, second]))
    shapes = output_shapes(engine, maps)
    layer = spatial_layer(engine, shapes, layer)
    filter_index = filter_number(filter_index, layer, shapes[layer][-1])
    outputs = np.asarray(maps[layer], dtype=np.float32)[..., filter_index]
    map_a, map_b = outputs[0], outputs[1]
    similarity = log_spectrum_similarity(map_a, map_b, exclude_dc=bool(exclude_dc))
    rank, reference = _reference_rank(engine, layer, filter_index, similarity, bool(exclude_dc), reference_images,
                                      first.shape[1:], dataset, data_dir)
    frequencies, profile_a = radial_profile(map_a)
    _, profile_b = radial_profile(map_b)
    return PairComparison(
        layer=layer, filter_index=filter_index,
        image_a=read_only(first[0]), image_b=read_only(second[0]),
        map_a=read_only(map_a), map_b=read_only(map_b),
        spectrum_a=read_only(magnitude_spectrum(map_a)[:, :, 0]),
        spectrum_b=read_only(magnitude_spectrum(map_b)[:, :, 0]),
        similarity=similarity,
        exclude_dc=bool(exclude_dc), frequencies=read_only(frequencies),
        profile_a=read_only(profile_a), profile_b=read_only(profile_b), cutoff=float(cutoff),
        low_frequency_a=low_frequency_fraction(map_a, cutoff=cutoff),
        low_frequency_b=low_frequency_fraction(map_b, cutoff=cutoff),
        low_frequency_ac_a=low_frequency_fraction(map_a, cutoff=cutoff, exclude_dc=True),
        low_frequency_ac_b=low_frequency_fraction(map_b, cutoff=cutoff, exclude_dc=True),
        rank=rank, reference=reference,
    )


def _reference_rank(engine: Engine, layer: str, filter_index: int, similarity: float, exclude_dc: bool, count: int,
                    input_shape: tuple[int, ...], dataset: str | None,
                    data_dir: str | None) -> tuple[SimilarityRank | None, str]:
    """``similarity`` among the similarities of every pair of the first ``count`` test images' maps,
    and which images those were (or why there is no rank)."""
    if count < 2:
        return None, "No reference images were asked for."
    try:
        split = load_test_split(engine, count, dataset=dataset, data_dir=data_dir)
    except (ValueError, OSError) as error:
        return None, f"There is no reference to judge it against: {error}"
    if split.images.shape[1:] != tuple(input_shape):
        return None, (f"There is no reference to judge it against: the {split.dataset} test images have shape "
                      f"{split.images.shape[1:]}, the inputs {tuple(input_shape)}.")
    maps = layer_maps(engine, split.images, layer)[..., filter_index]
    pairs = pair_similarities(maps, maps, exclude_dc=exclude_dc)
    upper = pairs[np.triu_indices(len(maps), k=1)]
    return similarity_rank(similarity, upper), f"the first {len(maps)} {split.dataset} test images"
