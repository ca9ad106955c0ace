"""Facts about the data and the licence that every released model shares (not measured per run)."""

from __future__ import annotations

# Estimated by models/cards/estimate_window.py (tissue-peak matching, see the model card).
WINDOW_CENTER_HU = -420.0
WINDOW_WIDTH_HU = 1420.0
WINDOW_ESTIMATE = "models/cards/estimate_window.py: tissue-peak matching, centre IQR [-494, -396] HU, width IQR [1300, 1498] HU"
# The crops are framed around the lungs with a rim of chest wall; ~10 mm is our estimate.
CROP_MARGIN_MM = 10.0
LICENSE = (
    "Research use only. Weights derived from the COVID-SemiSeg dataset (Fan et al., Inf-Net, IEEE TMI 2020), "
    "which is available for non-commercial purposes only; the pseudo-labelled Radiopaedia slices are CC BY-NC-SA 3.0. "
    "Do not use or distribute these weights commercially."
)
INTENDED_USE = "research/investigational use only; not a medical device; every mask must be reviewed by a radiologist"
# Epochs of the published recipes we compare our budget with (CMUNeXt, Inf-Net: ../shared/papers).
PAPER_EPOCHS = 300
PAPER_INPUT_PX = "256/352"
