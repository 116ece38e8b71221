"""A lean loader for sentence-transformers BERT models (all-MiniLM-L6-v2): torch + tokenizers.

Why not sentence-transformers itself: importing it (and transformers under it) took 5–10 s on
the 2-core machine — most of a worker's start-up — for a 6-layer encoder. This module reads the
same files (config.json, model.safetensors, tokenizer.json, 1_Pooling) with HuggingFace's
`tokenizers` and `safetensors` and runs BERT's standard forward pass in torch, which every
worker imports anyway. `tests/test_embed.py` checks that its vectors equal sentence-transformers'
on English and Mandarin text. A model directory of any other shape is not ours to guess:
`supports()` says no and `hotline.embed` falls back to sentence-transformers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from tokenizers import Tokenizer


@dataclass(frozen=True)
class BertConfig:
    layers: int
    heads: int
    hidden: int
    eps: float
    max_tokens: int

    @classmethod
    def read(cls, model_dir: Path) -> BertConfig:
        cfg = json.loads((model_dir / "config.json").read_text())
        st = model_dir / "sentence_bert_config.json"
        max_tokens = json.loads(st.read_text()).get("max_seq_length", 256) if st.exists() else 256
        return cls(cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["hidden_size"],
                   cfg.get("layer_norm_eps", 1e-12), min(max_tokens, cfg["max_position_embeddings"]))


def supports(model_dir: str | Path) -> bool:
    """A BERT encoder with mean pooling and normalisation, files this module can read."""
    d = Path(model_dir)
    try:
        cfg = json.loads((d / "config.json").read_text())
        pooling = json.loads((d / "1_Pooling" / "config.json").read_text())
        modules = json.loads((d / "modules.json").read_text())
    except (OSError, ValueError):
        return False
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    return (cfg.get("model_type") == "bert" and cfg.get("hidden_act") == "gelu"
            and cfg.get("position_embedding_type", "absolute") == "absolute"
            and pooling.get("pooling_mode_mean_tokens") is True
            and not any(pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                                  "pooling_mode_mean_sqrt_len_tokens"))
            and kinds == ["Transformer", "Pooling", "Normalize"]
            and (d / "model.safetensors").exists() and (d / "tokenizer.json").exists())


class BertSentenceEncoder:
    """`encode(texts) -> (n, hidden) float32`, unit length, like SentenceTransformer.encode."""

    def __init__(self, model_dir: str | Path, device: str = "cpu") -> None:
        d = Path(model_dir)
        self.config = BertConfig.read(d)
        self.weights = {k: v.to(device) for k, v in load_file(str(d / "model.safetensors")).items()}
        self.tokenizer = Tokenizer.from_file(str(d / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.config.max_tokens)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.device = device

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                out.append(self._batch(texts[i:i + batch_size]).cpu().numpy())
        return np.concatenate(out).astype(np.float32)

    def _batch(self, texts: list[str]) -> torch.Tensor:
        enc = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in enc], device=self.device)
        mask = torch.tensor([e.attention_mask for e in enc], device=self.device)
        x = self._embed(ids)
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in range(self.config.layers):
            x = self._layer(x, bias, f"encoder.layer.{layer}.")
        m = mask[:, :, None].float()
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2, dim=1)

    def _embed(self, ids: torch.Tensor) -> torch.Tensor:
        w = self.weights
        pos = torch.arange(ids.shape[1], device=ids.device)[None, :]
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][pos]
             + w["embeddings.token_type_embeddings.weight"][0])
        return self._norm(x, "embeddings.LayerNorm.")

    def _layer(self, x: torch.Tensor, bias: torch.Tensor, p: str) -> torch.Tensor:
        a = p + "attention."
        q, k, v = (self._heads(self._dense(x, f"{a}self.{n}.")) for n in ("query", "key", "value"))
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        ctx = ctx.transpose(1, 2).reshape(x.shape)
        x = self._norm(x + self._dense(ctx, f"{a}output.dense."), f"{a}output.LayerNorm.")
        h = F.gelu(self._dense(x, p + "intermediate.dense."))
        return self._norm(x + self._dense(h, p + "output.dense."), p + "output.LayerNorm.")

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        return x.view(b, n, self.config.heads, -1).transpose(1, 2)

    def _dense(self, x: torch.Tensor, p: str) -> torch.Tensor:
        return F.linear(x, self.weights[p + "weight"], self.weights[p + "bias"])

    def _norm(self, x: torch.Tensor, p: str) -> torch.Tensor:
        return F.layer_norm(x, (self.config.hidden,), self.weights[p + "weight"],
                            self.weights[p + "bias"], self.config.eps)

