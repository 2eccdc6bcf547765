"""vision/: pure functions over frames (RGB uint8 arrays): find a target, read text, see change.

No screen capture and no global state here; every threshold is a parameter or a frozen
config passed in.
"""

from deskhand.vision.change import change_box, change_boxes, changed_mask, signature, similarity
from deskhand.vision.ocr import Ocr, OcrConfig, TextBox, best_text_match, normalize
from deskhand.vision.template import Match, MatchConfig, find, find_multiscale

__all__ = [
    "Match",
    "MatchConfig",
    "Ocr",
    "OcrConfig",
    "TextBox",
    "best_text_match",
    "change_box",
    "change_boxes",
    "changed_mask",
    "find",
    "find_multiscale",
    "normalize",
    "signature",
    "similarity",
]
