"""Beside the History tab's Replay and Compare tabs: what to do with the run while it trains (follow
it in the training monitor, open its newest checkpoint in the viewers, or open each new one as it
arrives)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QWidget


class LiveControls(QWidget):
    """The live-run actions, on one line (the corner of the replay's tab bar, which has room to spare).

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.follow_button = QPushButton("Follow")
        self.follow_button.setCheckable(True)
        self.follow_button.setToolTip("Follow the selected run in the training monitor: its loss and accuracy "
                                      "grow as the run writes them (a run another process or machine trains, too).")
        self.open_checkpoint_button = QPushButton("Open newest")
        self.open_checkpoint_button.setToolTip("Open newest checkpoint: load the selected run's newest complete "
                                               "checkpoint into the viewers (it replaces the model open now).")
        self.open_each_check = QCheckBox("each new epoch")
        self.open_each_check.setToolTip("While following a run, load each new checkpoint into the viewers as soon "
                                        "as its epoch is complete.")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 2, 2)
        layout.setSpacing(4)
        for widget in (self.follow_button, self.open_checkpoint_button, self.open_each_check):
            layout.addWidget(widget)
        self.set_run_selected(False)

    def set_run_selected(self, selected: bool, has_checkpoint: bool = False) -> None:
        """Offer the run actions for a selected run (opening one needs a checkpoint)."""
        self.follow_button.setEnabled(selected or self.follow_button.isChecked())
        self.open_checkpoint_button.setEnabled(selected and has_checkpoint)
