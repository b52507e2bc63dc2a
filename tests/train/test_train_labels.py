"""Stage 2 labels at token level, on real batches from the tiny preset's tokenizer, model and SFTTrainer.

The oracle builds each conversation's tokens piece by piece (header, content, <|im_end|>, newline), so it knows
which tokens are the assistant's without using the code under test.
"""

from __future__ import annotations

import pytest
import torch

from bbjcoder.errors import TrainError
from bbjcoder.train.config import validate_config
from bbjcoder.train.data import IGNORE_INDEX, Conversation, has_generation_markers, tokenize_conversation, verify_labels
from bbjcoder.train.model import load_model
from bbjcoder.train.run import MetricsWriter, RunDir
from bbjcoder.train.stages import build_trainer, prepare_stage, read_raw, sft_args
from bbjcoder.train.tokenizer import CHATML_TEMPLATE, IM_END, IM_START
from bbjcoder.train.tracking import NullReporter


def oracle(tok, messages):
    """(input_ids, labels) of a ChatML conversation, assembled from separately tokenized pieces."""
    enc = lambda text: tok(text, add_special_tokens=False)["input_ids"]  # noqa: E731
    start, end = tok.convert_tokens_to_ids([IM_START, IM_END])
    ids, labels = [], []
    for m in messages:
        learn = m["role"] == "assistant"
        for piece, is_target in (([start] + enc(m["role"] + "\n"), False), (enc(m["content"]) + [end], learn), (enc("\n"), False)):
            ids += piece
            labels += piece if is_target else [IGNORE_INDEX] * len(piece)
    return ids, labels


def batches_and_trainer(micro, tok, data_dir, tmp_path, packing: bool):
    """The real training batches of one epoch (every train example), as the stage-2 SFTTrainer builds them.

    Packed: each micro-batch is one row of whole examples (see stages.sft_args); padded: 16 examples per batch.
    """
    cfg = validate_config(micro(data_dir, tmp_path, packing=packing, batch_size=16, max_length=256))
    data = prepare_stage("instruct", cfg, read_raw(cfg), tok)
    run = RunDir.create(tmp_path, "labels")
    model = load_model(cfg.model, tok, "cpu", False, cfg.run.seed, 256)
    args = sft_args("instruct", cfg, run, "cpu", False, resuming=False)
    trainer = build_trainer("instruct", cfg, run, model, tok, data, args, MetricsWriter(run.metrics), NullReporter(), {})
    return list(trainer.get_train_dataloader()), trainer, read_raw(cfg).train


def segments(batch, packing: bool):
    """(input_ids, labels, position_ids or None) for each example in the batch."""
    if packing:  # one flattened row; every example restarts its positions at 0
        assert batch["input_ids"].shape[0] == 1 and "attention_mask" not in batch
        ids, labels, pos = batch["input_ids"][0], batch["labels"][0], batch["position_ids"][0]
        starts = (pos == 0).nonzero().flatten().tolist() + [len(ids)]
        return [(ids[a:b].tolist(), labels[a:b].tolist(), pos[a:b].tolist()) for a, b in zip(starts, starts[1:])]
    out = []
    for ids, labels, mask in zip(batch["input_ids"], batch["labels"], batch["attention_mask"]):
        n = int(mask.sum())
        assert mask[:n].all() and not mask[n:].any() and (labels[n:] == IGNORE_INDEX).all()  # right padding, ignored
        out.append((ids[:n].tolist(), labels[:n].tolist(), None))
    return out


@pytest.mark.parametrize("packing", [True, False], ids=["packed", "padded"])
def test_real_batch_learns_assistant_tokens_only(micro, tiny_tok, data_dir, tmp_path, packing):
    batches, _trainer, conversations = batches_and_trainer(micro, tiny_tok, data_dir, tmp_path, packing)
    expected = {tuple(oracle(tiny_tok, c.messages)[0]): (c, oracle(tiny_tok, c.messages)[1]) for c in conversations}
    start, end = tiny_tok.convert_tokens_to_ids([IM_START, IM_END])
    seen_turns = set()
    segs = [seg for batch in batches for seg in segments(batch, packing)]
    assert len(segs) == len(conversations)  # every example, each exactly once
    assert len(batches) < len(segs)  # packed rows hold several examples; padded batches several rows
    for ids, labels, pos in segs:
        conv, want = expected[tuple(ids)]  # KeyError = the batch holds a sequence the oracle never built
        # 1. exact: -100 on system, user and template tokens; input id on the assistant's tokens and its <|im_end|>
        assert labels == want
        # 2. the same in words: the learned tokens spell the assistant turns, each closed by <|im_end|>
        learned = [t for t, lbl in zip(ids, labels) if lbl != IGNORE_INDEX]
        assistant = [m["content"] for m in conv.messages if m["role"] == "assistant"]
        assert tiny_tok.decode(learned) == "".join(a + IM_END for a in assistant)
        # 3. template tokens never learned; the last <|im_end|> learned
        assert all(lbl == IGNORE_INDEX for t, lbl in zip(ids, labels) if t == start)
        assert labels[-2] == end and labels[-1] == IGNORE_INDEX  # ... <|im_end|> then the template's "\n"
        if pos is not None:
            assert pos == list(range(len(ids)))
        seen_turns.add(len(assistant))
    assert seen_turns == {1, 2}  # single- and multi-turn conversations were both checked


def test_packed_examples_do_not_attend_to_each_other(micro, tiny_tok, data_dir, tmp_path):
    batches, trainer, _ = batches_and_trainer(micro, tiny_tok, data_dir, tmp_path, packing=True)
    batch = max(batches, key=lambda b: len(segments(b, packing=True)))
    assert len(segments(batch, packing=True)) >= 3
    model = trainer.model.eval()
    with torch.no_grad():
        # the trainer's own loss on the packed batch ...
        packed_loss = trainer.compute_loss(model, {k: v for k, v in batch.items()})
        packed = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits[0]
        # ... equals the loss of the examples run one by one
        nll, count, offset = 0.0, 0, 0
        for ids, labels, _pos in segments(batch, packing=True):
            alone = model(input_ids=torch.tensor([ids]), use_cache=False).logits[0]
            assert torch.allclose(packed[offset:offset + len(ids)], alone, atol=1e-4)
            target = torch.tensor(labels[1:])
            nll += torch.nn.functional.cross_entropy(alone[:-1], target, ignore_index=IGNORE_INDEX, reduction="sum").item()
            count += int((target != IGNORE_INDEX).sum())
            offset += len(ids)
    assert packed_loss.item() == pytest.approx(nll / count, rel=1e-4)


def test_template_without_generation_markers_gives_the_same_labels(micro, tiny_tok, data_dir):
    plain = CHATML_TEMPLATE.replace("{%- generation %}", "").replace("{%- endgeneration %}", "")
    assert has_generation_markers(CHATML_TEMPLATE) and not has_generation_markers(plain)
    cfg = validate_config(micro(data_dir, data_dir / "runs"))
    for conv in read_raw(cfg).train:
        marked = tokenize_conversation(tiny_tok, conv, 512, CHATML_TEMPLATE)
        unmarked = tokenize_conversation(tiny_tok, conv, 512, plain)
        assert (unmarked.input_ids, unmarked.labels) == (marked.input_ids, marked.labels)
        assert marked.labels == oracle(tiny_tok, conv.messages)[1]


def test_end_of_turn_is_learned_even_if_the_template_leaves_it_out(tiny_tok):
    content_only = CHATML_TEMPLATE.replace(
        "{%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}",
        "{%- generation %}{{- message['content'] }}{%- endgeneration %}{{- '<|im_end|>' }}",
    )
    conv = Conversation([{"role": "user", "content": "Close channel 1."}, {"role": "assistant", "content": "close (1)"}], "x:1")
    ex = tokenize_conversation(tiny_tok, conv, 512, content_only)
    assert ex.labels == oracle(tiny_tok, conv.messages)[1]


def test_all_labels_masked_fails_loudly(micro, tiny_tok, data_dir):
    nothing = CHATML_TEMPLATE.replace("{%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}",
                                      "{{- message['content'] + '<|im_end|>' }}{%- generation %}{%- endgeneration %}")
    cfg = validate_config(micro(data_dir, data_dir / "runs"))
    saved = tiny_tok.chat_template
    tiny_tok.chat_template = nothing
    try:
        with pytest.raises(TrainError, match=r"every label is -100, so training would learn nothing"):
            prepare_stage("instruct", cfg, read_raw(cfg), tiny_tok)
    finally:
        tiny_tok.chat_template = saved


def test_verify_labels_rejects_a_span_that_does_not_end_on_end_of_turn(tiny_tok):
    from bbjcoder.train.data import TokenizedExample

    end = tiny_tok.convert_tokens_to_ids(IM_END)
    ex = TokenizedExample(input_ids=[5, 6, 7, end], labels=[IGNORE_INDEX, 6, IGNORE_INDEX, end], where="t.jsonl:3")
    with pytest.raises(TrainError, match=r"^t.jsonl:3: an assistant span ends at position 1 on token 6, not on the end-of-turn token"):
        verify_labels([ex], end, "t")
