"""The compact LM head (train.lm_head): the loss and gradients of plain cross-entropy, in one chunk or several."""

from __future__ import annotations

import pytest
import torch

from bbjcoder.train import lm_head
from bbjcoder.train.data import IGNORE_INDEX


def inputs():
    torch.manual_seed(0)
    head = torch.nn.Linear(16, 50, bias=False)
    hidden = torch.randn(2, 9, 16, requires_grad=True)
    labels = torch.randint(0, 50, (2, 9))
    labels[0, :4] = IGNORE_INDEX  # a prompt: not learned
    labels[1, 6:] = IGNORE_INDEX  # padding: not learned
    return head, hidden, labels


@pytest.mark.parametrize("chunk_elements", [10**6, 100], ids=["one-chunk", "checkpointed-chunks-of-2"])
def test_compact_head_matches_cross_entropy(monkeypatch, chunk_elements):
    monkeypatch.setattr(lm_head, "LOGITS_PER_CHUNK", chunk_elements)
    head, hidden, labels = inputs()
    logits = head(hidden)
    want = torch.nn.functional.cross_entropy(logits.reshape(-1, 50), labels.reshape(-1), ignore_index=IGNORE_INDEX)
    want_grad, = torch.autograd.grad(want, hidden)

    out = lm_head.compact_head_output(hidden, labels, head)
    got_grad, = torch.autograd.grad(out.loss, hidden)
    assert out.loss.item() == pytest.approx(want.item(), rel=1e-6)
    assert torch.allclose(got_grad, want_grad, atol=1e-6)
    # per-token fields in TRL's layout: zero where nothing is learned
    learned = labels != IGNORE_INDEX
    assert torch.equal(out.label_mask, learned)
    assert (out.log_probs[~learned] == 0).all() and (out.entropy[~learned] == 0).all() and not out.is_top1[~learned].any()
    assert torch.equal(out.is_top1[learned], logits.argmax(-1)[learned] == labels[learned])
    p = logits.softmax(-1)
    assert torch.allclose(out.entropy[learned], -(p * p.log()).sum(-1)[learned], atol=1e-5)


def test_no_learned_position_gives_a_zero_loss_that_still_backpropagates():
    head, hidden, _ = inputs()
    out = lm_head.compact_head_output(hidden, torch.full((2, 9), IGNORE_INDEX), head)
    out.loss.backward()
    assert out.loss.item() == 0 and hidden.grad is not None


def test_num_items_in_batch_divides_the_summed_loss():
    head, hidden, labels = inputs()
    out = lm_head.compact_head_output(hidden, labels, head)
    summed = lm_head.compact_head_output(hidden, labels, head, num_items_in_batch=100)
    assert summed.loss.item() == pytest.approx(out.loss.item() * int((labels != IGNORE_INDEX).sum()) / 100, rel=1e-6)
