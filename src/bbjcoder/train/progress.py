"""Rich progress for the terminal: one bar per stage with step, loss, validation loss, tokens/s and ETA.

Used by the CLI only (library code does not print). Implements tracking.Reporter. When stderr is not a terminal
(`nohup ... > log`), where Rich draws no bar until the stage ends, each logged record is written as a line instead.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

__all__ = ["RichReporter"]


class RichReporter:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.progress: Progress | None = None
        self.task = None
        self.fields: dict[str, str] = {}

    def stage_started(self, stage: str, total_steps: int, start_step: int, info: dict[str, Any]) -> None:
        self._close()
        details = ", ".join(f"{k} {v}" for k, v in info.items())
        self.console.print(f"[bold]{stage}[/bold]: {details}")
        self.fields = {"loss": "-", "val": "-", "tps": "-"}
        self.total = total_steps
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}  val {task.fields[val]}  {task.fields[tps]} tok/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.progress.start()
        self.task = self.progress.add_task(stage, total=total_steps, completed=start_step, **self.fields)

    def step(self, stage: str, step: int) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=step)

    def logged(self, stage: str, step: int, record: dict[str, Any]) -> None:
        if self.progress is None:
            return
        if record["split"] == "validation":
            self.fields["val"] = f"{record['loss']:.3f}"
        else:
            self.fields["loss"] = f"{record['loss']:.3f}"
            if "tokens_per_s" in record:
                self.fields["tps"] = f"{record['tokens_per_s']:,.0f}"
        self.progress.update(self.task, **self.fields)
        if not self.console.is_terminal:
            f = self.fields
            said = (f"validation loss {f['val']}" if record["split"] == "validation"
                    else f"loss {f['loss']}, {f['tps']} tokens/s")
            self.console.print(f"{stage} step {step}/{self.total}: {said}", highlight=False)

    def stage_finished(self, stage: str, summary: dict[str, Any]) -> None:
        self._close()
        self.console.print(f"[green]{stage} done[/green]: " + ", ".join(f"{k} {v}" for k, v in summary.items()))

    def note(self, message: str) -> None:
        self.console.print(message)

    def _close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
