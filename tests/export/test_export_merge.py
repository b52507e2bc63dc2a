"""merged/: a LoRA run's adapter folded into its base gives the same outputs as the adapter applied by PEFT.

Tolerance: fp32 throughout, max |logit diff| <= 1e-4 (measured ~2e-5: only the order of additions changes).
"""

from __future__ import annotations

import torch

from .conftest import PROGRAMS

MERGE_TOL = 1e-4


def _logits(model, ids):
    with torch.no_grad():
        return model(ids).logits


def test_lora_merge_equals_adapter_applied(lora_export, lora_parts, tok):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base_dir, adapter_dir = lora_parts
    ids = torch.tensor([tok.encode(PROGRAMS[0] + PROGRAMS[3])])
    base = AutoModelForCausalLM.from_pretrained(str(base_dir)).eval()
    plain = _logits(base, ids)
    with_adapter = _logits(PeftModel.from_pretrained(base, str(adapter_dir)).eval(), ids)
    merged = _logits(AutoModelForCausalLM.from_pretrained(str(lora_export.export_dir / "merged")).eval(), ids)
    diff = (with_adapter - merged).abs().max().item()
    print(f"LoRA merge: max |logit diff| = {diff:.2e} (tolerance {MERGE_TOL:g})")
    assert diff <= MERGE_TOL
    assert (with_adapter - plain).abs().max().item() > 100 * MERGE_TOL  # the adapter really changes the model


def test_lora_export_has_no_peft_leftovers_and_a_registry_adapter(lora_export):
    merged = lora_export.export_dir / "merged"
    assert not list(merged.glob("adapter_*"))
    import json

    config = json.loads((merged / "config.json").read_text())
    assert config["model_type"] == "qwen2"
    version = lora_export.registry_dir
    assert version.name == lora_export.run_id and version.parent.name == "bbj-coder"
    assert sorted(p.name for p in (version / "adapter").iterdir() if p.name.startswith("adapter_")) == [
        "adapter_config.json", "adapter_model.safetensors"]
    card = (lora_export.export_dir / "MODEL_CARD.md").read_text()
    assert "| Method | lora (r=4, alpha=8, dropout=0.0, target modules all-linear), merged into the 16-bit base for export |" in card
    assert "No evaluation reports" in card
