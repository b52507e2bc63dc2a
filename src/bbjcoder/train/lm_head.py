"""The LM head and loss on the learned positions only, where TRL's fused head has no Triton (CPU).

TRL's SFTTrainer replaces the model's forward with a fused head that returns per-token log-probabilities. With
Triton (CUDA/XPU) it projects only the positions whose label is not -100. Without Triton it projects EVERY position
in vocabulary tiles folded in plain torch, so on a CPU stage 2 paid the full LM head (and an entropy pass) for the
system prompt and user text that the loss ignores; the head is the largest single matrix of a small model.

`add_compact_lm_head` wraps TRL's head: same call, same output (`FusedCausalLMOutput`: log_probs, entropy, is_top1,
label_mask, loss), but only the learned positions are projected. Their logits are materialized in token chunks sized
to bound memory for large vocabularies (152k for Qwen2.5); with more than one chunk each is recomputed in the
backward pass (activation checkpointing) instead of kept.
"""

from __future__ import annotations

import types
from typing import Any

from .data import IGNORE_INDEX

LOGITS_PER_CHUNK = 32 * 2**20  # elements (128 MiB of fp32 logits) per token chunk


def needs_compact_head(device: str) -> bool:
    """True where TRL's fused head would score every position: devices without its Triton kernels."""
    from transformers.utils import is_triton_available

    return not (device in ("cuda", "xpu") and is_triton_available())


def add_compact_lm_head(model) -> None:
    """Wrap the fused forward TRL put on `model` (the PEFT base model when wrapped) with the compact one."""
    target = model.get_base_model() if hasattr(model, "get_base_model") else model
    text_config = target.config.get_text_config()
    if any(getattr(text_config, k, None) not in (None, 1.0) for k in ("final_logit_softcapping", "logit_scale")):
        return  # scaled logits (Gemma, Cohere): TRL's head knows their transforms; ours does not
    fused = target.forward

    def forward(self, *args, fused_lm_head=False, labels=None, shift_labels=None, num_items_in_batch=None, **kwargs):
        if not fused_lm_head or shift_labels is not None or getattr(text_config, "output_router_logits", False):
            return fused(*args, fused_lm_head=fused_lm_head, labels=labels, shift_labels=shift_labels,
                         num_items_in_batch=num_items_in_batch, **kwargs)
        kwargs["use_cache"] = False
        hidden = self.base_model(*args, **kwargs).last_hidden_state[:, :-1]
        return compact_head_output(hidden, labels[:, 1:], self.get_output_embeddings(), num_items_in_batch)

    target.forward = types.MethodType(forward, target)


def compact_head_output(hidden, labels, lm_head, num_items_in_batch=None):
    """FusedCausalLMOutput for next-token `labels` (already shifted) from the backbone's `hidden` states."""
    import torch
    from trl.trainer.utils import FusedCausalLMOutput

    mask = labels != IGNORE_INDEX
    picked, target = hidden[mask], labels[mask]
    rows = max(1, LOGITS_PER_CHUNK // lm_head.weight.shape[0])
    score = _score if picked.shape[0] <= rows else _checkpointed
    # split() of zero positions still gives one (empty) chunk, so the loss stays connected to the model
    chunks = [score(lm_head, h, t) for h, t in zip(picked.split(rows), target.split(rows))]
    # back to (batch, length - 1), zero where nothing is learned, as TRL's head returns them
    log_probs, entropy, top1 = (_spread(mask, torch.cat(parts)) for parts in zip(*chunks))
    count = mask.sum().clamp(min=1) if num_items_in_batch is None else num_items_in_batch
    return FusedCausalLMOutput(loss=-log_probs.sum() / count, log_probs=log_probs, entropy=entropy, is_top1=top1,
                               label_mask=mask)


def _score(lm_head, hidden, target) -> tuple[Any, Any, Any]:
    """(log-probability of each target, entropy, target is the top token) for one chunk of positions."""
    import torch

    logits = lm_head(hidden).float()
    logp = torch.log_softmax(logits, dim=-1)
    with torch.no_grad():
        entropy = -(logp.exp() * logp).sum(-1)
        top1 = logits.argmax(-1) == target
    return logp.gather(-1, target[:, None]).squeeze(-1), entropy, top1


def _checkpointed(lm_head, hidden, target):
    from torch.utils.checkpoint import checkpoint

    return checkpoint(_score, lm_head, hidden, target, use_reentrant=False)


def _spread(mask, values):
    return values.new_zeros(mask.shape).masked_scatter(mask, values)
