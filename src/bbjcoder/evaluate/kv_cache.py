"""A KV cache that is written in place, for batched generation on a CPU.

transformers' DynamicCache appends each new token by concatenation: every layer copies its whole cache on every
step, so a step costs in proportion to batch x tokens so far. At batch 8 on a CPU that copying was 40% of the
tiny model's decode time (profiled: `aten::cat`), and the gain of batching fell short of the batch size. Its
StaticCache avoids the copy but attends over the full preallocated length from the first step, which measured
slower still.

`InPlaceCache` keeps a buffer per layer sized for the whole answer (prompt + max_new_tokens, known before
generation starts), writes each step's keys and values into it, and hands attention a view of the filled part:
no copy, and attention over the tokens so far only.
"""

from __future__ import annotations

from transformers.cache_utils import Cache, DynamicLayer

__all__ = ["InPlaceCache"]


class InPlaceLayer(DynamicLayer):
    """One layer's keys and values in a preallocated (batch, heads, capacity, head_dim) buffer."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity
        self.length = 0

    def lazy_initialization(self, key_states, value_states) -> None:
        batch, heads, _, dim = key_states.shape
        self.key_buffer = key_states.new_empty(batch, heads, self.capacity, dim)
        self.value_buffer = value_states.new_empty(batch, value_states.shape[1], self.capacity, value_states.shape[-1])
        self.device = key_states.device
        self.is_initialized = True

    def update(self, key_states, value_states, *args, **kwargs):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.length + key_states.shape[-2]
        if end > self.capacity:
            raise ValueError(f"KV cache full: {end} tokens > capacity {self.capacity}")
        self.key_buffer[:, :, self.length:end] = key_states
        self.value_buffer[:, :, self.length:end] = value_states
        self.length = end
        self.keys, self.values = self.key_buffer[:, :, :end], self.value_buffer[:, :, :end]
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.length

    def reset(self) -> None:
        self.length = 0
        self.keys = self.values = None

    def crop(self, tokens_to_remove: int) -> None:
        raise NotImplementedError("InPlaceCache serves plain greedy or sampled generation, not assisted decoding")

    def batch_repeat_interleave(self, repeats: int) -> None:
        if self.length:  # before the first step there is nothing to repeat: the buffer takes the expanded batch
            raise NotImplementedError("InPlaceCache cannot repeat a filled cache")

    def batch_select_indices(self, indices) -> None:
        raise NotImplementedError("InPlaceCache serves plain greedy or sampled generation, not beam search")


class InPlaceCache(Cache):
    """A Cache of `num_layers` InPlaceLayers that each hold `capacity` tokens."""

    def __init__(self, num_layers: int, capacity: int) -> None:
        super().__init__(layers=[InPlaceLayer(capacity) for _ in range(num_layers)])
