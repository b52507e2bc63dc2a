"""The two stages: their data, their Trainer arguments, and running one stage to its best weights.

    pretrain (stage 1): corpus programs, every token learned, packed with `bfd_split` (long programs are split,
                        never dropped); the held-out programs give the validation loss.
    instruct (stage 2): ChatML conversations, assistant tokens only, packed with `bfd` (an example is never split
                        across sequences; the overflow of an example longer than max_length is dropped).

Packing is padding-free: each packed sequence carries position ids that restart at 0 for every example, and the
attention keeps to each example (flash attention's varlen kernel, our per-example sdpa, or for eager a
block-diagonal mask), so examples never attend to each other. `packing: false` uses plain dynamic padding with an attention mask.
Training itself is TRL's SFTTrainer (on transformers' Trainer): checkpoints, resume, evaluation, best model.
"""

from __future__ import annotations

import gc
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import TrainError
from .config import TrainConfig
from .data import (
    IGNORE_INDEX,
    TokenizedExample,
    end_of_turn_id,
    read_conversations,
    read_corpus,
    sample_mix,
    split_corpus,
    tokenize_conversation,
    tokenize_document,
    verify_labels,
)
from .lm_head import add_compact_lm_head, needs_compact_head
from .packed_attention import use_packed_attention
from .run import CHECKPOINT_PREFIX, Dist, MetricsWriter, RunDir
from .tracking import Reporter, TrackingCallback

__all__ = ["RawData", "StageData", "read_raw", "prepare_stage", "sft_args", "build_trainer", "run_stage"]


@dataclass
class RawData:
    """Everything read from disk, before tokenization (the tiny tokenizer is trained on it)."""

    corpus_train: list = field(default_factory=list)
    corpus_validation: list = field(default_factory=list)
    pretrain_mix: list = field(default_factory=list)
    train: list = field(default_factory=list)
    validation: list = field(default_factory=list)
    instruct_mix: list = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    def tokenizer_texts(self):
        """Text the tiny tokenizer learns its merges from: programs and every message (roles included)."""
        for doc in self.corpus_train + self.corpus_validation:
            yield doc.text
        for conv in self.train:
            for msg in conv.messages:
                yield f"{msg['role']}\n{msg['content']}\n"


@dataclass
class StageData:
    train: list[TokenizedExample]
    validation: list[TokenizedExample]
    counts: dict[str, Any]


def read_raw(cfg: TrainConfig) -> RawData:
    """Read the inputs of the enabled stages; a missing or malformed file stops here, before any model loads."""
    raw = RawData()
    seed = cfg.run.seed
    if cfg.pretrain.enabled:
        raw.files["corpus"] = cfg.data.corpus
        raw.corpus_train, raw.corpus_validation = split_corpus(read_corpus(cfg.data.corpus), cfg.data.corpus_validation_fraction)
        mix = cfg.stage("pretrain").mix
        if mix.fraction > 0:
            raw.files["pretrain_mix"] = mix.path
            raw.pretrain_mix = sample_mix(read_corpus(mix.path, "check pretrain.mix.path"), len(raw.corpus_train), mix.fraction, seed)
    if cfg.instruct.enabled:
        raw.files["train"], raw.files["validation"] = cfg.data.train, cfg.data.validation
        raw.train = read_conversations(cfg.data.train)
        raw.validation = read_conversations(cfg.data.validation)
        mix = cfg.stage("instruct").mix
        if mix.fraction > 0:
            raw.files["instruct_mix"] = mix.path
            raw.instruct_mix = sample_mix(read_conversations(mix.path, "check instruct.mix.path"), len(raw.train), mix.fraction, seed)
    return raw


def prepare_stage(stage: str, cfg: TrainConfig, raw: RawData, tok) -> StageData:
    """Tokenize one stage's data and check its labels."""
    max_length = cfg.stage(stage).max_length
    if stage == "pretrain":
        sep = tok.get_vocab().get("<|endoftext|>", tok.eos_token_id)
        train = [tokenize_document(tok, d.text, sep) for d in raw.corpus_train + raw.pretrain_mix]
        val = [tokenize_document(tok, d.text, sep) for d in raw.corpus_validation]
        counts = {"train_examples": len(train), "validation_examples": len(val), "mix_examples": len(raw.pretrain_mix)}
    else:
        template = tok.chat_template
        train_all = [tokenize_conversation(tok, c, max_length, template) for c in raw.train + raw.instruct_mix]
        val_all = [tokenize_conversation(tok, c, max_length, template) for c in raw.validation]
        # An example whose assistant turns all lie beyond max_length has no target left: dropped and counted.
        train = [ex for ex in train_all if any(lbl != IGNORE_INDEX for lbl in ex.labels)]
        val = [ex for ex in val_all if any(lbl != IGNORE_INDEX for lbl in ex.labels)]
        eot = end_of_turn_id(tok)
        verify_labels(train, eot, f"{cfg.data.train} (instruct train)")
        verify_labels(val, eot, f"{cfg.data.validation} (instruct validation)")
        counts = {
            "train_examples": len(train),
            "validation_examples": len(val),
            "mix_examples": len(raw.instruct_mix),
            "dropped_no_target_after_truncation": (len(train_all) - len(train)) + (len(val_all) - len(val)),
            "target_tokens": sum(lbl != IGNORE_INDEX for ex in train for lbl in ex.labels),
        }
    counts["train_tokens"] = sum(len(ex.input_ids) for ex in train)
    counts["validation_tokens"] = sum(len(ex.input_ids) for ex in val)
    counts["truncated_examples"] = sum(ex.truncated for ex in train + val)
    return StageData(train=train, validation=val, counts=counts)


def _dataset(examples: list[TokenizedExample]):
    from datasets import Dataset

    return Dataset.from_dict({"input_ids": [ex.input_ids for ex in examples], "labels": [ex.labels for ex in examples]})


def sft_args(stage: str, cfg: TrainConfig, run: RunDir, device: str, bf16: bool, resuming: bool):
    """SFTConfig for one stage: the whole mapping from our config to TRL/transformers in one place."""
    from trl import SFTConfig

    p = cfg.stage(stage)
    gc_on = cfg.model.gradient_checkpointing if cfg.model.gradient_checkpointing is not None else device == "cuda"
    # TRL's padding-free collator joins a micro-batch's packed sequences into ONE row. flash attention keeps that
    # row's attention per example (varlen), and so does our sdpa_packed (see packed_attention). eager would build a
    # dense (rows*length)^2 mask, 16x the attention work for 4 rows, so with eager each packed sequence is its own
    # micro-step and batch_size moves into gradient accumulation: same effective batch, same loss (token-weighted).
    split = p.packing and cfg.model.attn_implementation == "eager"
    micro, accum = (1, p.batch_size * p.grad_accum) if split else (p.batch_size, p.grad_accum)
    return SFTConfig(
        output_dir=str(run.stage_dir(stage)),
        seed=cfg.run.seed,
        data_seed=cfg.run.seed,
        num_train_epochs=p.epochs,
        max_steps=p.max_steps,
        learning_rate=p.learning_rate,
        lr_scheduler_type=p.lr_scheduler,
        warmup_steps=p.warmup_ratio,  # a float < 1 is a share of the total steps
        weight_decay=p.weight_decay,
        max_grad_norm=p.max_grad_norm,
        per_device_train_batch_size=micro,
        per_device_eval_batch_size=1 if split else p.eval_batch_size,
        gradient_accumulation_steps=accum,
        max_length=p.max_length,
        packing=p.packing,
        packing_strategy="bfd_split" if stage == "pretrain" else "bfd",
        padding_free=p.packing,
        logging_steps=p.logging_steps,
        eval_strategy="steps",
        eval_steps=p.eval_steps,
        eval_on_start=not resuming,  # the validation loss before any step: the "start" of the curve
        save_strategy="steps",
        save_steps=p.save_steps,
        save_total_limit=p.save_total_limit,
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        report_to=["wandb"] if "wandb" in cfg.tracking.backends else "none",  # tensorboard: our own writer
        run_name=f"{run.id}-{stage}",
        use_cpu=device == "cpu",
        bf16=bf16,
        fp16=False,
        activation_checkpointing=gc_on,  # a.k.a. gradient checkpointing
        disable_tqdm=True,
        dataloader_num_workers=0,
        shuffle_dataset=False,  # the Trainer's sampler shuffles each epoch with `seed`
    )


def build_trainer(stage, cfg, run, model, tok, data: StageData, args, metrics: MetricsWriter, reporter: Reporter, info):
    """The SFTTrainer of one stage, with our tracking callbacks and without the Trainer's printer."""
    from torch.utils.tensorboard import SummaryWriter
    from transformers.integrations import TensorBoardCallback
    from transformers.trainer_callback import PrinterCallback
    from trl import SFTTrainer

    if cfg.stage(stage).packing and cfg.model.attn_implementation == "sdpa":
        use_packed_attention(model)
    callbacks: list[Any] = [TrackingCallback(stage, metrics, reporter, info)]
    if "tensorboard" in cfg.tracking.backends:
        callbacks.append(TensorBoardCallback(SummaryWriter(log_dir=str(run.tensorboard / stage))))
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=_dataset(data.train),
        eval_dataset=_dataset(data.validation),
        processing_class=tok,
        callbacks=callbacks,
    )
    trainer.remove_callback(PrinterCallback)  # it prints every log dict; our Reporter shows progress instead
    if needs_compact_head(args.device.type):
        add_compact_lm_head(trainer.model)  # after SFTTrainer put its fused head on the model: ours wraps it
    return trainer


def run_stage(
    stage: str, cfg: TrainConfig, run: RunDir, tok, data: StageData, stage_input: Path | None,
    device: str, bf16: bool, metrics: MetricsWriter, reporter: Reporter, dist: Dist | None = None,
) -> dict[str, Any]:
    """Train one stage (resuming from its last checkpoint if any) and save its best weights to checkpoints/<stage>/final."""
    from .model import load_model, save_final

    dist = dist or Dist()
    # 1. where to start: the stage's last complete checkpoint, else the beginning
    resume_from = run.last_checkpoint(stage, prune=dist.main)
    dist.wait()
    if dist.main:
        metrics.rewind(stage, int(resume_from.name[len(CHECKPOINT_PREFIX):]) if resume_from else -1)
    if resume_from is not None:
        reporter.note(f"{stage}: resuming from {resume_from}")
    # 2. model (previous stage's weights or the base), arguments, trainer
    model = load_model(cfg.model, tok, device, bf16, cfg.run.seed, cfg.stage(stage).max_length, stage_input)
    args = sft_args(stage, cfg, run, device, bf16, resuming=resume_from is not None)
    info = {"examples": len(data.train), "tokens": data.counts["train_tokens"], "device": device}
    trainer = build_trainer(stage, cfg, run, model, tok, data, args, metrics, reporter, info)
    # 3. train; load_best_model_at_end leaves the lowest-validation-loss weights in trainer.model
    try:
        result = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    except (ValueError, RuntimeError) as exc:
        if "out of memory" in str(exc).lower():
            raise TrainError(f"{stage}: out of memory on {device} ({exc}); lower batch_size or max_length, or use qlora") from None
        raise
    # 4. save the stage's result atomically: a kill mid-save leaves no half-written final/
    final = run.stage_final(stage)
    if dist.main:
        tmp = final.with_name(final.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        save_final(trainer.model, tok, tmp)
        os.replace(tmp, final)
    dist.wait()
    tracker = next(cb for cb in trainer.callback_handler.callbacks if isinstance(cb, TrackingCallback))
    summary = {
        "steps": trainer.state.global_step,
        "train_seconds": round(result.metrics.get("train_runtime", 0.0), 1),
        "validation_loss_first": _round(tracker.first_eval),
        "validation_loss_best": _round(trainer.state.best_metric),
        "best_checkpoint": trainer.state.best_model_checkpoint,
    }
    # 5. free the model before the next stage loads its own
    del trainer, model
    gc.collect()
    _empty_cuda_cache()
    return summary


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def _empty_cuda_cache() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()
