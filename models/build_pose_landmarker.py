"""Rebuild ``pose_landmarker_full.task`` from the BlazePose models inside the mediapipe 0.10.21 wheel.

Current MediaPipe releases ship no pose model, and ``PoseLandmarker`` needs a ``.task`` bundle: a
zip of ``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``, each carrying TFLite
metadata that says how to normalise the input image. The 0.10.21 wheel (Apache-2.0) holds the same
BlazePose GHUM 3D models without that metadata; this script adds it and bundles the two.

The metadata writer needs a compiled module that only the 0.10.21 wheel has, so run it once in
a throwaway Python 3.9-3.12 environment and commit the result:

    python3.11 -m venv /tmp/mp010 && /tmp/mp010/bin/pip install "mediapipe==0.10.21" "numpy<2"
    /tmp/mp010/bin/python models/build_pose_landmarker.py

The output is byte-for-byte reproducible (fixed zip entry times); the script prints its SHA-256,
which models/README.md records.
"""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

import mediapipe
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer
from mediapipe.tasks.python.metadata.metadata_writers.model_asset_bundle_utils import AlignZipFile

OUT = Path(__file__).resolve().parent / "pose_landmarker_full.task"
WHEEL = Path(mediapipe.__file__).resolve().parent / "modules"

# (name in the bundle, file in the wheel, input normalisation (mean, std), description).
# The detector's float input is in [-1, 1]; the landmark model's in [0, 1] (the 0.10.21 graphs'
# ImageToTensorCalculator ranges, pose_detection_cpu.pbtxt and pose_landmark_by_roi_cpu.pbtxt).
MODELS = [
    (
        "pose_detector.tflite",
        WHEEL / "pose_detection" / "pose_detection.tflite",
        127.5,
        127.5,
        "BlazePose person detector (224x224).",
    ),
    (
        "pose_landmarks_detector.tflite",
        WHEEL / "pose_landmark" / "pose_landmark_full.tflite",
        0.0,
        255.0,
        "BlazePose GHUM 3D full landmark model (256x256, 33 landmarks).",
    ),
]


def with_metadata(path: Path, mean: float, std: float, description: str) -> bytes:
    writer = metadata_writer.MetadataWriter.create(bytearray(path.read_bytes()))
    writer.add_general_info(path.stem, description)
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    model, _ = writer.populate()
    return bytes(model)


def main() -> int:
    if mediapipe.__version__ != "0.10.21":
        print(f"needs mediapipe 0.10.21 (this is {mediapipe.__version__})", file=sys.stderr)
        return 1
    tmp = OUT.with_suffix(".task.tmp")
    with AlignZipFile(tmp, mode="w", alignment=4) as bundle:
        for name, path, mean, std, description in MODELS:
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_STORED
            entry.external_attr = 0o644 << 16
            bundle.writestr(entry, with_metadata(path, mean, std, description))
    tmp.replace(OUT)
    print(f"{OUT.name}  {OUT.stat().st_size} bytes  sha256 {hashlib.sha256(OUT.read_bytes()).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
