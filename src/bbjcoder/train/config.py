"""The train stage's configuration: one pydantic model, YAML first, then `--set key=value` overrides.

    cfg = load_config("configs/tiny.yaml", ["instruct.learning_rate=3e-4", "run.seed=7"])
    cfg.stage("instruct").learning_rate   # 0.0003: the shared `training` block with the stage's overrides on top

Layout of a config file (every key has a help string below; unknown keys are errors):

    run:       name, output_dir, seed
    model:     base (tiny | local HF dir | hub id | GGUF file), method (full | lora | qlora), dtype, lora: {...},
               tiny: {...} (the from-scratch preset), chat_template, unsloth, ...
    data:      corpus, train, validation (the data stage's files), corpus_validation_fraction
    tracking:  backends (tensorboard, wandb), wandb_project
    training:  hyper-parameters shared by both stages
    pretrain:  stage 1 (continued pretraining on corpus.jsonl): `enabled` + any `training` key to override
    instruct:  stage 2 (instruction tuning, assistant-only loss): `enabled` + any `training` key to override

Every problem (unknown keys, bad values, inconsistent combinations) is collected and reported at once in one
ConfigError, before any model or dataset is touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator
from pydantic.fields import FieldInfo

from ..errors import ConfigError
from ..settings import config_error, validation_problems

__all__ = [
    "TrainConfig",
    "read_config_file",
    "StageParams",
    "STAGES",
    "load_config",
    "parse_overrides",
    "apply_overrides",
    "check_config",
    "validate_config",
    "resolved_dict",
]

# Stage names, in the order they run.
STAGES = ("pretrain", "instruct")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class RunSection(_Strict):
    name: str = Field("run", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Prefix of the run id: runs/<name>-<timestamp>.")
    output_dir: Path = Field(Path("runs"), description="Folder that holds one sub-folder per run (never overwritten).")
    seed: int = Field(42, ge=0, description="Seed for model init, LoRA init, data order and dropout. Same seed, same losses on CPU.")


class TinySection(_Strict):
    """Shape of the from-scratch Qwen2 model and its tokenizer (model.base: tiny)."""

    vocab_size: int = Field(4096, ge=259, description="BPE vocabulary incl. 256 bytes and 3 specials. Bigger = fewer tokens per program, more embedding params.")
    hidden_size: int = Field(256, ge=8, description="Width. 256 with 4 layers is ~4-5M params, ~4-5k tokens/s on 2 CPU cores.")
    num_layers: int = Field(4, ge=1, description="Transformer blocks.")
    num_heads: int = Field(4, ge=1, description="Query heads; hidden_size must be divisible by it.")
    num_kv_heads: int = Field(2, ge=1, description="Key/value heads (grouped-query attention, like Qwen2); must divide num_heads.")
    intermediate_size: int = Field(688, ge=8, description="MLP width (SwiGLU). ~2.7x hidden, as in Qwen2.")
    max_position_embeddings: int = Field(2048, ge=64, description="Longest sequence the rotary embedding is set up for.")
    rope_theta: float = Field(10000.0, gt=0, description="RoPE base. 10k is plenty for short programs.")
    tokenizer_min_frequency: int = Field(2, ge=1, description="A pair must occur this often to become a BPE merge.")


class LoraSection(_Strict):
    r: int = Field(16, ge=1, description="LoRA rank. 32-64 for 7-32B bases; more capacity, more memory.")
    alpha: int = Field(32, ge=1, description="LoRA scaling numerator; 2*r is the usual choice.")
    dropout: float = Field(0.05, ge=0, lt=1, description="Dropout on the LoRA path.")
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear", description="Modules that get adapters; all-linear = every linear layer except the LM head."
    )


class ModelSection(_Strict):
    base: str = Field("tiny", description="tiny (built from scratch, no download) | local HF directory | hub id | path of a GGUF file (e.g. an Ollama blob; dequantized on load).")
    revision: str | None = Field(None, description="Hub revision (branch, tag or commit) when base is a hub id.")
    method: Literal["full", "lora", "qlora"] = Field("full", description="full: all weights (tiny, small bases). lora: adapters on a frozen base. qlora: adapters on a 4-bit NF4 base (CUDA + bitsandbytes only).")
    dtype: Literal["auto", "float32", "bfloat16"] = Field("auto", description="auto: bf16 on a CUDA GPU that supports it, float32 on CPU.")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto: cuda when available, else cpu. CPU is always enough for tiny.")
    attn_implementation: Literal["sdpa", "eager", "flash_attention_2"] = Field("sdpa", description="Attention kernel. sdpa and flash_attention_2 attend within each packed example (varlen); eager needs a block mask, so it packs one sequence per micro-step.")
    gradient_checkpointing: bool | None = Field(None, description="Trade compute for memory. None: on for CUDA, off on CPU.")
    chat_template: str | None = Field(None, description="None: the tokenizer's own template. chatml: our Qwen-style ChatML with generation markers. Else a path to a .jinja file.")
    unsloth: bool = Field(False, description="Load and wrap the model with Unsloth (CUDA, must be installed). Never required.")
    trust_remote_code: bool = Field(False, description="Allow hub models that ship their own Python code.")
    tiny: TinySection = Field(default_factory=TinySection, description="Shape of the from-scratch model (base: tiny).")
    lora: LoraSection = Field(default_factory=LoraSection, description="LoRA settings (method lora/qlora).")


class DataSection(_Strict):
    corpus: Path = Field(Path("build/corpus.jsonl"), description='Stage 1 input, one {"text", "source"} per line.')
    train: Path = Field(Path("build/train.jsonl"), description='Stage 2 input, one {"messages": [...], "meta": {...}} per line.')
    validation: Path = Field(Path("build/validation.jsonl"), description="Stage 2 validation split (same format as train).")
    corpus_validation_fraction: float = Field(0.1, gt=0, lt=1, description="Share of corpus programs held out for stage 1 validation, chosen by a hash of their source.")


class MixSection(_Strict):
    path: Path | None = Field(None, description='JSONL of general data against forgetting: {"text"} lines for pretrain, {"messages"} lines for instruct.')
    fraction: float = Field(0.0, ge=0, lt=1, description="Share of the stage's training examples drawn from path (0 = off).")


class TrackingSection(_Strict):
    backends: list[Literal["tensorboard", "wandb"]] = Field(["tensorboard"], description="Where metrics go besides metrics.jsonl. wandb must be installed and logged in.")
    wandb_project: str | None = Field(None, description="Weights & Biases project (backend wandb).")


class StageParams(_Strict):
    """Hyper-parameters of one stage. `training` holds the shared values; `pretrain` / `instruct` override them."""

    epochs: float = Field(1.0, gt=0, description="Passes over the stage's data (ignored when max_steps > 0).")
    max_steps: int = Field(-1, description="Optimizer steps; -1 = use epochs. Handy for smoke tests.")
    learning_rate: float = Field(2e-4, gt=0, description="Peak LR. QLoRA instruct 1e-4-2e-4; pretrain lower (5e-5); from scratch higher (1e-3).")
    lr_scheduler: Literal["cosine", "linear", "constant", "constant_with_warmup"] = Field("cosine", description="Decay after warmup.")
    warmup_ratio: float = Field(0.03, ge=0, lt=1, description="Share of steps spent warming up the LR.")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay.")
    max_grad_norm: float = Field(1.0, gt=0, description="Gradient clipping.")
    batch_size: int = Field(4, ge=1, description="Sequences per device per step (packed sequences when packing). Packed with eager attention, each sequence runs as its own micro-step (same effective batch, see stages.sft_args).")
    grad_accum: int = Field(1, ge=1, description="Micro-steps per optimizer step. Effective batch = batch_size * grad_accum * GPUs.")
    eval_batch_size: int = Field(8, ge=1, description="Sequences per device per validation step (1 when packed with eager attention).")
    max_length: int = Field(1024, ge=16, description="Tokens per (packed) sequence. Longer examples are truncated; pretrain splits them instead.")
    packing: bool = Field(True, description="Pack several examples per sequence, positions reset per example so they never attend to each other. False: dynamic padding.")
    logging_steps: int = Field(10, ge=1, description="Train loss/lr to metrics.jsonl every N steps.")
    eval_steps: int = Field(50, ge=1, description="Validation loss every N steps.")
    save_steps: int = Field(50, ge=1, description="Checkpoint every N steps; a multiple of eval_steps (the best checkpoint is picked by validation loss).")
    save_total_limit: int = Field(2, ge=1, description="Checkpoints kept per stage; the best one is always kept in addition to the latest.")
    mix: MixSection = Field(default_factory=MixSection, description="Optional general data mixed in against forgetting.")


def _override_of(field: FieldInfo) -> tuple[Any, FieldInfo]:
    """A StageParams field as an optional override: same type and bounds, default None (= use `training`)."""
    inner = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
    return Optional[inner], Field(None, description=field.description)


# Every StageParams field, each optional, plus `enabled`: a new training setting is overridable per stage at once.
StageOverrides = create_model(
    "StageOverrides",
    __base__=_Strict,
    __doc__="Per-stage overrides of `training`: only the keys given replace the shared value.",
    enabled=(bool, Field(True, description="Run this stage.")),
    **{name: _override_of(field) for name, field in StageParams.model_fields.items()},
)


class TrainConfig(_Strict):
    run: RunSection = Field(default_factory=RunSection, description="Run naming, output folder, seed.")
    model: ModelSection = Field(default_factory=ModelSection, description="Base model, method and its settings.")
    data: DataSection = Field(default_factory=DataSection, description="Input files written by the data stage.")
    tracking: TrackingSection = Field(default_factory=TrackingSection, description="Metric backends.")
    training: StageParams = Field(default_factory=StageParams, description="Hyper-parameters shared by both stages.")
    pretrain: StageOverrides = Field(default_factory=StageOverrides, description="Stage 1, continued pretraining: overrides of `training`.")
    instruct: StageOverrides = Field(default_factory=StageOverrides, description="Stage 2, instruction tuning: overrides of `training`.")
    pipeline: dict[str, Any] | None = Field(None, description="Settings of `bbjcoder pipeline` (data, evaluate, export); checked there, ignored by train.")

    @model_validator(mode="after")
    def _consistent(self) -> TrainConfig:
        problems = _cross_field_problems(self)
        if problems:
            raise ValueError("\n".join(problems))  # one per line, as settings.validation_problems lists them
        return self

    def stage(self, name: str) -> StageParams:
        """The resolved hyper-parameters of stage `name` (shared `training` values, then the stage's overrides)."""
        overrides = getattr(self, name).model_dump(exclude_none=True, exclude={"enabled"})
        return self.training.model_copy(update={k: _as_model(StageParams, k, v) for k, v in overrides.items()})

    def enabled_stages(self) -> list[str]:
        return [name for name in STAGES if getattr(self, name).enabled]


def _as_model(model: type[BaseModel], key: str, value: Any) -> Any:
    annotation = model.model_fields[key].annotation
    if isinstance(value, dict) and isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation(**value)
    return value


def _cross_field_problems(cfg: TrainConfig) -> list[str]:
    """Combinations pydantic cannot see field by field. Each message names the key and the fix."""
    problems: list[str] = []
    t = cfg.model.tiny
    if t.hidden_size % t.num_heads:
        problems.append(f"model.tiny.hidden_size ({t.hidden_size}) must be divisible by model.tiny.num_heads ({t.num_heads})")
    if t.num_heads % t.num_kv_heads:
        problems.append(f"model.tiny.num_heads ({t.num_heads}) must be divisible by model.tiny.num_kv_heads ({t.num_kv_heads})")
    if cfg.model.base == "tiny" and cfg.model.method != "full":
        problems.append(f"model.method is {cfg.model.method!r} but a from-scratch tiny model has nothing to adapt: use method: full")
    if cfg.model.method == "qlora" and cfg.model.device == "cpu":
        problems.append("model.method qlora needs a CUDA GPU (bitsandbytes NF4) but model.device is cpu: use method: lora or full")
    if not cfg.enabled_stages():
        problems.append("pretrain.enabled and instruct.enabled are both false: enable at least one stage")
    if "wandb" in cfg.tracking.backends and not cfg.tracking.wandb_project:
        problems.append("tracking.backends includes wandb but tracking.wandb_project is empty: name a project")
    for name in STAGES:
        p = cfg.stage(name)
        if p.save_steps % p.eval_steps:
            problems.append(
                f"{name}: save_steps ({p.save_steps}) must be a multiple of eval_steps ({p.eval_steps}) so the best"
                f" checkpoint can be chosen by validation loss: set {name}.save_steps: {p.eval_steps * -(-p.save_steps // p.eval_steps)}"
            )
        if cfg.model.base == "tiny" and p.max_length > t.max_position_embeddings:
            problems.append(f"{name}: max_length ({p.max_length}) exceeds model.tiny.max_position_embeddings ({t.max_position_embeddings})")
        if p.mix.fraction > 0 and p.mix.path is None:
            problems.append(f"{name}: mix.fraction is {p.mix.fraction} but mix.path is empty: give a JSONL path or set fraction 0")
    return problems


# --- loading ---------------------------------------------------------------------------------------------------


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """Turn `["a.b=1", "c=[x, y]"]` into a nested dict; values are parsed as YAML (numbers, bools, lists).

    >>> parse_overrides(["training.learning_rate=3e-4", "pretrain.enabled=false", "run.name=x"])
    {'training': {'learning_rate': 0.0003}, 'pretrain': {'enabled': False}, 'run': {'name': 'x'}}
    """
    out: dict[str, Any] = {}
    problems = []
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip() or any(not part for part in key.strip().split(".")):
            problems.append(f"--set {pair!r}: expected key=value with a dotted key, e.g. training.learning_rate=2e-4")
            continue
        try:
            value = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            value = raw
        # YAML 1.1 reads 3e-4 as a string; accept the usual float spellings.
        if isinstance(value, str):
            try:
                value = float(value) if any(c in value for c in ".eE") else value
            except ValueError:
                pass
        node = out
        *parents, leaf = key.strip().split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                problems.append(f"--set {pair!r}: {part} is set to a value and also used as a section")
                break
        else:
            node[leaf] = value
    if problems:
        raise ConfigError("\n".join(problems))
    return out


def apply_overrides(raw: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `overrides` into a copy of `raw` (dicts merge, anything else replaces)."""
    merged = dict(raw)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = apply_overrides(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_config_file(path: Path) -> dict[str, Any]:
    """A config YAML as a mapping; a missing file, bad YAML (with its line) or a non-mapping is a ConfigError."""
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found (try configs/tiny.yaml)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections (run, model, data, ...), got {type(raw).__name__}")
    return raw


def _float_strings(node: Any) -> Any:
    """YAML 1.1 reads `2e-4` (no dot) as a string; convert such strings where a float is meant."""
    if isinstance(node, dict):
        return {k: _float_strings(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_float_strings(v) for v in node]
    if isinstance(node, str):
        try:
            return float(node) if "e" in node.lower() and node.lower().lstrip("+-")[:1].isdigit() else node
        except ValueError:
            return node
    return node


def check_config(raw: dict[str, Any]) -> tuple[TrainConfig | None, list[str]]:
    """(the config, []) or (None, every problem, each with key, value and fix)."""
    try:
        return TrainConfig.model_validate(_float_strings(raw)), []
    except ValidationError as exc:
        return None, validation_problems(exc, TrainConfig)


def validate_config(raw: dict[str, Any], source: str = "config") -> TrainConfig:
    """Validate a raw mapping; raise one ConfigError listing every problem."""
    cfg, problems = check_config(raw)
    if cfg is None:
        raise config_error(source, problems)
    return cfg


def load_config(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    """Read YAML at `path`, apply `--set` overrides, validate everything at once."""
    path = Path(path)
    raw = apply_overrides(read_config_file(path), parse_overrides(overrides or []))
    return validate_config(raw, str(path))


def resolved_dict(cfg: TrainConfig) -> dict[str, Any]:
    """The config as saved in runs/<id>/config.yaml: every key explicit, stage blocks fully resolved."""
    data = cfg.model_dump(mode="json")
    for name in STAGES:
        data[name] = {"enabled": getattr(cfg, name).enabled, **cfg.stage(name).model_dump(mode="json")}
    return data
