"""Exact symmetries of the chiral magnet on a torus, and the canonical frame of a skyrmion lattice.

The Heisenberg + DMI + Zeeman Hamiltonian on an L×L torus ("Heisenberg conventions" in the
package docstring) is invariant under periodic translations and, acting on positions *and*
spins, under the point group C4v for Néel DMI (the in-plane spin components transform like a
polar vector, ``S^z`` is unchanged) or C4 for Bloch DMI (a mirror flips the Bloch chirality). Two uses: augmentation draws random elements
(:func:`support.vae.training.loop.augment_batch`), and the *canonical frame* picks one representative of
each lattice's orbit (a canonicalisation, Kaba et al. 2023), so that an autoencoder need not
spend latent directions on where the lattice sits and how it is turned:

1. orientation: of the point-group images of the lattice, the one whose hexagonal Bragg peaks
   (the phase of the sixfold moment ``A = Σ_k P(k) e^{6iφ_k}`` of the ``S^z`` power spectrum
   ``P``) lie closest to the angle ``6φ = π/4``; this folds the lattice orientation into a
   window of 15° out of 60°;
2. translation: the roll that moves a skyrmion core (the site whose 3×3-averaged ``S^z`` points
   most strongly against the mean magnetisation) to ``(L // 2, L // 2)``;
3. the 180° turn, which the power spectrum cannot see: applied (and the core re-centred) when
   the ``S^z`` dipole moment about the core, along the diagonal, is negative.

The frame is thus one representative per orbit of translations × point group, unique unless
two candidates tie exactly (ties go to the first candidate, so it is always deterministic), and
exactly invertible (:func:`from_canonical_frame`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch.nn import functional as F

#: A point-group element as (transpose, flip_i, flip_j), applied in that order. ``transpose``
#: swaps the i (y) and j (x) axes: positions (x, y) → (y, x), spins (Sx, Sy) → (Sy, Sx);
#: ``flip_j`` is the mirror x → −x with Sx → −Sx, ``flip_i`` the mirror y → −y with Sy → −Sy.
SymOp = tuple[bool, bool, bool]

_ALL_OPS: list[SymOp] = [(t, fi, fj) for t in (False, True) for fi in (False, True) for fj in (False, True)]


def symmetry_ops(dmi: str = "neel") -> list[SymOp]:
    """The point-group elements (including the identity) that leave ``H`` invariant.

    Néel DMI: all 8 elements of C4v. Bloch DMI: the 4 rotations of C4, i.e. the elements
    with an even number of mirrors (``transpose`` counts as one mirror).
    """
    if dmi == "neel":
        return list(_ALL_OPS)
    if dmi == "bloch":
        return [op for op in _ALL_OPS if sum(op) % 2 == 0]
    raise ValueError(f"dmi must be 'neel' or 'bloch', got {dmi!r}")


def apply_symmetry(spins, op: SymOp):
    """Apply one point-group element to spins ``(..., 3, L, L)`` (numpy array or torch tensor)."""
    transpose, flip_i, flip_j = op
    is_torch = isinstance(spins, torch.Tensor)
    s = spins
    if transpose:
        s = s.transpose(-1, -2) if is_torch else np.swapaxes(s, -1, -2)
        s = s[..., [1, 0, 2], :, :]
    if flip_i:
        s = torch.flip(s, dims=(-2,)) if is_torch else s[..., ::-1, :]
        s = s * _sign(s, 1, is_torch)
    if flip_j:
        s = torch.flip(s, dims=(-1,)) if is_torch else s[..., :, ::-1]
        s = s * _sign(s, 0, is_torch)
    return s if is_torch else np.ascontiguousarray(s)


def _sign(s, component: int, is_torch: bool):
    sign = [1.0, 1.0, 1.0]
    sign[component] = -1.0
    if is_torch:
        return torch.tensor(sign, dtype=s.dtype, device=s.device).view(3, 1, 1)
    return np.asarray(sign, dtype=s.dtype).reshape(3, 1, 1)


def translate(spins, shift_i: int, shift_j: int):
    """Periodic translation by ``(shift_i, shift_j)`` sites (numpy or torch)."""
    if isinstance(spins, torch.Tensor):
        return torch.roll(spins, shifts=(shift_i, shift_j), dims=(-2, -1))
    return np.roll(spins, (shift_i, shift_j), axis=(-2, -1))


def roll_each(spins: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Periodic translation of each sample ``(n, C, H, W)`` by its own ``shifts[k] = (di, dj)`` (as ``torch.roll``)."""
    n, C, H, W = spins.shape
    if tuple(shifts.shape) != (n, 2):
        raise ValueError(f"shifts must be ({n}, 2), got {tuple(shifts.shape)}")
    dev = spins.device
    shifts = shifts.to(dev)
    ii = (torch.arange(H, device=dev)[None, :] - shifts[:, :1]) % H  # (n, H)
    jj = (torch.arange(W, device=dev)[None, :] - shifts[:, 1:]) % W  # (n, W)
    b = torch.arange(n, device=dev)[:, None, None, None]
    c = torch.arange(C, device=dev)[None, :, None, None]
    return spins[b, c, ii[:, None, :, None], jj[:, None, None, :]]


def apply_each(spins: torch.Tensor, ops: list[SymOp], pick: torch.Tensor) -> torch.Tensor:
    """Apply ``ops[pick[k]]`` to sample ``k`` of ``spins (n, 3, L, L)``."""
    out = torch.empty_like(spins)
    for k, op in enumerate(ops):
        mask = pick == k
        if mask.any():
            out[mask] = apply_symmetry(spins[mask], op)
    return out


@lru_cache(maxsize=None)
def inverse_op(op: SymOp) -> SymOp:
    """The point-group element that undoes ``op``."""
    probe = np.random.default_rng(0).normal(size=(3, 4, 4))
    moved = apply_symmetry(probe, op)
    for cand in _ALL_OPS:
        if np.array_equal(apply_symmetry(moved, cand), probe):
            return cand
    raise AssertionError(f"no inverse found for {op}")  # cannot happen: C4v is a group


# ---------------------------------------------------------------------------------------------
# Canonical frame
# ---------------------------------------------------------------------------------------------

def _sixfold_phase(sz: torch.Tensor) -> torch.Tensor:
    """Phase in ``[0, 2π)`` of ``A = Σ_k P(k) e^{6iφ_k}`` for ``S^z`` fields ``(n, H, W)``."""
    H, W = sz.shape[-2:]
    ki = torch.fft.fftfreq(H, device=sz.device, dtype=sz.dtype)[:, None]
    kj = torch.fft.fftfreq(W, device=sz.device, dtype=sz.dtype)[None, :]
    six_phi = 6 * torch.atan2(ki.expand(H, W), kj.expand(H, W))
    power = torch.fft.fft2(sz - sz.mean(dim=(-2, -1), keepdim=True)).abs() ** 2
    # drop the Nyquist row and column (k = -1/2 is its own mirror image), so that the sum transforms
    # exactly under the point group (see _turned_phase)
    power = power * ((ki.abs() < 0.5) & (kj.abs() < 0.5))
    re, im = (power * torch.cos(six_phi)).sum(dim=(-2, -1)), (power * torch.sin(six_phi)).sum(dim=(-2, -1))
    return torch.remainder(torch.atan2(im, re), 2 * np.pi)


def _turned_phase(phase: torch.Tensor, op: SymOp) -> torch.Tensor:
    """The sixfold phase of the lattice moved by ``op``, from the phase of the lattice itself.

    With ``φ = atan2(k_i, k_j)``: a transpose maps ``φ → π/2 − φ`` (so ``6φ → π − 6φ`` mod 2π),
    a mirror of i ``φ → −φ``, a mirror of j ``φ → π − φ`` (both ``6φ → −6φ``), in that order.
    """
    transpose, flip_i, flip_j = op
    if transpose:
        phase = np.pi - phase
    if flip_i != flip_j:  # two mirrors cancel in 6φ
        phase = -phase
    return torch.remainder(phase, 2 * np.pi)


def _turned_phases(spins: torch.Tensor, dmi: str) -> torch.Tensor:
    """``(n, ops)``: the sixfold phase of each lattice turned by each op of ``symmetry_ops(dmi)``."""
    phase = _sixfold_phase(spins[:, 2])  # S^z is unchanged by every op
    return torch.stack([_turned_phase(phase, op) for op in symmetry_ops(dmi)], dim=1)


def _closest_to_window(turned: torch.Tensor) -> torch.Tensor:
    """Index of the turned phase closest to π/4, the centre of the canonical window, per lattice."""
    return (turned - np.pi / 4).abs().argmin(dim=1)


def orientation_ops(spins: torch.Tensor, dmi: str = "neel") -> torch.Tensor:
    """Index into ``symmetry_ops(dmi)`` of the op that turns each lattice into the canonical orientation."""
    return _closest_to_window(_turned_phases(spins, dmi))


def lattice_angle(spins, dmi: str = "neel") -> np.ndarray:
    """Orientation (degrees) of each hexagonal lattice left over after the canonical point-group turn.

    The canonical orientation puts the sixfold phase ``6φ`` of the Bragg peaks as close to π/4 as
    the point group allows (:func:`orientation_ops`); what remains, ``(6φ − π/4) / 6``, is the
    lattice's own turn against the square lattice: within ±7.5° for C4v (Néel), in [−7.5°, 22.5°) for
    C4 (Bloch), whose four turns leave only ``6φ`` and ``6φ + π``. No symmetry of the Hamiltonian removes
    it, and it is the same for every translated and turned copy of a lattice. On a small torus it is
    far from free: a lattice of N skyrmions fits an L × L torus in only a few orientations, so the
    angle is largely set by N and L.

    Args:
        spins: ``(n, 3, L, L)`` spins (numpy or torch).
        dmi: ``"neel"`` or ``"bloch"``: the point group.
    """
    s = spins.detach().cpu() if isinstance(spins, torch.Tensor) else torch.from_numpy(np.asarray(spins))
    s = s.to(torch.float64)
    if s.ndim != 4 or s.shape[1] != 3:
        raise ValueError(f"spins must be (n, 3, L, L), got {tuple(s.shape)}")
    turned = _turned_phases(s, dmi)
    canonical = turned.gather(1, _closest_to_window(turned)[:, None])[:, 0]
    return np.degrees((canonical.numpy() - np.pi / 4) / 6)


def core_shifts(spins: torch.Tensor) -> torch.Tensor:
    """Integer shifts ``(n, 2)`` that move each lattice's skyrmion core to ``(L // 2, L // 2)``."""
    n, _, H, W = spins.shape
    sz = spins[:, 2:3]
    # cores point against the field-polarised background, whatever the sign of B
    sign = torch.where(sz.mean(dim=(1, 2, 3), keepdim=True) >= 0, 1.0, -1.0).to(sz.dtype)
    smooth = F.avg_pool2d(F.pad(sz * sign, (1, 1, 1, 1), mode="circular"), 3, stride=1)
    flat = smooth.reshape(n, -1).argmin(dim=1)
    ci, cj = torch.div(flat, W, rounding_mode="floor"), flat % W
    return torch.stack([(H // 2 - ci) % H, (W // 2 - cj) % W], dim=1)


_HALF_TURN: SymOp = (False, True, True)


def _diagonal_dipole(centred: torch.Tensor) -> torch.Tensor:
    """``Σ_r (r_i + r_j) S^z(r)`` about the centre site, odd under the half turn (the rows and
    columns at offset ``-L/2``, which a half turn maps onto themselves, get zero weight)."""
    H, W = centred.shape[-2:]
    ri = torch.arange(H, device=centred.device, dtype=centred.dtype) - H // 2
    rj = torch.arange(W, device=centred.device, dtype=centred.dtype) - W // 2
    ri[ri == -(H / 2)] = 0.0
    rj[rj == -(W / 2)] = 0.0
    return (centred[:, 2] * (ri[:, None] + rj[None, :])).sum(dim=(-2, -1))


def to_canonical_frame(spins: torch.Tensor, dmi: str = "neel") -> tuple[torch.Tensor, dict]:
    """Each lattice in its canonical frame (see the module docstring).

    Args:
        spins: ``(n, 3, L, L)`` unit-vector spins (torch).
        dmi: ``"neel"`` (orientation from C4v) or ``"bloch"`` (C4).

    Returns:
        ``(canonical spins, frame)`` where ``frame`` holds the op indices and shifts that
        :func:`from_canonical_frame` needs to undo the move.
    """
    if spins.ndim != 4 or spins.shape[1] != 3:
        raise ValueError(f"spins must be (n, 3, L, L), got {tuple(spins.shape)}")
    ops, turns = symmetry_ops(dmi), [(False, False, False), _HALF_TURN]
    # each choice is a discrete function of the input (made on detached values); the moves themselves are
    # gathers, so gradients flow through them to the spins
    pick = orientation_ops(spins.detach(), dmi)
    turned = apply_each(spins, ops, pick)
    shifts = core_shifts(turned.detach())
    centred = roll_each(turned, shifts)
    half_turn = _diagonal_dipole(centred.detach()) < 0
    flipped = apply_each(centred, turns, half_turn.long())
    shifts2 = core_shifts(flipped.detach())
    frame = {"dmi": dmi, "ops": pick, "shifts": shifts, "half_turn": half_turn, "shifts2": shifts2}
    return roll_each(flipped, shifts2), frame


def from_canonical_frame(spins: torch.Tensor, frame: dict) -> torch.Tensor:
    """Undo :func:`to_canonical_frame` for spins ``(n, 3, L, L)`` given in the canonical frame."""
    inverses = [inverse_op(op) for op in symmetry_ops(frame["dmi"])]
    out = roll_each(spins, -frame["shifts2"])
    out = apply_each(out, [(False, False, False), _HALF_TURN], frame["half_turn"].long())  # its own inverse
    return apply_each(roll_each(out, -frame["shifts"]), inverses, frame["ops"])
