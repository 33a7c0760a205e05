"""Small data sets for the training notebook: XOR, two moons, spirals, and real handwritten digits.

Everything is numpy and reproducible: each generator takes a ``seed`` and draws from its own
``np.random.default_rng(seed)``, never from numpy's global generator. Labels are integer class
indices, shape (N,); inputs are float arrays of shape (N, D).

``digits`` loads scikit-learn's bundled 8×8 handwritten digits (1,797 images scanned by UCI, made
by no one here). The file ships inside scikit-learn, so nothing is downloaded; scikit-learn is
imported only inside that function.
"""

from typing import NamedTuple

import numpy as np

from .checks import as_int, as_number, as_seed


def _check_noise(noise):
    return as_number(noise, "noise", 0, 10, what="a number from 0 to 10")


def xor():
    """The four points of XOR: X (4, 2) and labels y = x1 XOR x2, shape (4,)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    return X, y


def _split_counts(n, k):
    """n points over k classes, as evenly as possible: [n//k + 1, ..., n//k]."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def two_moons(n=200, noise=0.2, seed=0):
    """Two interleaving half circles (like scikit-learn's make_moons), centred on the origin.

    n: points in total (the first moon gets the odd one); noise: standard deviation of the
    Gaussian noise added to each coordinate. Returns X (n, 2) and y (n,) in {0, 1}.
    """
    n = as_int(n, "n", 2, 1_000_000)
    noise = _check_noise(noise)
    rng = np.random.default_rng(as_seed(seed))
    n0, n1 = _split_counts(n, 2)
    a0, a1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    upper = np.c_[np.cos(a0), np.sin(a0)]
    lower = np.c_[1.0 - np.cos(a1), 0.5 - np.sin(a1)]
    X = np.vstack([upper, lower]) - [0.5, 0.25]  # centre the pair on (0, 0)
    X = X + rng.normal(0.0, noise, size=X.shape)
    y = np.repeat([0, 1], [n0, n1])
    return X, y


def spirals(n=300, k=3, noise=0.2, seed=0):
    """k interleaved spiral arms (CS231n's spiral data), radius 0 to 1.

    n: points in total, split as evenly as possible over the k classes; noise: standard
    deviation of the Gaussian noise on each point's angle (radians). Returns X (n, 2), y (n,).
    """
    n = as_int(n, "n", 2, 1_000_000, what="a whole number from 2 to 1,000,000 (points)")
    k = as_int(k, "k", 2, n, what=f"a whole number from 2 to n = {n} (classes)")
    noise = _check_noise(noise)
    rng = np.random.default_rng(as_seed(seed))
    Xs, ys = [], []
    for c, m in enumerate(_split_counts(n, k)):
        r = np.linspace(0.05, 1.0, m)
        angle = np.linspace(c * 2 * np.pi / k, c * 2 * np.pi / k + 4.0, m)
        angle = angle + rng.normal(0.0, noise, size=m)
        Xs.append(np.c_[r * np.sin(angle), r * np.cos(angle)])
        ys.append(np.full(m, c))
    return np.vstack(Xs), np.concatenate(ys)


class Digits(NamedTuple):
    """scikit-learn's 8×8 digits, split: unpack as ``X_train, y_train, X_test, y_test = ...``.

    X_*: (N, 64) pixel intensities scaled to [0, 1] (the raw values are 0..16), one row per image,
    row by row; reshape a row to (8, 8) to see it. y_*: (N,) the digit, 0..9.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def digits(test_fraction=0.2, seed=0):
    """scikit-learn's bundled handwritten digits (1,797 images of 8×8 pixels), split in two.

    The split is stratified and seeded: from each digit's images, a ``test_fraction`` share
    (rounded) is drawn at random with ``np.random.default_rng(seed)`` for the test set; the rest
    are for training. Both keep the data set's original order. Returns a ``Digits`` tuple.
    """
    test_fraction = as_number(test_fraction, "test_fraction", 0, 1, True, True)
    seed = as_seed(seed)
    from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

    data = load_digits()
    X = data.data.astype(np.float64) / 16.0  # raw intensities are 0..16
    y = data.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    is_test = np.zeros(len(y), dtype=bool)
    for c in range(10):
        idx = np.flatnonzero(y == c)
        n_test = int(round(test_fraction * len(idx)))
        if not 0 < n_test < len(idx):  # a digit missing from one set: an empty split
            raise ValueError(
                f"test_fraction: expected a share that puts every digit in both sets (about "
                f"0.003 to 0.997), got {test_fraction}: {n_test} of digit {c}'s {len(idx)} images"
            )
        is_test[rng.permutation(idx)[:n_test]] = True
    return Digits(X[~is_test], y[~is_test], X[is_test], y[is_test])


__all__ = ["Digits", "digits", "spirals", "two_moons", "xor"]
