"""The window's menus, training toolbar and status bar, and the shortcuts they answer to."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QMenu, QMessageBox, QProgressBar, QToolBar

from cnnviz import __version__

if TYPE_CHECKING:
    from cnnviz.ui.main_window import MainWindow

SHORTCUTS = [
    ("Ctrl+O", "Open a model (.npz or .keras)"), ("Ctrl+I", "Open an image"), ("Ctrl+S", "Save the model"),
    ("Ctrl+E", "Export the current view"), ("Ctrl+Shift+E", "Export everything for the current input"),
    ("Ctrl+B", "Build the configured model"), ("Ctrl+T", "Train"), ("Space", "Pause or resume training"),
    ("Ctrl+Right", "Train one batch, then pause"), ("Ctrl+Shift+Right", "Train to the end of the epoch, then pause"),
    ("Ctrl+.", "Stop training"), ("Ctrl+R", "Random sample"), ("Ctrl+Z", "Undo the last stroke"),
    ("Delete", "Clear the canvas"), ("Ctrl+1 … Ctrl+4", "Feature maps, kernels, spectra, gradients"),
    ("Ctrl+0", "Overview: every layer at a glance"), ("Ctrl+5", "Explain: attribution maps"),
    ("Ctrl+6", "Features: what each filter responds to"),
    ("Ctrl+Q", "Quit"),
]


def add_action(window: MainWindow, menu: QMenu, text: str, slot: Callable[[], object], shortcut=None,
               tip: str = "") -> QAction:
    """A menu entry that calls ``slot`` with no argument."""
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip or text)
    # triggered(bool checked) would hand its flag to slots with an optional first parameter
    # (load_sample(index=None) got False, "sample 0"); the slots are called with no argument.
    action.triggered.connect(lambda _checked=False, slot=slot: slot())
    menu.addAction(action)
    return action


def build_menus(window: MainWindow) -> None:
    files, training, panel = window.files, window.training, window.config_panel
    file_menu = window.menuBar().addMenu("&File")
    add_action(window, file_menu, "&Open model…", files.open_model, QKeySequence.Open,
               "Open a cnnviz .npz model or a .keras model (safe mode)")
    add_action(window, file_menu, "Open &image…", files.open_image, "Ctrl+I", "Load an image as the input")
    window.save_action = add_action(window, file_menu, "&Save model…", files.save_model, QKeySequence.Save)
    file_menu.addSeparator()
    add_action(window, file_menu, "&Export figure…", files.export_figure, "Ctrl+E",
               "Write the current view as PNG, SVG or PDF")
    add_action(window, file_menu, "Export &all…", files.export_all, "Ctrl+Shift+E",
               "Write every layer's maps, kernels, spectra and gradients for this input")
    add_action(window, file_menu, "Export loss &history (CSV)…", files.export_history)
    file_menu.addSeparator()
    add_action(window, file_menu, "&Quit", window.close, QKeySequence.Quit)

    model_menu = window.menuBar().addMenu("&Model")
    add_action(window, model_menu, "&Build", panel.build_button.click, "Ctrl+B")
    add_action(window, model_menu, "&Train", panel.train_button.click, "Ctrl+T")
    add_action(window, model_menu, "&Pause / resume", training.toggle_pause, "Space")
    add_action(window, model_menu, "&Stop", window.service.stop, "Ctrl+.")
    model_menu.addSeparator()
    model_menu.addAction(window.step_batch_action)
    model_menu.addAction(window.step_epoch_action)
    model_menu.addSeparator()
    add_action(window, model_menu, "Set learning rate now…", window.ask_learning_rate,
               tip="Change the learning rate while training runs")

    dataset_menu = window.menuBar().addMenu("&Dataset")
    add_action(window, dataset_menu, "Image &folder…", window.image_folders.choose,
               tip="Train on your own pictures: a folder with one sub-folder of pictures per class")

    view_menu = window.menuBar().addMenu("&View")
    for dock in (window.config_dock, window.canvas_dock, window.monitor_dock):
        view_menu.addAction(dock.toggleViewAction())
    view_menu.addSeparator()
    for index, (name, page) in enumerate((("Feature maps", window.feature_maps_view), ("Kernels", window.kernels_view),
                                          ("Spectra", window.spectra_view), ("Gradients", window.gradients_view))):
        add_action(window, view_menu, name, lambda page=page: window.show_tab(page), f"Ctrl+{index + 1}")
    add_action(window, view_menu, "Overview", lambda: window.show_tab(window.overview_view), "Ctrl+0",
               "Every layer of the network at a glance; click a thumbnail to open that filter")
    add_action(window, view_menu, "Explain", lambda: window.show_tab(window.explain_panel), "Ctrl+5")
    add_action(window, view_menu, "Features", lambda: window.show_tab(window.features_panel), "Ctrl+6")
    view_menu.addSeparator()
    add_action(window, view_menu, "Random sample", window.canvas.load_sample, "Ctrl+R")
    add_action(window, view_menu, "Clear canvas", window.canvas.clear, QKeySequence.Delete)
    add_action(window, view_menu, "Reset layout", window.reset_layout)

    help_menu = window.menuBar().addMenu("&Help")
    add_action(window, help_menu, "&Keyboard shortcuts", lambda: show_shortcuts(window), "F1")
    add_action(window, help_menu, "&About cnnviz", lambda: show_about(window))


def build_training_toolbar(window: MainWindow) -> None:
    """The Model panel's commands always in sight, stepping, and the (one) learning rate."""
    panel = window.config_panel
    bar = QToolBar("Training controls", window)
    bar.setObjectName("toolbar_training")
    window.addToolBar(bar)
    # The model panel's commands, always in sight (the panel scrolls on small screens).
    window.toolbar_commands = []
    for button in (panel.build_button, panel.train_button, panel.pause_button, panel.resume_button,
                   panel.stop_button):
        action = QAction(button.text(), window)
        action.setToolTip(button.toolTip())
        action.triggered.connect(button.click)
        bar.addAction(action)
        window.toolbar_commands.append((action, button))
    bar.addSeparator()
    window.step_batch_action = QAction("Step batch", window)
    window.step_batch_action.setShortcut(QKeySequence("Ctrl+Right"))
    window.step_batch_action.setToolTip("Train one batch, then pause (Ctrl+Right). When no training runs, "
                                        "this starts a new run with the model panel's settings.")
    window.step_batch_action.triggered.connect(lambda _checked=False: window.training.step("batch"))
    window.step_epoch_action = QAction("Step epoch", window)
    window.step_epoch_action.setShortcut(QKeySequence("Ctrl+Shift+Right"))
    window.step_epoch_action.setToolTip("Train to the end of the epoch, then pause (Ctrl+Shift+Right)")
    window.step_epoch_action.triggered.connect(lambda _checked=False: window.training.step("epoch"))
    bar.addAction(window.step_batch_action)
    bar.addAction(window.step_epoch_action)
    bar.addSeparator()
    bar.addWidget(QLabel(" Learning rate "))
    # One value with the Model panel's learning rate: editing either edits the configuration,
    # and while training runs the new rate applies from the next batch.
    rate = QDoubleSpinBox(decimals=5, minimum=0.00001, maximum=10.0, singleStep=0.001)
    rate.setObjectName("toolbar_learning_rate")
    rate.setKeyboardTracking(False)
    rate.setToolTip("The learning rate (the same as the Model panel's). While training runs, a new value "
                    "applies from the next batch.")
    rate.setValue(panel.config().training.learning_rate)
    rate.valueChanged.connect(panel.set_learning_rate)
    bar.addWidget(rate)
    window.live_learning_rate = rate


def build_status_bar(window: MainWindow) -> None:
    bar = window.statusBar()
    window.state_label = QLabel("idle")
    window.state_label.setToolTip("What the model service is doing")
    window.model_label = QLabel("no model")
    window.progress_bar = QProgressBar()
    window.progress_bar.setMaximumWidth(220)
    # Its room is kept while it is hidden: shown as training starts, it would otherwise change the
    # status bar's height and lay out every dock and view again just as the worker gets busy.
    policy = window.progress_bar.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    window.progress_bar.setSizePolicy(policy)
    window.progress_bar.setVisible(False)
    window.eta_label = QLabel()
    window.latency_label = QLabel()
    window.latency_label.setToolTip("Time the engine took for the last complete inspection")
    # Labels that change while drawing and training have a fixed size: a status-bar label that changes
    # size lays the whole window out again (every dock and tool bar), several times a second.
    for label, widest in ((window.latency_label, "inspection 9999 ms"),
                          (window.eta_label, "epoch 999/999 · ETA 99:59:59")):
        label.setFixedSize(label.fontMetrics().horizontalAdvance(widest) + 8, label.sizeHint().height())
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    bar.addWidget(window.state_label)
    bar.addWidget(window.model_label, 1)
    bar.addPermanentWidget(window.latency_label)
    bar.addPermanentWidget(window.progress_bar)
    bar.addPermanentWidget(window.eta_label)


def show_shortcuts(window: MainWindow) -> None:
    rows = "".join(f"<tr><td><b>{key}</b></td><td>&nbsp;&nbsp;{text}</td></tr>" for key, text in SHORTCUTS)
    window.inform("Keyboard shortcuts", f"<table>{rows}</table>")


def show_about(window: MainWindow) -> None:
    window.inform("About cnnviz", (
        f"<h3>cnnviz {__version__}</h3><p>Build a small convolutional network, train it, draw a digit "
        "or a shape and see inside it: feature maps, kernels, their spectra and gradients.</p>"
        "<p>Two engines: a from-scratch NumPy engine and Keras/TensorFlow.</p>"
        "<p>Bundled data: 10,000 MNIST digits (LeCun, Cortes, Burges; CC BY-SA 3.0).</p>"), QMessageBox.NoIcon)
