"""Per-example causal attention for padding-free packed batches, without flash attention (CPU, or a GPU without it).

A padding-free micro-batch is ONE row holding several whole examples whose position ids restart at 0. Flash
attention reads the example boundaries and attends within each example (varlen). transformers' sdpa instead builds a
dense (row x row) block-diagonal mask, which costs the full square of the row and keeps SDPA off its causal fast path:
four 1,024-token sequences in one row would cost 16x the attention of one. So without flash attention the stages used
to run one packed sequence per micro-step, with small matrix products that use a CPU poorly.

`sdpa_packed` gives sdpa the varlen behaviour: no mask is built, and each example's slice of the row goes through
transformers' own sdpa attention with `is_causal`, so the work is the sum of the examples' squares and the linear
layers see the whole micro-batch at once. Batches with a padding mask (packing off, generation) take plain sdpa.
"""

from __future__ import annotations

from typing import Any

NAME = "sdpa_packed"


def register() -> str:
    """Register the attention and its mask function with transformers (idempotent); returns the implementation name."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS

    AttentionInterface.register(NAME, packed_sdpa_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(NAME, _mask)
    return NAME


def use_packed_attention(model) -> None:
    """Switch a (PEFT-wrapped or plain) transformers model to per-example attention. Not saved in config.json."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    base.set_attn_implementation(register())


def _mask(*args: Any, attention_mask=None, **kwargs: Any):
    """No mask for unpadded rows (the attention finds the examples itself); sdpa's own mask when there is padding."""
    if attention_mask is None or bool(attention_mask.all()):
        return None
    from transformers.masking_utils import sdpa_mask

    return sdpa_mask(*args, attention_mask=attention_mask, **kwargs)


def packed_sdpa_attention(module, query, key, value, attention_mask, dropout: float = 0.0, scaling=None, **kwargs):
    """Attention of each example in its own slice; same inputs and output layout as transformers' sdpa attention."""
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward
    from transformers.modeling_flash_attention_utils import prepare_fa_kwargs_from_position_ids

    position_ids = kwargs.pop("position_ids", None)
    if attention_mask is not None or position_ids is None or query.shape[2] != key.shape[2]:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs)
    cu = kwargs.get("cu_seq_lens_q")  # TRL's padding-free collator gives the bounds; a plain call gives positions only
    rows = []
    for b in range(query.shape[0]):
        # without them, the bounds flash attention would derive: an example starts wherever the position restarts
        cu_row = cu if cu is not None and query.shape[0] == 1 else prepare_fa_kwargs_from_position_ids(position_ids[b])[0][0]
        bounds = cu_row.tolist()
        lengths = [e - s for s, e in zip(bounds, bounds[1:]) if e > s]
        # split (not slicing): its backward is one concatenation, not a zero-filled full-size gradient per example
        pieces = zip(*(t[b:b + 1].split(lengths, dim=2) for t in (query, key, value)))
        parts = [sdpa_attention_forward(module, q, k, v, None, dropout=dropout, scaling=scaling, **kwargs)[0]
                 for q, k, v in pieces]
        rows.append(parts[0] if len(parts) == 1 else torch.cat(parts, dim=1))
    return (rows[0] if len(rows) == 1 else torch.cat(rows, dim=0)), None
