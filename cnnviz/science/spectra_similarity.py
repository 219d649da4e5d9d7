"""Comparing feature-map spectra between many images: the maths behind the report's §5.1.

The report compares the spectra of digits (4 and 7 alike, 8 and 1 not). One pair of maps is
scored by :func:`cnnviz.core.spectra.log_spectrum_similarity`; here the same score is taken over
many images at once: :func:`pair_similarities` for every image of one stack against every image
of another, :func:`class_similarity_matrix` for its mean between every pair of classes (one FFT
per map and a ``K x K`` matrix product, however many maps there are), and
:func:`similarity_matrix_csv` writes such a matrix as text. How sure the means are is
:mod:`cnnviz.science.spectra_statistics`'s business. Pure NumPy, no engine.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from cnnviz.core.spectra import unit_log_spectra


def pair_similarities(maps_a: np.ndarray, maps_b: np.ndarray, exclude_dc: bool = False) -> np.ndarray:
    """:func:`log_spectrum_similarity` of every map of one stack with every map of another.

    These are the individual image-pair similarities that :func:`class_similarity_matrix`
    averages; their spread says how much one pair of images can differ from the mean.

    Parameters
    ----------
    maps_a : ndarray, shape (n_a, h, w)
    maps_b : ndarray, shape (n_b, h, w)
        Maps of the same size (h, w).
    exclude_dc : bool, default False

    Returns
    -------
    ndarray, shape (n_a, n_b), float64
        In [0, 1]; NaN in the rows and columns of all-zero maps (no spectrum).
    """
    _, (first, second) = class_map_stacks({0: maps_a, 1: maps_b})
    vectors_a, valid_a = unit_log_spectra(first, exclude_dc)
    vectors_b, valid_b = unit_log_spectra(second, exclude_dc)
    similarities = np.clip(vectors_a @ vectors_b.T, 0.0, 1.0)
    similarities[~valid_a, :] = np.nan
    similarities[:, ~valid_b] = np.nan
    return similarities


def class_map_stacks(feature_maps_by_class: dict[int, np.ndarray]) -> tuple[list, list[np.ndarray]]:
    """Each class's maps checked and as float64, in the order of the sorted class keys.

    Parameters
    ----------
    feature_maps_by_class : dict[int, ndarray of shape (n_k, h, w)]
        One filter's maps for ``n_k`` inputs of each class, all of the same size (h, w).

    Returns
    -------
    keys : list
        The sorted class keys.
    stacks : list of ndarray, shape (n_k, h, w), float64

    Raises
    ------
    ValueError
        For an empty dictionary, maps that are not ``(n, h, w)``, of different sizes, or not finite.
    """
    if not isinstance(feature_maps_by_class, dict) or not feature_maps_by_class:
        raise ValueError("feature_maps_by_class must be a non-empty dictionary {class: maps (n, h, w)}.")
    keys = sorted(feature_maps_by_class)
    stacks: list[np.ndarray] = []
    for key in keys:
        maps = np.asarray(feature_maps_by_class[key])
        if maps.ndim != 3 or maps.shape[0] == 0 or 0 in maps.shape[1:]:
            raise ValueError(f"The maps of class {key!r} must have shape (n, h, w) with n >= 1, received "
                             f"an array of shape {maps.shape}. For feature maps (n, h, w, filters), pick "
                             f"one filter: maps[..., k].")
        if not np.issubdtype(maps.dtype, np.number) or np.iscomplexobj(maps):
            raise ValueError(f"The maps of class {key!r} must hold real numbers, received dtype {maps.dtype}.")
        if stacks and maps.shape[1:] != stacks[0].shape[1:]:
            raise ValueError(f"Every class's maps must have the same size; class {keys[0]!r} has "
                             f"{stacks[0].shape[1:]} and class {key!r} has {maps.shape[1:]}.")
        maps = maps.astype(np.float64, copy=False)
        if not np.isfinite(maps).all():
            raise ValueError(f"The maps of class {key!r} hold NaN or infinite values.")
        stacks.append(maps)
    return keys, stacks


def class_similarity_matrix(feature_maps_by_class: dict[int, np.ndarray],
                            exclude_dc: bool = False) -> np.ndarray:
    """Mean log-spectrum similarity between the feature maps of every pair of classes.

    Entry ``(i, j)`` is the mean of :func:`log_spectrum_similarity` over every pair of one map of
    class ``i`` and one map of class ``j``; on the diagonal, over every pair of *different* maps of
    the class (a map is never compared with itself, which would always give 1). Because cosine
    similarity is bilinear in the unit-length spectra, the sum over all pairs is the dot product
    of the classes' summed unit spectra: the whole matrix costs one FFT per map and a ``K x K``
    matrix product, however many maps there are.

    Parameters
    ----------
    feature_maps_by_class : dict[int, ndarray of shape (n_k, h, w)]
        One filter's maps for ``n_k`` inputs of each class, all of the same size (h, w).
    exclude_dc : bool, default False
        As in :func:`log_spectrum_similarity`.

    Returns
    -------
    ndarray, shape (K, K), float64
        Rows and columns in the order of the sorted class keys; exactly symmetric. All-zero maps
        (no spectrum) are left out of the averages; an entry with no pair left (a class whose
        maps are all zero, or a single map on the diagonal) is NaN.

    Raises
    ------
    ValueError
        For an empty dictionary, maps that are not ``(n, h, w)``, or maps of different sizes.
    """
    _, stacks = class_map_stacks(feature_maps_by_class)
    # Each class's unit spectra summed, and how many of its maps have a spectrum at all.
    per_class = [unit_log_spectra(maps, exclude_dc) for maps in stacks]
    sums = np.stack([vectors.sum(axis=0) for vectors, _ in per_class])
    counts = np.array([valid.sum() for _, valid in per_class], dtype=np.float64)
    totals = sums @ sums.T
    pairs = np.outer(counts, counts)
    # On the diagonal, drop each map's similarity with itself: exactly 1 per valid map.
    totals[np.diag_indices_from(totals)] -= counts
    pairs[np.diag_indices_from(pairs)] -= counts
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.where(pairs > 0, totals / np.where(pairs > 0, pairs, 1.0), np.nan)
    matrix = np.clip((matrix + matrix.T) / 2, 0.0, 1.0)
    return matrix


def similarity_matrix_csv(matrix: np.ndarray, class_names) -> str:
    """A class-by-class matrix as CSV text: a header row of class names, then one row per class.

    Parameters
    ----------
    matrix : ndarray, shape (K, K)
    class_names : sequence of K str

    Returns
    -------
    str
        ``class,<name 1>,...`` then ``<name i>,<value>,...`` with values to six decimals (NaN
        written as ``nan``), lines ending in ``\\n``.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    names = [str(name) for name in class_names]
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] != len(names):
        raise ValueError(f"matrix must be square with one row per class name; received shape {matrix.shape} "
                         f"and {len(names)} class names.")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["class", *names])
    for name, row in zip(names, matrix):
        writer.writerow([name, *("nan" if np.isnan(value) else f"{value:.6f}" for value in row)])
    return buffer.getvalue()
