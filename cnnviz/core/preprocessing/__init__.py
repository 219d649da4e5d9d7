"""Turn a drawn or loaded picture into a model input the way MNIST itself was made.

MNIST digits are light ink on a black background; each digit was scaled, keeping its
aspect ratio, so that its longer side is 20 pixels (antialiased, which makes the grey
levels), then placed in a 28 x 28 frame with its centre of mass at the frame's centre.
:func:`preprocess_image` repeats those steps for any picture: a canvas drawing, a photo of
a digit on paper, an RGBA file with a transparent background.  Dataset images are already
in that form and only need scaling to ``[0, 1]`` (:func:`preprocess_batch`).

Pure NumPy: no Pillow or SciPy, so the interface and the engines can rely on it anywhere.

One module per step: :mod:`.image_arrays` (reading any array as a picture), :mod:`.conversion`
(colour to grey, shrinking and resampling), :mod:`.framing` (inverting, cropping, scaling and
centring one picture), :mod:`.batch` (scaling dataset images), :mod:`.model_input` (a picture or
dataset images fitted to a model's input shape of any size, grey or colour, saying what was
converted). The names below are the package's public face.
"""

from cnnviz.core.preprocessing.batch import preprocess_batch
from cnnviz.core.preprocessing.conversion import to_grayscale
from cnnviz.core.preprocessing.framing import (
    MAX_WORKING_SIDE,
    EmptyImageError,
    PreprocessResult,
    ink_polarity,
    preprocess_image,
)
from cnnviz.core.preprocessing.model_input import (
    COLOUR_TO_GREY,
    GREY_TO_COLOUR,
    ModelInput,
    fit_batch,
    picture_input,
)

__all__ = [
    "COLOUR_TO_GREY",
    "GREY_TO_COLOUR",
    "ModelInput",
    "fit_batch",
    "picture_input",
    "EmptyImageError",
    "PreprocessResult",
    "MAX_WORKING_SIDE",
    "to_grayscale",
    "ink_polarity",
    "preprocess_image",
    "preprocess_batch",
]
