"""The desktop interface (PySide6 + pyqtgraph): thin views over the model service.

Importing this package configures pyqtgraph once: images are row-major (``array[row, col]``,
as NumPy and the engines store them) and antialiasing is on.
"""

import pyqtgraph as pg

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True, background="w", foreground="k")
