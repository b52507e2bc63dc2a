"""The bar chart of compile@1 per generation: one group per generation label, one bar per model, Wilson 95% error
bars. Used for a single evaluation (one bar per group) and for comparisons (one bar per model)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["plot_compile_by_generation", "CHART_NAME"]

CHART_NAME = "compile_by_generation.png"


def plot_compile_by_generation(reports: list[dict], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = sorted({g for r in reports for g, row in r["breakdowns"]["generation"].items() if row["n"]})
    if not labels:
        labels = ["(no code prompts)"]
    width = 0.8 / max(1, len(reports))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(labels) * max(1, len(reports)) ** 0.5 + 2), 4))
    for j, r in enumerate(reports):
        rows = [r["breakdowns"]["generation"].get(g, {}).get("compile@1") or {"value": 0, "low": 0, "high": 0} for g in labels]
        xs = [i + (j - (len(reports) - 1) / 2) * width for i in range(len(labels))]
        values = [100 * row["value"] for row in rows]
        errors = [[100 * (row["value"] - row["low"]) for row in rows], [100 * (row["high"] - row["value"]) for row in rows]]
        bars = ax.bar(xs, values, width, yerr=errors, capsize=3, label=r["model"]["label"])
        ns = [r["breakdowns"]["generation"].get(g, {}).get("n", 0) for g in labels]
        ax.bar_label(bars, labels=[f"{v:.0f}%\nn={n}" for v, n in zip(values, ns)], fontsize=7, padding=2)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels)
    ax.set_ylabel("compile@1 (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"compile@1 per generation — {Path(reports[0]['prompt_set']['path']).name}")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
