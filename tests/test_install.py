"""The installed package: the shipped pose model is the documented one, and nothing is downloaded.

CI also runs this file against a wheel installed on another Python, from outside the checkout.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, shared_video

from formcheck.pose import default_model_path

# Blocks every socket in the child process; with `unshare -rn` (a new network namespace with no
# interfaces) native code can't reach the network either.
NO_NETWORK = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("network access is blocked in this test")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = refuse
from formcheck.cli import main
sys.argv[0] = "formcheck"
main()
"""


def _without_network() -> list[str]:
    try:
        if subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10).returncode == 0:
            return ["unshare", "-rn"]
    except (OSError, subprocess.SubprocessError):
        pass
    return []


def test_analyze_runs_with_the_network_blocked(tmp_path):
    video = shared_video("side_plank_straight_arm_short.mp4")
    out = tmp_path / "out"
    cmd = [*_without_network(), sys.executable, "-c", NO_NETWORK, "analyze", str(video)]
    r = subprocess.run(
        [*cmd, "--exercise", "side-plank", "--out", str(out), "--no-video"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,  # not the checkout: the model is found from the installed package
    )
    assert r.returncode == 0, r.stderr
    card = json.loads((out / "scorecard.json").read_text())
    assert card["summary"]["holds"] == 1
    assert "INFO:" not in r.stderr and "W0000" not in r.stderr


def test_the_shipped_model_is_the_documented_one():
    path = default_model_path()
    readme = (ROOT / "models" / "README.md").read_text()
    documented = re.search(r"SHA-256 \| `([0-9a-f]{64})`", readme).group(1)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == documented
    assert path.stat().st_size == 9_397_734


def test_the_model_is_found_without_the_checkout(tmp_path):
    """From another folder, the package finds its model where it was installed (a checkout's
    models/ for an editable install, formcheck/models/ inside a wheel)."""
    r = subprocess.run(
        [sys.executable, "-c", "from formcheck.pose import default_model_path; print(default_model_path())"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    found = Path(r.stdout.strip())
    assert found.name == "pose_landmarker_full.task" and found.is_file()
    assert found.parent.name == "models"
