"""T = 0 fields of XY charge maps (the Villain / Coulomb-gas solution) and Gaussian spin waves."""

from __future__ import annotations

import numpy as np

from support.xy.charges import TWO_PI, check_charges, wrap_angle

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
        fields = []
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
