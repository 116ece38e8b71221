"""A tiny multilingual Whisper with random weights, built offline for wiring tests.

Random weights: the model detects *some* language with *some* probability and decodes noise; tests
built on it check the wiring (what hotline does with a multilingual model's detection), never
accuracy. What makes CTranslate2 treat it as multilingual is the vocabulary: 51,865 tokens, built
here from openai-whisper's bundled `multilingual.tiktoken` plus Whisper's special tokens (99
language tokens, task tokens, 1,501 timestamps), saved as `tokenizer.json` beside the model so
faster-whisper never reaches for the Hugging Face hub.
"""

from __future__ import annotations

import json
from pathlib import Path

WHISPER_SPECIAL = ("<|endoftext|>", "<|startoftranscript|>", "<|translate|>", "<|transcribe|>",
                   "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>")


def _tokenizer(work: Path):
    """WhisperTokenizerFast over the full multilingual vocabulary (ids as openai-whisper's)."""
    import whisper
    from transformers import WhisperTokenizerFast
    from transformers.convert_slow_tokenizer import TikTokenConverter
    from whisper.tokenizer import get_encoding

    encoding = get_encoding("multilingual", num_languages=99)
    ranks = Path(whisper.__file__).parent / "assets" / "multilingual.tiktoken"
    TikTokenConverter(vocab_file=str(ranks), pattern=encoding._pat_str,
                      extra_special_tokens=encoding._special_tokens).converted().save(str(work / "tokenizer.json"))
    specials = [t for t in encoding._special_tokens if "." not in t]   # all but timestamps
    tokenizer = WhisperTokenizerFast(
        tokenizer_file=str(work / "tokenizer.json"), unk_token="<|endoftext|>",
        bos_token="<|endoftext|>", eos_token="<|endoftext|>", pad_token="<|endoftext|>",
        additional_special_tokens=[t for t in specials if t != "<|endoftext|>"],
    )
    return tokenizer, encoding


def _model(encoding, layers: int, d_model: int, seed: int, init_std: float):
    import torch
    from transformers import WhisperConfig, WhisperForConditionalGeneration
    from whisper.tokenizer import LANGUAGES

    special = encoding._special_tokens
    languages = [t for t in special if t[2:-2] in LANGUAGES]   # the 99 of multilingual models
    config = WhisperConfig(
        vocab_size=encoding.n_vocab, num_mel_bins=80, d_model=d_model,
        encoder_layers=layers, decoder_layers=layers, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=2 * d_model, decoder_ffn_dim=2 * d_model,
        max_source_positions=1500, max_target_positions=448,
        pad_token_id=special["<|endoftext|>"], bos_token_id=special["<|endoftext|>"],
        eos_token_id=special["<|endoftext|>"], decoder_start_token_id=special["<|startoftranscript|>"],
        suppress_tokens=[], begin_suppress_tokens=[220, special["<|endoftext|>"]], init_std=init_std,
    )
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config).eval()
    model.generation_config.lang_to_id = {t: special[t] for t in languages}
    model.generation_config.suppress_tokens = []
    model.generation_config.begin_suppress_tokens = [220, special["<|endoftext|>"]]
    model.generation_config.no_timestamps_token_id = special["<|notimestamps|>"]
    return model


def build_tiny_multilingual(out: Path, layers: int = 1, d_model: int = 64, seed: int = 0,
                            init_std: float = 1.0) -> Path:
    """Convert a random tiny multilingual Whisper to a CTranslate2 dir at `out` (returned).

    `init_std` 1.0 (transformers' default is 0.02): with small weights the decoder's language
    guess ignores the audio (every clip comes out the same language); large ones make the
    detection depend on the input, so per-channel wiring can be told apart.
    """
    from ctranslate2.converters import TransformersConverter

    hf_dir = out.parent / (out.name + "_hf")
    hf_dir.mkdir(parents=True, exist_ok=True)
    tokenizer, encoding = _tokenizer(hf_dir)
    model = _model(encoding, layers, d_model, seed, init_std)
    model.save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    TransformersConverter(str(hf_dir), copy_files=["tokenizer.json"]).convert(str(out), force=True)
    _write_lang_ids(out, sorted(model.generation_config.lang_to_id.values()))
    return out


def _write_lang_ids(out: Path, lang_ids: list[int]) -> None:
    """transformers 5 drops `lang_to_id` when it reloads a generation config and renamed the
    tokenizer's additional special tokens, so the converter finds no language tokens and writes
    `lang_ids: []` (language detection then has nothing to choose from). Write them as the
    converted OpenAI models carry them."""
    config_path = out / "config.json"
    config = json.loads(config_path.read_text())
    config["lang_ids"] = lang_ids
    config_path.write_text(json.dumps(config, indent=2))
