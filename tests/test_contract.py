"""The public contract (README, "Contract") stays importable at its paths, whatever module holds the code."""

import importlib
import subprocess
import sys

import pytest

from support.chiral import magnet
from support.xy import charges, observables

CONTRACT = {
    "support.xy": ["vortices", "energy", "magnetization"],
    "support.heisenberg": ["energy", "effective_field", "topological_charge", "find_skyrmions"],
    "support.samplers": ["sample_xy", "anneal_heisenberg"],
    "support.metrics": ["r2", "acc_topo"],
    "support.cwgan": ["load_generator", "generate", "sample_exact"],
}


@pytest.mark.parametrize("module", sorted(CONTRACT))
def test_contract_names_import_at_their_paths(module):
    mod = importlib.import_module(module)
    assert [name for name in CONTRACT[module] if not callable(getattr(mod, name, None))] == []


def test_re_exports_are_the_implementations():
    from support import heisenberg, xy

    assert heisenberg.energy is magnet.energy and heisenberg.find_skyrmions is magnet.find_skyrmions
    assert xy.vortices is charges.vortices and xy.energy is observables.energy
    assert set(heisenberg.__all__) <= set(dir(magnet))


def test_runner_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "support.book", "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "run" in out.stdout
