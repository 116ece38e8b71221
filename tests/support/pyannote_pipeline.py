"""A pyannote.audio speaker-diarization pipeline with small RANDOM weights, built on disk.

Test-only: wiring, not accuracy. The segmentation model (PyanNet, powerset, 3 speakers max 2 at
once) and the embedding model (XVectorMFCC, 32-d) are pyannote's own classes with tiny configs;
the PLDA for VBx clustering is a random well-conditioned one. Everything is written to `root`
with a config.yaml pointing at the local files, so `Pipeline.from_pretrained(root)` never
reaches a hub. Needs pyannote.audio 4 (the `make test-pyannote` venv).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

EMBEDDING_DIM = 32
LDA_DIM = 16


def _save_model(model, path: Path) -> Path:
    """Write a Lightning-style checkpoint that `Model.from_pretrained(path)` loads."""
    import lightning
    import torch

    ckpt = {"state_dict": model.state_dict(), "hyper_parameters": dict(model.hparams),
            "pytorch-lightning_version": lightning.__version__}
    model.on_save_checkpoint(ckpt)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ckpt, path)
    return path


def _segmentation(path: Path) -> Path:
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.segmentation import PyanNet

    model = PyanNet(lstm={"hidden_size": 16, "num_layers": 1},
                    linear={"hidden_size": 16, "num_layers": 1})
    model.specifications = Specifications(
        problem=Problem.MONO_LABEL_CLASSIFICATION, resolution=Resolution.FRAME, duration=5.0,
        min_duration=5.0, classes=["speaker#1", "speaker#2", "speaker#3"],
        powerset_max_classes=2, permutation_invariant=True)
    model.setup()
    return _save_model(model, path)


def _embedding(path: Path) -> Path:
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import XVectorMFCC

    model = XVectorMFCC(dimension=EMBEDDING_DIM)
    model.specifications = Specifications(
        problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=3.0)
    model.setup()
    return _save_model(model, path)


def _plda(folder: Path, rng: np.random.Generator) -> Path:
    """Random x-vector transform + PLDA in the layout `PLDA.from_pretrained(dir)` reads."""
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "xvec_transform.npz", mean1=rng.normal(size=EMBEDDING_DIM) * 0.01,
             mean2=rng.normal(size=LDA_DIM) * 0.01,
             lda=rng.normal(size=(EMBEDDING_DIM, LDA_DIM)))
    tr = np.eye(LDA_DIM) + 0.05 * rng.normal(size=(LDA_DIM, LDA_DIM))
    np.savez(folder / "plda.npz", mu=np.zeros(LDA_DIM), tr=tr,
             psi=np.sort(rng.uniform(0.5, 5.0, size=LDA_DIM))[::-1].copy())
    return folder


def build_random_pipeline(root: Path, seed: int = 0) -> Path:
    """Write models, PLDA and config.yaml under `root`; returns `root` (a pipeline directory)."""
    import pyannote.audio
    import torch

    torch.manual_seed(seed)
    root = Path(root)
    config = {
        "dependencies": {"pyannote.audio": pyannote.audio.__version__},
        "pipeline": {"name": "pyannote.audio.pipelines.SpeakerDiarization", "params": {
            "segmentation": str(_segmentation(root / "segmentation" / "pytorch_model.bin")),
            "embedding": str(_embedding(root / "embedding" / "pytorch_model.bin")),
            "plda": str(_plda(root / "plda", np.random.default_rng(seed))),
            "clustering": "VBxClustering",
            "segmentation_batch_size": 8, "embedding_batch_size": 8}},
        "params": {"segmentation": {"min_duration_off": 0.0},
                   "clustering": {"threshold": 0.6, "Fa": 0.07, "Fb": 0.8}},
    }
    (root / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return root
