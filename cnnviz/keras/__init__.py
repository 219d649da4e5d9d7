"""cnnviz for Keras scripts: :class:`RunRecorder`, a callback that writes a cnnviz run folder as a model
trains, on any hardware and under any ``tf.distribute`` strategy.

::

    from cnnviz.keras import RunRecorder

    model.fit(x, y, epochs=10, batch_size=64, callbacks=[RunRecorder("runs/my-run", batch_size=64)])

Importing this package loads neither Keras nor TensorFlow; :class:`RunRecorder` does, when it is
first named. No other part of cnnviz imports this package (a layering contract checks it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cnnviz.keras.recorder import RunRecorder

__all__ = ["RunRecorder"]


def __getattr__(name: str) -> Any:
    if name == "RunRecorder":
        from cnnviz.keras.recorder import RunRecorder

        return RunRecorder
    raise AttributeError(f"module 'cnnviz.keras' has no attribute {name!r}")
