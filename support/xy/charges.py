"""XY fields on the periodic lattice: angles and bonds, exact and smooth vortex charges, charge maps, the field picture."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

TWO_PI = 2.0 * np.pi


# ---------------------------------------------------------------------------------------------
# exact and smooth vortices
# ---------------------------------------------------------------------------------------------

def wrap_angle(x: np.ndarray) -> np.ndarray:
    """Angles mapped into ``[-pi, pi)``."""
    return (np.asarray(x) + np.pi) % TWO_PI - np.pi


def _check_field(theta: Any, name: str = "theta") -> np.ndarray:
    theta = np.asarray(theta)
    if theta.ndim < 2 or theta.shape[-1] != theta.shape[-2]:
        raise ValueError(f"{name} must have shape (..., L, L), got {theta.shape}")
    return theta


def vortices(theta: np.ndarray) -> np.ndarray:
    """Exact vortex charge of every plaquette (eq. 2 of the cWGAN paper).

    The charge is the sum of the four wrapped angle differences around plaquette ``[i, j]``
    (corners ``(i,j) -> (i,j+1) -> (i+1,j+1) -> (i+1,j)``, periodic) divided by ``2 pi``.

    Args:
        theta: angles, shape ``(..., L, L)``.

    Returns:
        ``int8`` array ``(..., L, L)`` with entries in ``{-1, 0, 1}``.
    """
    t = _check_field(theta).astype(np.float64, copy=False)
    a = t
    b = np.roll(t, -1, axis=-1)            # (i, j+1)
    c = np.roll(b, -1, axis=-2)            # (i+1, j+1)
    d = np.roll(t, -1, axis=-2)            # (i+1, j)
    circ = wrap_angle(b - a) + wrap_angle(c - b) + wrap_angle(d - c) + wrap_angle(a - d)
    return np.rint(circ / TWO_PI).astype(np.int8)


def _roll(x: Any, shift: int, axis: int) -> Any:
    """``np.roll`` or ``torch.roll`` depending on the array type (keeps autograd)."""
    if isinstance(x, np.ndarray):
        return np.roll(x, shift, axis=axis)
    return x.roll(shift, dims=axis)


def bond_angles(theta: Any) -> tuple[Any, Any]:
    """Unwrapped bond angles ``(b_x, b_y)``, each ``(..., L, L)``: head minus tail along ``+j`` and ``+i``.

    ``b_x[..., i, j] = theta[i, j+1] - theta[i, j]`` and ``b_y[..., i, j] = theta[i+1, j] - theta[i, j]``
    (indices mod L): the sign convention of every bond angle in the package. Works on numpy arrays
    and torch tensors (autograd kept); wrap with :func:`wrap_angle` where a value in ``[-pi, pi)`` is needed.
    """
    return _roll(theta, -1, -1) - theta, _roll(theta, -1, -2) - theta


def matches_map(theta: np.ndarray, charges: np.ndarray) -> np.ndarray:
    """Whether each field's exact vortex map (:func:`vortices`) equals the requested map: bool ``(...)``."""
    return np.all(vortices(theta) == np.asarray(charges), axis=(-2, -1))


def smooth_vortices(spins: Any) -> Any:
    """Smooth vortex charge (eq. 3): a quarter of the sum of ``(S_a x S_b)_z`` around each plaquette.

    Works on numpy arrays and on torch tensors (differentiable; no numpy call touches a tensor).
    A perfect vortex (quarter turns on every edge) gives exactly ``+1``; for a smooth field the
    result is close to the exact charge and it is bounded by 1 in magnitude.

    Args:
        spins: ``(..., 2, L, L)`` with channels ``(cos theta, sin theta)``.

    Returns:
        ``(..., L, L)`` of the same array type and dtype.
    """
    if spins.ndim < 3 or spins.shape[-3] != 2:
        raise ValueError(f"spins must have shape (..., 2, L, L), got {tuple(spins.shape)}")
    cx, sy = spins[..., 0, :, :], spins[..., 1, :, :]

    def corners(f):
        fb = _roll(f, -1, -1)
        return f, fb, _roll(fb, -1, -2), _roll(f, -1, -2)

    ca, cb, cc, cd = corners(cx)
    sa, sb, sc, sd = corners(sy)
    # (S_a x S_b)_z = cos a sin b - sin a cos b = sin(theta_b - theta_a)
    total = (ca * sb - sa * cb) + (cb * sc - sb * cc) + (cc * sd - sc * cd) + (cd * sa - sd * ca)
    return 0.25 * total


def to_spins(theta: np.ndarray) -> np.ndarray:
    """``(..., L, L)`` angles -> ``(..., 2, L, L)`` unit vectors ``(cos, sin)`` (same float dtype)."""
    theta = np.asarray(theta)
    return np.stack([np.cos(theta), np.sin(theta)], axis=-3)


# ---------------------------------------------------------------------------------------------
# charge maps
# ---------------------------------------------------------------------------------------------

class PairDistance(NamedTuple):
    """A pair distance of the paper (rounded as printed there) and an integer displacement ``(di, dj)``."""

    d: float
    displacement: tuple[int, int]


#: The paper's vortex-antivortex distances with one displacement vector each (rows, columns).
PAIR_DISTANCES: tuple[PairDistance, ...] = tuple(PairDistance(d, v) for d, v in [
    (1.0, (0, 1)), (1.41, (1, 1)), (2.0, (0, 2)), (2.24, (1, 2)), (2.83, (2, 2)), (3.0, (0, 3)),
    (3.16, (1, 3)), (3.61, (2, 3)), (4.0, (0, 4)), (4.12, (1, 4)), (4.47, (2, 4)), (5.0, (0, 5)),
])


def symmetric_displacements(displacement: tuple[int, int]) -> list[tuple[int, int]]:
    """The distinct images of ``(di, dj)`` under the 8 symmetries of the square lattice."""
    di, dj = displacement
    out = []
    for a, b in ((di, dj), (dj, di)):
        for sa in (1, -1):
            for sb in (1, -1):
                v = (sa * a, sb * b)
                if v not in out:
                    out.append(v)
    return out


def check_charges(charges: np.ndarray) -> np.ndarray:
    """Validate charge maps ``(..., L, L)`` for the torus; return them as ``int8``.

    Raises:
        ValueError: non-square or non-integer maps, ``|k| > 1``, or a map whose total charge is
            not zero (impossible on a torus).
    """
    k = np.asarray(charges)
    if k.ndim < 2 or k.shape[-1] != k.shape[-2]:
        raise ValueError(f"charges must have shape (..., L, L), got {k.shape}")
    if not np.all(np.isfinite(k)) or not np.array_equal(k, np.rint(k)):
        raise ValueError("charges must be integers")
    if np.abs(k).max(initial=0) > 1:
        raise ValueError("charges must be in {-1, 0, +1}: the sampler keeps single vortices only")
    total = k.sum(axis=(-2, -1))
    if np.any(total != 0):
        raise ValueError(f"total vortex charge must be 0 on a torus, got {np.unique(total).tolist()}")
    return k.astype(np.int8)


def pair_map(L: int, displacement: tuple[int, int], position: tuple[int, int]) -> np.ndarray:
    """Charge map with ``+1`` at plaquette ``position`` and ``-1`` at ``position + displacement`` (mod L).

    Raises:
        ValueError: if the two plaquettes coincide modulo ``L``.
    """
    L = int(L)
    i, j = position
    di, dj = displacement
    if (di % L, dj % L) == (0, 0):
        raise ValueError(f"displacement {displacement} puts both charges on one plaquette for L={L}")
    k = np.zeros((L, L), np.int8)
    k[i % L, j % L] = 1
    k[(i + di) % L, (j + dj) % L] = -1
    return k


def pair_distance(charges: np.ndarray) -> np.ndarray:
    """Minimum-image distance between the ``+1`` and the ``-1`` of a one-pair charge map.

    Args:
        charges: ``(..., L, L)`` integer maps.

    Returns:
        float array ``(...)``: the distance for maps with exactly one ``+1`` and one ``-1``,
        ``0`` for maps without charges and ``nan`` for any other map.
    """
    k = _check_field(charges)
    L = k.shape[-1]
    flat = k.reshape(-1, L * L)
    out = np.full(flat.shape[0], np.nan)
    n_plus = (flat == 1).sum(axis=1)
    n_minus = (flat == -1).sum(axis=1)
    n_other = (np.abs(flat) > 1).sum(axis=1)
    empty = (n_plus == 0) & (n_minus == 0) & (n_other == 0)
    one = (n_plus == 1) & (n_minus == 1) & (n_other == 0)
    out[empty] = 0.0
    if one.any():
        p = np.argmax(flat[one] == 1, axis=1)
        m = np.argmax(flat[one] == -1, axis=1)
        di = np.abs(p // L - m // L)
        dj = np.abs(p % L - m % L)
        di, dj = np.minimum(di, L - di), np.minimum(dj, L - dj)
        out[one] = np.hypot(di, dj)
    return out.reshape(k.shape[:-2])


# ---------------------------------------------------------------------------------------------
# figure helper
# ---------------------------------------------------------------------------------------------

def plot_field(ax: Any, theta: np.ndarray, title: str = "", arrows: bool = True) -> Any:
    """Draw one XY field: angle as a cyclic colour, spins as arrows, vortices (+1 o, -1 s) on plaquettes.

    Returns the image (for a colorbar).
    """
    theta = np.asarray(theta, dtype=np.float64)
    L = theta.shape[-1]
    im = ax.imshow(wrap_angle(theta), cmap="twilight", vmin=-np.pi, vmax=np.pi, origin="lower",
                   interpolation="nearest")
    if arrows:
        jj, ii = np.meshgrid(np.arange(L), np.arange(L))
        ax.quiver(jj, ii, np.cos(theta), np.sin(theta), pivot="mid", scale=L * 1.3, width=0.004, color="k")
    k = vortices(theta)
    for sign, marker, color in ((1, "o", "crimson"), (-1, "s", "royalblue")):
        ii, jj = np.nonzero(k == sign)
        ax.scatter(jj + 0.5, ii + 0.5, marker=marker, s=60, facecolors="none", edgecolors=color, linewidths=2)
    ax.set_title(title)
    ax.set_xlabel("j (x, sites)")
    ax.set_ylabel("i (y, sites)")
    return im
