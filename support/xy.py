"""XY model on the periodic square lattice: observables, vortices, T = 0 fields of charge maps, spin waves.

Array layout, plaquette orientation and the bond-angle sign follow the conventions of the package
docstring (:mod:`support`): angles ``theta`` ``(..., L, L)`` with axis ``-2`` = ``i`` (y, rows) and
axis ``-1`` = ``j`` (x, columns), periodic; :func:`vortices` and :func:`bond_angles` implement them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

TWO_PI = 2.0 * np.pi
T_KT = 0.893  # Kosterlitz-Thouless temperature of the 2D XY model (J = k_B = 1)


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
# per-configuration observables
# ---------------------------------------------------------------------------------------------

def energy(theta: np.ndarray, J: float = 1.0) -> np.ndarray:
    """Total energy ``H = -J sum_<ij> cos(theta_i - theta_j)``, each bond once. Shape ``(...)``."""
    t = _check_field(theta).astype(np.float64, copy=False)
    bx, by = bond_angles(t)
    return -J * (np.cos(bx) + np.cos(by)).sum(axis=(-2, -1))


def energy_per_site(theta: np.ndarray, J: float = 1.0) -> np.ndarray:
    """Energy per site ``H / L^2``. Shape ``(...)``."""
    t = _check_field(theta)
    return energy(t, J) / (t.shape[-1] * t.shape[-2])


def magnetization(theta: np.ndarray) -> np.ndarray:
    """Magnitude of the magnetization per site ``|M| = |sum_i S_i| / N`` in ``[0, 1]``. Shape ``(...)``."""
    t = _check_field(theta).astype(np.float64, copy=False)
    mx = np.cos(t).mean(axis=(-2, -1))
    my = np.sin(t).mean(axis=(-2, -1))
    return np.hypot(mx, my)


def vorticity(theta: np.ndarray) -> np.ndarray:
    """Vortex density: mean of ``|k|`` over the plaquettes of each sample. Shape ``(...)``."""
    return np.abs(vortices(theta)).mean(axis=(-2, -1))


# ---------------------------------------------------------------------------------------------
# ensemble observables (leading axis = samples)
# ---------------------------------------------------------------------------------------------

def _check_T(T: float) -> float:
    T = float(T)
    if not T > 0:
        raise ValueError(f"temperature must be > 0, got {T}")
    return T


def specific_heat(energy_total: np.ndarray, T: float, N: int) -> float:
    """Specific heat per site ``C_v = (<E^2> - <E>^2) / (N T^2)`` from total energies of samples."""
    e = np.asarray(energy_total, dtype=np.float64)
    return float(e.var() / (int(N) * _check_T(T) ** 2))


def susceptibility(magnetization: np.ndarray, T: float, N: int) -> float:
    """Susceptibility ``chi = N (<M^2> - <|M|>^2) / T`` from per-site magnetizations ``|M|`` of samples."""
    m = np.abs(np.asarray(magnetization, dtype=np.float64))
    return float(int(N) * ((m ** 2).mean() - m.mean() ** 2) / _check_T(T))


def helicity_modulus(theta: np.ndarray, T: float, J: float = 1.0) -> float:
    """Helicity modulus (spin stiffness), the standard ensemble estimator averaged over x and y.

    ``Upsilon_mu = (1/N) [ J <sum cos(d_mu theta)> - (J^2 / T) <(sum sin(d_mu theta))^2> ]``
    with the sums over all bonds along ``mu``; the spin-wave limit is ``J (1 - T / 4)``.

    Args:
        theta: samples ``(n, L, L)`` of one ensemble.
        T: temperature.
        J: coupling.
    """
    t = _check_field(theta).astype(np.float64, copy=False)
    T = _check_T(T)
    if t.ndim != 3:
        raise ValueError(f"helicity_modulus expects samples of shape (n, L, L), got {t.shape}")
    N = t.shape[-1] * t.shape[-2]
    ups = 0.0
    for d in bond_angles(t):
        c = np.cos(d).sum(axis=(-2, -1))
        s = np.sin(d).sum(axis=(-2, -1))
        ups += (J * c.mean() - J ** 2 / T * (s ** 2).mean()) / N
    return float(ups / 2)


def correlation_function(theta: np.ndarray, max_r: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Spin correlation ``C(r) = <S_i . S_j>`` versus minimum-image distance ``r = |i - j|``.

    Averaged over all pairs at that distance and over the samples (leading axes), via FFT.

    Args:
        theta: ``(..., L, L)`` samples.
        max_r: keep distances ``<= max_r`` (default: all, up to ``L / sqrt(2)``).

    Returns:
        ``(r, C)``, both 1-D float arrays sorted by ``r``; ``r[0] = 0`` with ``C = 1``.
    """
    t = _check_field(theta).astype(np.float64, copy=False)
    L = t.shape[-1]
    t = t.reshape(-1, L, L)
    fc, fs = np.fft.fft2(np.cos(t)), np.fft.fft2(np.sin(t))
    corr = np.fft.ifft2(np.abs(fc) ** 2 + np.abs(fs) ** 2).real.mean(axis=0) / (L * L)
    d = np.minimum(np.arange(L), L - np.arange(L))
    r2 = d[:, None] ** 2 + d[None, :] ** 2
    keys, inverse = np.unique(r2.ravel(), return_inverse=True)
    sums = np.bincount(inverse, weights=corr.ravel())
    counts = np.bincount(inverse)
    r, C = np.sqrt(keys), sums / counts
    if max_r is not None:
        keep = r <= max_r + 1e-9
        r, C = r[keep], C[keep]
    return r, C


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


#: keys of :func:`ensemble_observables`, in the order tables and figures show them
ENSEMBLE_OBSERVABLES = ("nu", "abs_m", "energy", "cv", "helicity", "chi")


def ensemble_observables(theta: np.ndarray, T: float, J: float = 1.0) -> dict[str, float]:
    """The six scalar ensemble observables of samples ``(n, L, L)`` at temperature ``T``.

    Returns:
        dict with ``nu`` (mean vortex density, :func:`vorticity`), ``abs_m`` (<|M|>), ``energy``
        (<E>/N), ``cv`` (:func:`specific_heat`), ``helicity`` (:func:`helicity_modulus`) and ``chi``
        (:func:`susceptibility`).

    Raises:
        ValueError: fewer than two samples (no fluctuation observable) or not ``(n, L, L)``.
    """
    t = _check_field(theta)
    if t.ndim != 3 or len(t) < 2:
        raise ValueError(f"need an ensemble of at least 2 fields (n, L, L), got {t.shape}")
    N = t.shape[-1] * t.shape[-2]
    e, m = energy(t, J), magnetization(t)
    return {"nu": float(vorticity(t).mean()), "abs_m": float(m.mean()), "energy": float(e.mean() / N),
            "cv": specific_heat(e, T, N), "helicity": helicity_modulus(t, T, J), "chi": susceptibility(m, T, N)}


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


# ---------------------------------------------------------------------------------------------
# T = 0 field of a charge map (Villain / Coulomb gas) and Gaussian spin waves
# ---------------------------------------------------------------------------------------------

def _lattice_laplacian_eigs(L: int) -> np.ndarray:
    q = TWO_PI * np.fft.fftfreq(L)
    return 2 * np.cos(q)[:, None] + 2 * np.cos(q)[None, :] - 4  # <= 0, zero at q = 0


def villain_field(charges: np.ndarray) -> np.ndarray:
    """Torus-periodic T = 0 angle field of a charge map (the Villain / Coulomb-gas solution).

    Integer "Dirac strings" ``n`` on the bonds with lattice curl ``-k`` are built from cumulative
    sums; then ``theta`` minimises ``sum_bonds (grad theta - 2 pi n)^2`` (a discrete Poisson
    equation, solved by FFT with the zero mode dropped), and a global twist ``2 pi m / L`` per
    direction removes the string-dependent winding so the bond angles are the minimal ones.
    The bond differences are then the divergence-free field with curl ``2 pi k``; as long as each
    of them stays below ``pi`` in magnitude (true for isolated charges and for single pairs at
    any distance, including adjacent pairs, where the shared bond carries ``pi (1 - 1/L^2)``),
    ``vortices(villain_field(k)) == k`` exactly.

    Args:
        charges: ``(..., L, L)`` integer maps (validated with :func:`check_charges`).

    Returns:
        float64 angles ``(..., L, L)`` in ``[-pi, pi)``.
    """
    k = check_charges(charges).astype(np.int64)
    L = k.shape[-1]
    # column sums c[j] must vanish for row-cumulative strings; fix them with strings on row-0 y-bonds
    c = k.sum(axis=-2)                                          # (..., L)
    ny0 = -np.concatenate([np.zeros_like(c[..., :1]), np.cumsum(c, axis=-1)[..., :-1]], axis=-1)
    ny = np.zeros_like(k)
    ny[..., 0, :] = ny0                                         # y-bond (0, j) -> (1, j)
    src = k + np.roll(ny, -1, axis=-1) - ny                     # k[i,j] + ny[i,j+1] - ny[i,j]
    nx = np.concatenate([np.zeros_like(src[..., :1, :]), np.cumsum(src, axis=-2)[..., :-1, :]], axis=-2)
    # Poisson: lap(theta) = 2 pi div(n), div n = nx[i,j] - nx[i,j-1] + ny[i,j] - ny[i-1,j]
    div = nx - np.roll(nx, 1, axis=-1) + ny - np.roll(ny, 1, axis=-2)
    phi = _solve_poisson(TWO_PI * div)
    # remove the harmonic part left by the string choice: twist by 2 pi m / L, m = nearest integer
    mx = np.rint(nx.mean(axis=(-2, -1)) * L)[..., None, None]
    my = np.rint(ny.mean(axis=(-2, -1)) * L)[..., None, None]
    jj, ii = np.arange(L)[None, :], np.arange(L)[:, None]
    theta = phi + TWO_PI * (mx * jj + my * ii) / L
    # the intended (unwrapped) bond angles; each must stay below pi for the map to be read back
    bx = np.roll(phi, -1, axis=-1) - phi - TWO_PI * nx + TWO_PI * mx / L
    by = np.roll(phi, -1, axis=-2) - phi - TWO_PI * ny + TWO_PI * my / L
    bad = (np.abs(bx) > np.pi - _BOND_MARGIN) | (np.abs(by) > np.pi - _BOND_MARGIN)
    bad = bad.reshape(-1, L * L).any(axis=1)
    if bad.any():
        flat_t = theta.reshape(-1, L, L).copy()
        flat_bx, flat_by = bx.reshape(-1, L, L), by.reshape(-1, L, L)
        for b in np.flatnonzero(bad):
            flat_t[b] += _pin_bonds(flat_bx[b], flat_by[b])
        theta = flat_t.reshape(theta.shape)
    return wrap_angle(theta)


# bonds of the T = 0 field are kept at least this far below pi (float32 storage needs ~1e-6)
_BOND_MARGIN = 0.01


def _solve_poisson(rhs: np.ndarray) -> np.ndarray:
    """Periodic solution of ``lap(phi) = rhs`` (zero mode dropped) on the last two axes, by FFT."""
    lam = _lattice_laplacian_eigs(rhs.shape[-1])
    lam[0, 0] = 1.0
    phi_hat = np.fft.fft2(rhs) / lam
    phi_hat[..., 0, 0] = 0.0
    return np.fft.ifft2(phi_hat).real


def _pin_bonds(bx: np.ndarray, by: np.ndarray, max_iter: int = 5) -> np.ndarray:
    """Gradient correction ``chi`` that pulls bonds with ``|angle| > pi - margin`` back to ``pi - margin``.

    This is the quadratic (Villain) minimum with those bond angles held fixed: the Lagrange
    multipliers are dipole sources at the bond ends, so ``chi`` is a sum of lattice Green's
    function dipoles. It happens for adjacent pairs, where the unconstrained minimum puts
    ``pi (1 + 1/L^2)`` on the shared bond (the uniform twist that makes the field single-valued
    adds ``2 pi / L^2`` to the pure-curl value ``pi (1 - 1/L^2)``).
    """
    L = bx.shape[-1]
    chi = np.zeros((L, L))
    pinned: list[tuple[int, int, int]] = []           # (axis, i, j): axis 0 = x-bond, 1 = y-bond
    target = np.pi - _BOND_MARGIN
    for _ in range(max_iter):
        gx = bx + np.roll(chi, -1, axis=-1) - chi
        gy = by + np.roll(chi, -1, axis=-2) - chi
        new = [(0, i, j) for i, j in zip(*np.nonzero(np.abs(gx) > target + 1e-12))]
        new += [(1, i, j) for i, j in zip(*np.nonzero(np.abs(gy) > target + 1e-12))]
        new = [b for b in new if b not in pinned]
        if not new:
            break
        pinned += new
        fields, rows = [], []
        for ax, i, j in pinned:
            src = np.zeros((L, L))
            i2, j2 = ((i, (j + 1) % L) if ax == 0 else ((i + 1) % L, j))
            src[i, j], src[i2, j2] = 1.0, -1.0
            fields.append(_solve_poisson(src))
        F = np.stack(fields)                               # (m, L, L)
        Fx, Fy = np.roll(F, -1, axis=-1) - F, np.roll(F, -1, axis=-2) - F
        R = np.array([[(Fx if ax == 0 else Fy)[k, i, j] for k in range(len(pinned))] for ax, i, j in pinned])
        base = np.array([(bx if ax == 0 else by)[i, j] for ax, i, j in pinned])
        lam = np.linalg.solve(R, np.sign(base) * target - base)
        chi = np.tensordot(lam, F, axes=1)
    return chi


def spin_waves(L: int, T: float, n: int, rng: np.random.Generator, J: float = 1.0) -> np.ndarray:
    """Gaussian spin-wave samples: angles with weight ``exp(-(J / 2T) sum_bonds (d theta)^2)``.

    The lattice propagator ``T / (J (4 - 2 cos q_x - 2 cos q_y))`` of the periodic lattice is
    applied to white noise by FFT; the zero mode (a global rotation) is dropped, so each sample
    has zero mean angle. Angles are returned unwrapped (the physics only sees them mod 2 pi).

    Returns:
        float64 ``(n, L, L)``.
    """
    L, n = int(L), int(n)
    T = float(T)
    if L < 2 or n < 0 or T < 0 or J <= 0:
        raise ValueError(f"need L >= 2, n >= 0, T >= 0, J > 0; got L={L}, n={n}, T={T}, J={J}")
    k = -_lattice_laplacian_eigs(L)
    k[0, 0] = 1.0
    filt = np.sqrt(T / (J * k))
    filt[0, 0] = 0.0
    noise = rng.standard_normal((n, L, L))
    return np.fft.ifft2(np.fft.fft2(noise) * filt).real


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
