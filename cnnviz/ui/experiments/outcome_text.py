"""How the Experiments tab writes a run's outcome: the results table's cells, and the Markdown report
of a hand-written experiment (a preset's report, beside the report's own numbers, is
:func:`cnnviz.core.experiments.report_markdown`). No Qt.
"""

from __future__ import annotations

import math

from cnnviz.core.experiments import RunOutcome


def custom_report_markdown(name: str, outcomes: list[RunOutcome]) -> str:
    """A Markdown report of a hand-written experiment: its settings and the results table."""
    settings = list(dict.fromkeys(key for outcome in outcomes for key in outcome.run.settings))
    lines = [f"# cnnviz experiment: {name}", "",
             f"Swept: {', '.join(settings) or '—'}. Accuracies in %; every other setting as in the "
             "base configuration.", "",
             "| run | train | test | final loss | seconds | diverged |", "|---|---|---|---|---|---|"]
    for outcome in outcomes:
        lines.append("| {} | {} | {} | {} | {:.1f} | {} |".format(
            outcome.run.label, percent_text(outcome.train_accuracy), percent_text(outcome.test_accuracy),
            loss_text(outcome.final_loss), outcome.seconds, "yes" if outcome.diverged else "no"))
    lines.append("")
    return "\n".join(lines)


def percent_text(value: float | None) -> str:
    """An accuracy (a fraction) as a percentage with two decimals, or "—" when there is none."""
    return "—" if value is None or not math.isfinite(value) else f"{value * 100:.2f}"


def loss_text(value: float | None) -> str:
    """A loss with four significant digits, or "—" when there is none."""
    return "—" if value is None or not math.isfinite(value) else f"{value:.4g}"
