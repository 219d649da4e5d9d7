"""The history panel: earlier training runs, replayed epoch by epoch, and two runs compared.

A view over the run folders of :mod:`cnnviz.core.runs`. It lists every run in a
:class:`~cnnviz.ui.history.run_table.RunTable` (name, engine, dataset, status, epochs, test
accuracy) and shows the selected run's details beside it. Under them, two tabs: the
:class:`~cnnviz.ui.history.replay_view.ReplayView` replays the selected run epoch by epoch (its
kernels, their spectra and the current input's feature maps, asked for through
:attr:`HistoryPanel.sig_replay_requested` and handed back to :meth:`HistoryPanel.show_replay`), and
the :class:`~cnnviz.ui.history.comparison_view.ComparisonView` plots two runs' loss and accuracy
on the same axes, the :class:`~cnnviz.ui.history.histogram_view.HistogramView` shows the selected
run's histograms of weights, biases, gradients and activations over its epochs, and the
:class:`~cnnviz.ui.history.epoch_projection_view.EpochProjectionView` its test images in the
embedding projector at two epochs (asked for through :attr:`HistoryPanel.sig_epochs_compare_requested`).

Besides cnnviz's own runs folder it lists the runs of any folders the person adds (a training script's
output on this machine or on a network share); a :class:`~cnnviz.ui.history.run_watcher.RunWatcher`
notices runs appear and grow while another process writes them, and the selected one can be followed
in the training monitor or opened in the viewers (:class:`~cnnviz.ui.history.live_controls.LiveControls`).
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QWidget,
)

from cnnviz.core.run_watch import RunScan, scan_runs
from cnnviz.core.runs import RunInfo, user_data_dir
from cnnviz.service.payloads import ReplayResult
from cnnviz.ui.history.comparison_view import ComparisonView
from cnnviz.ui.history.epoch_projection_view import EpochProjectionView
from cnnviz.ui.history.histogram_view import HistogramView
from cnnviz.ui.history.live_controls import LiveControls
from cnnviz.ui.history.replay_view import NO_RUN_HINT, ReplayView
from cnnviz.ui.history.run_summary import run_details_html
from cnnviz.ui.history.run_table import RunTable
from cnnviz.ui.history.run_watcher import POLL_MS, RunWatcher
from cnnviz.ui.layout import PageLayout
from cnnviz.ui.wording import counted


class HistoryPanel(QWidget):
    """Earlier training runs: details, an epoch-by-epoch replay, and a comparison of two runs.

    Parameters
    ----------
    parent : QWidget, optional
    use_file_watcher : bool
        Notice changes through the operating system's notifications as well as by polling (off:
        polling alone, as on a network share that sends none).
    poll_ms : int
        How often the folders are looked at for changes, in milliseconds.
    """

    sig_replay_requested = Signal(str, int)
    """Inspect the current input with the checkpoint of this run folder after this epoch (0-based)."""
    sig_resume_requested = Signal(str, int)
    """Continue the run in this folder, in the window, until it has this many epochs in all."""
    sig_follow_requested = Signal(str)
    """Follow the run in this folder in the training monitor (``""``: stop following)."""
    sig_open_checkpoint_requested = Signal(str)
    """Load the newest complete checkpoint of the run in this folder into the viewers."""
    sig_folders_changed = Signal()
    """A folder was added or removed (:meth:`extra_folders`)."""
    sig_epochs_compare_requested = Signal(str, int, int, int)
    """Project test images at two epochs of this run folder (first, second, number of images)."""

    def __init__(self, parent: QWidget | None = None, use_file_watcher: bool = True, poll_ms: int = POLL_MS):
        super().__init__(parent)
        self._root: Path | None = None
        self._extra: list[Path] = []
        self.watcher = RunWatcher(use_file_watcher, poll_ms, parent=self)
        self._listed = False
        self._runs: list[RunInfo] = []
        self._run: RunInfo | None = None
        self._build_widgets()
        self._show_run_details()

    # -- construction ------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.root_label = QLabel()
        self.root_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.root_label.setToolTip("The folder whose run folders are listed.")
        # A long folder wraps instead of widening the page past the window.
        self.root_label.setWordWrap(True)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("List the run folders again (new runs, finished ones).")
        top = QHBoxLayout()
        top.addWidget(self.root_label, 1)
        top.addWidget(self.refresh_button)

        self.add_folder_button = QPushButton("Add folder…")
        self.add_folder_button.setToolTip("List the runs of another folder too, such as where a training script "
                                          "on this or another machine records its runs; they update as they train.")
        self.remove_folder_button = QPushButton("Remove folder")
        self.remove_folder_button.setToolTip("Stop listing the runs of a folder you added (its files stay).")
        self.remove_folder_button.setEnabled(False)
        self.remove_folder_menu = QMenu(self)
        self.remove_folder_menu.setObjectName("remove_folder_menu")
        top.insertWidget(1, self.add_folder_button)
        top.insertWidget(2, self.remove_folder_button)
        self.live = LiveControls()
        self.follow_button, self.open_checkpoint_button = self.live.follow_button, self.live.open_checkpoint_button
        self.open_each_check = self.live.open_each_check
        self.run_table = RunTable()
        self.details_label = QLabel()
        self.details_label.setWordWrap(True)
        self.details_label.setTextFormat(Qt.TextFormat.RichText)
        self.details_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details_label.setToolTip("The selected run: where it is, what it trained and how it ended.")
        self.details_label.setMinimumWidth(150)
        details_scroll = QScrollArea()
        details_scroll.setWidgetResizable(True)
        details_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        details_scroll.setWidget(self.details_label)
        details_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue the selected run in the window from its last complete epoch "
                                      "(its model, optimizer state and data order), writing into its folder.")
        self.resume_epochs_spin = QSpinBox()
        self.resume_epochs_spin.setRange(1, 10_000)
        self.resume_epochs_spin.setPrefix("to epoch ")
        self.resume_epochs_spin.setToolTip("The total number of epochs the resumed run should reach.")
        # Beside Refresh: the details beside the list have no width to spare on a laptop screen.
        top.addWidget(self.resume_button)
        top.addWidget(self.resume_epochs_spin)
        # The runs and the selected run's details side by side above, the replay below with the
        # whole width: the grids of kernels and maps need room more than the list does.
        left = QSplitter(Qt.Orientation.Horizontal)
        left.setChildrenCollapsible(False)
        left.addWidget(self.run_table)
        left.addWidget(details_scroll)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        left.setSizes([540, 360])

        self.replay = ReplayView()
        self.comparison = ComparisonView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.replay, "Replay epochs")
        self.tabs.addTab(self.comparison, "Compare two runs")
        # The tab bar has room to spare beside its two tabs: the live-run actions take no height there.
        self.tabs.setCornerWidget(self.live, Qt.Corner.TopRightCorner)
        self.histogram_view = HistogramView()
        self.epoch_projection = EpochProjectionView()
        self.tabs.addTab(self.histogram_view, "Histograms")
        self.tabs.addTab(self.epoch_projection, "Compare epochs")
        self.tabs.setTabToolTip(0, "Kernels, their spectra and the current input's feature maps after "
                                   "each saved epoch of the selected run.")
        self.tabs.setTabToolTip(1, "Two runs' loss and accuracy per epoch on the same axes.")
        self.tabs.setTabToolTip(2, "The selected run's weights, biases, gradients and activations over its "
                                   "epochs, and what stands out at a glance.")
        self.tabs.setTabToolTip(3, "The selected run's test images in the embedding projector at two epochs.")
        # The pages' controls, under the names the window and the tests have always used.
        replay, comparison = self.replay, self.comparison
        self.epoch_slider, self.epoch_label = replay.epoch_slider, replay.epoch_label
        self.layer_combo, self.channel_spin, self.view_tabs = replay.layer_combo, replay.channel_spin, replay.view_tabs
        self.kernel_page, self.spectrum_page, self.feature_page = (replay.kernel_page, replay.spectrum_page,
                                                                   replay.feature_page)
        self.run_a_combo, self.run_b_combo = comparison.run_a_combo, comparison.run_b_combo
        self.log_scale_check, self.compare_hint = comparison.log_scale_check, comparison.compare_hint
        self.loss_widget, self.accuracy_widget = comparison.loss_widget, comparison.accuracy_widget

        self.tabs.setMinimumHeight(240)
        body = QSplitter(Qt.Orientation.Vertical)
        body.setChildrenCollapsible(False)
        body.addWidget(left)
        body.addWidget(self.tabs)
        # About a third for the list and the details (a laptop screen then shows five runs and
        # most of the details), the rest for the replay and the comparison.
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 2)
        body.setSizes([180, 360])

        layout = PageLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(body, 1)

        self.refresh_button.clicked.connect(self._on_refresh_clicked)
        self.run_table.itemSelectionChanged.connect(self._on_run_selection_changed)
        self.replay.sig_replay_requested.connect(self.sig_replay_requested)
        self.epoch_projection.sig_compare_requested.connect(self.sig_epochs_compare_requested)
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.add_folder_button.clicked.connect(self._on_add_folder_clicked)
        self.remove_folder_button.clicked.connect(self._on_remove_folder_clicked)
        self.remove_folder_menu.triggered.connect(self._on_remove_folder_chosen)
        self.follow_button.toggled.connect(self._on_follow_toggled)
        self.open_checkpoint_button.clicked.connect(self._on_open_checkpoint_clicked)
        self.watcher.sig_runs_scanned.connect(self._on_runs_scanned)

    # -- public interface: runs --------------------------------------------------------------------
    def set_runs_root(self, path: str | Path | None) -> None:
        """List the runs under ``path`` (``None``: the user data folder's ``runs/``)."""
        self._root = Path(path) if path is not None else None
        self._folders_changed()

    def runs_root(self) -> Path:
        """The folder whose runs are listed."""
        return self._root if self._root is not None else user_data_dir() / "runs"

    def folders(self) -> list[Path]:
        """Every folder whose runs are listed: :meth:`runs_root`, then :meth:`extra_folders`."""
        return [self.runs_root(), *self._extra]

    def extra_folders(self) -> list[Path]:
        """The folders added to the runs root, in the order they were added."""
        return list(self._extra)

    def set_extra_folders(self, folders: list[str | Path]) -> None:
        """List the runs of these folders too (a folder given twice, or the runs root, counts once)."""
        extra: list[Path] = []
        for folder in map(Path, folders):
            if folder not in extra and folder != self.runs_root():
                extra.append(folder)
        self._extra = extra
        self._folders_changed()

    def add_folder(self, folder: str | Path) -> None:
        """List the runs of ``folder`` too."""
        self.set_extra_folders([*self._extra, Path(folder)])

    def remove_folder(self, folder: str | Path) -> None:
        """Stop listing the runs of the added folder ``folder`` (its files stay)."""
        self.set_extra_folders([path for path in self._extra if path != Path(folder)])

    def stop_watching(self) -> None:
        """Stop looking for changes in the folders (the window is closing)."""
        self.watcher.stop()

    def _folders_changed(self) -> None:
        self.remove_folder_button.setEnabled(bool(self._extra))
        self.watcher.set_folders(self.folders())
        self.refresh()
        self.sig_folders_changed.emit()

    def refresh(self) -> None:
        """List the runs again, keeping the selected run (and the comparison) when it is still there."""
        self._show_runs(list(scan_runs(self.folders()).runs))

    def _show_runs(self, runs: list[RunInfo]) -> None:
        selected = self._run.path if self._run is not None else None
        self._runs = runs
        self._listed = True
        where = self.runs_root() if not self._extra else f"{counted(len(self.folders()), 'folder')}"
        self.root_label.setText(f"Runs in {where} — {counted(len(self._runs), 'run')}")
        self.root_label.setToolTip("The folders whose run folders are listed:\n"
                                   + "\n".join(str(folder) for folder in self.folders()))
        self.run_table.set_runs(self._runs, show_folder=bool(self._extra))
        paths = [run.path for run in self._runs]
        self.comparison.set_runs(self._runs, paths.index(selected) if selected in paths else None)
        if selected in paths:
            self.select_run(paths.index(selected))
        else:
            self._clear_selection()

    def runs(self) -> list[RunInfo]:
        """The listed runs, newest first."""
        return list(self._runs)

    def selected_run(self) -> RunInfo | None:
        """The selected run, if any."""
        return self._run

    def select_run(self, index: int) -> None:
        """Select run ``index`` of :meth:`runs`: show its details and its last epoch."""
        if not 0 <= index < len(self._runs):
            raise ValueError(f"There are {counted(len(self._runs), 'run')}; index {index} is outside the list.")
        self._run = RunInfo(self._runs[index].path)  # read afresh: a run still training gains epochs
        self._runs[index] = self._run
        self.comparison.update_run(index, self._run)
        self.run_table.show_selected(index, self._run)
        self._show_run_details()
        self.replay.set_run(self._run)
        self.histogram_view.set_run(self._run)
        self.epoch_projection.set_run(self._run)
        # Run A of the comparison is the selected run, until the person picks one there.
        self.comparison.follow_selection(index)

    # -- public interface: replay ------------------------------------------------------------------
    def set_epoch(self, epoch: int) -> None:
        """Show epoch ``epoch`` (0-based; -1: the weights before training) of the selected run and ask
        for its feature maps at once."""
        self.replay.set_epoch(epoch)

    def epoch(self) -> int | None:
        """The epoch shown (0-based), or ``None``."""
        return self.replay.epoch()

    def set_input_available(self, available: bool) -> None:
        """Whether the window has an input to replay (without one, the feature maps tab says how to
        get one)."""
        self.replay.set_input_available(available)

    def show_replay(self, result: ReplayResult) -> None:
        """Show the feature maps of a replay, if it is for the selected run (an older epoch's answer
        is shown until the newest arrives)."""
        self.replay.show_replay(result)

    def replay_shown(self) -> ReplayResult | None:
        """The replay whose feature maps are shown, if any."""
        return self.replay.replay_shown()

    def layer(self) -> str | None:
        """The convolution layer shown."""
        return self.replay.layer()

    def set_layer(self, name: str) -> None:
        """Show the convolution layer ``name``."""
        self.replay.set_layer(name)

    # -- public interface: histograms and epochs in the projector -------------------------------------
    def set_epoch_comparison_pending(self, job_id: int) -> None:
        """The projection of two epochs was asked for as job ``job_id``."""
        self.epoch_projection.set_pending(job_id)

    def show_epoch_comparison(self, answer) -> None:
        """Draw the answer (:class:`~cnnviz.service.history_jobs.EpochComparisonAnswer`) of the pending job."""
        self.epoch_projection.show_answer(answer)

    # -- public interface: comparison --------------------------------------------------------------
    def compare(self, index_a: int, index_b: int) -> None:
        """Plot runs ``index_a`` and ``index_b`` of :meth:`runs` on the comparison tab."""
        for index in (index_a, index_b):
            if not 0 <= index < len(self._runs):
                raise ValueError(f"There are {counted(len(self._runs), 'run')}; index {index} is outside the list.")
        self.comparison.compare(index_a, index_b)

    def comparison_curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The comparison's curves: ``"A: <short run name> — <metric>"`` → (x, y), metric one of ``loss``,
        ``batch loss``, ``validation accuracy``, ``training accuracy``; empty ones left out."""
        return self.comparison.curves()

    def comparison_legend(self, plot: str = "loss") -> list[str]:
        """The entries of the comparison's ``"loss"`` or ``"accuracy"`` legend."""
        return self.comparison.legend(plot)

    def divergence_positions(self) -> dict[str, tuple[float, float]]:
        """Where each compared run diverged (``"A"``/``"B"`` → its last finite loss), for runs that did."""
        return self.comparison.divergence_positions()

    def scale_note_text(self) -> str:
        """Why the comparison's loss axis was made logarithmic (empty when it was not)."""
        return self.comparison.scale_note_text()

    # -- details -----------------------------------------------------------------------------------
    def _on_runs_scanned(self, scan: RunScan) -> None:
        """Runs changed on disk: rewrite the changed rows, or list them all again when runs came or went."""
        if [run.path for run in scan.runs] != [run.path for run in self._runs]:
            self._show_runs(list(scan.runs))
            return
        for index, run in enumerate(scan.runs):
            if run.path not in scan.changed:
                continue
            if self._run is not None and run.path == self._run.path:
                self.select_run(index)  # its details, epochs and replay range grow
            else:
                self._runs[index] = run
                self.run_table.fill_row(index, run)
                self.comparison.update_run(index, run)

    def _clear_selection(self) -> None:
        self._run = None
        self._show_run_details()
        self.replay.clear(NO_RUN_HINT if self._runs else self._no_runs_text())
        self.histogram_view.set_run(None)
        self.epoch_projection.set_run(None)

    def _no_runs_text(self) -> str:
        return (f"No runs under {self.runs_root()} yet. Train a model (Train in the Model panel, or "
                "cnnviz train), then press Refresh.")

    def _show_run_details(self) -> None:
        self._show_resume()
        self.live.set_run_selected(self._run is not None, self._run is not None and self._run.num_epochs > 0)
        if self._run is None:
            self.details_label.setText(html.escape(NO_RUN_HINT if self._runs or not self._listed
                                                   else self._no_runs_text()))
        else:
            self.details_label.setText(run_details_html(self._run))

    def _show_resume(self) -> None:
        """Offer Resume for a run that can continue (ended, with its last epoch's training state)."""
        run = self._run
        resumable = run is not None and run.resumable
        self.resume_button.setEnabled(resumable)
        self.resume_epochs_spin.setEnabled(resumable)
        if run is None:
            self.resume_button.setToolTip("Select a run to continue it.")
            return
        if not resumable:
            self.resume_button.setToolTip(f"The run {run.name} cannot be resumed: {run.resume_problem}.")
            return
        planned = run.info.get("epochs_planned")
        target = planned if isinstance(planned, int) and planned > run.num_epochs else run.num_epochs + 1
        self.resume_epochs_spin.setMinimum(run.num_epochs + 1)
        self.resume_epochs_spin.setValue(target)
        self.resume_button.setToolTip(f"Continue {run.name} ({run.status}, {counted(run.num_epochs, 'epoch')}) "
                                      "in the window, writing into its folder.")

    # -- slots -------------------------------------------------------------------------------------
    def _on_resume_clicked(self) -> None:
        if self._run is not None and self._run.resumable:
            self.sig_resume_requested.emit(str(self._run.path), self.resume_epochs_spin.value())

    def _on_refresh_clicked(self) -> None:
        self.refresh()

    def _on_add_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of runs", str(self.runs_root().parent))
        if folder:
            self.add_folder(folder)
            self.watcher.start()

    def _on_remove_folder_clicked(self) -> None:
        """Offer the added folders in a menu under the button; the one chosen is removed."""
        menu = self.remove_folder_menu
        menu.clear()
        for folder in self._extra:
            menu.addAction(str(folder)).setData(str(folder))
        menu.popup(self.remove_folder_button.mapToGlobal(self.remove_folder_button.rect().bottomLeft()))

    def _on_remove_folder_chosen(self, action) -> None:
        self.remove_folder(action.data())

    def _on_follow_toggled(self, checked: bool) -> None:
        if checked and self._run is None:
            self.follow_button.setChecked(False)
            return
        if checked:
            self.watcher.start()
        self.sig_follow_requested.emit(str(self._run.path) if checked and self._run is not None else "")

    def _on_open_checkpoint_clicked(self) -> None:
        if self._run is not None:
            self.sig_open_checkpoint_requested.emit(str(self._run.path))

    def _on_run_selection_changed(self) -> None:
        rows = sorted({index.row() for index in self.run_table.selectionModel().selectedRows()})
        if rows:
            self.select_run(rows[0])

    def showEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        """List the runs the first time the panel is shown."""
        super().showEvent(event)
        if not self._listed:
            self.refresh()
        self.watcher.start()
