"""Estimates the display window (centre/width in HU) behind the 8-bit COVID-SemiSeg slices.

The JPG slices carry no Hounsfield units, so the window is inferred by matching two tissue peaks:

1. In real HU-calibrated chest CT we take, inside the body (largest region denser than -500 HU,
   holes filled), the mode of aerated lung (HU in [-1000, -500]) and the mode of soft tissue
   (muscle/blood/heart, HU in [-20, 100]); medians over slices. Soft tissue comes from the 20
   COVID-19 slices of ../shared/data/dicom/covid-ny-sbu (both rescale conventions). Aerated lung
   comes from lidc-idri-0001 (10 slices through the lungs; healthy lung, mode about -885 HU): in
   the COVID slices the lung mode is pulled up by disease and slice thickness (-510 to -960 HU,
   median -745) while the JPG histograms' dark peak is the still-aerated parenchyma (infection
   covers ~15% of a labelled slice on average). Both variants are printed.
2. In every labelled JPG we take the two matching peaks of the smoothed grey-level histogram: the
   darkest large peak (aerated lung) and the brightest large peak below saturation (soft tissue).
3. Assuming a linear window ``pixel = 255 (HU - (C - W/2)) / W``, two peaks give two equations:
   ``W = 255 (soft_hu - lung_hu) / (p_soft - p_lung)``, ``C - W/2 = lung_hu - p_lung W / 255``.

Prints one line per slice and the median/IQR of centre and width as JSON on the last line.
    /usr/bin/python3 models/cards/estimate_window.py [covid-semiseg-dir] [covid-ny-sbu-dir]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def smooth(hist: np.ndarray, k: int) -> np.ndarray:
    kernel = np.ones(k) / k
    return np.convolve(hist, kernel, mode="same")


def dicom_peaks(folder: Path) -> tuple[float, float, list[tuple[str, float, float]]]:
    rows = []
    for f in sorted(folder.glob("*.dcm")):
        lung_peak, soft_peak = dicom_slice_peaks(f)
        rows.append((f.name, lung_peak, soft_peak))
    return float(np.median([r[1] for r in rows])), float(np.median([r[2] for r in rows])), rows


def dicom_slice_peaks(f: Path) -> tuple[float, float]:
    """(aerated-lung mode, soft-tissue mode) in HU of one DICOM slice."""
    import pydicom
    from scipy import ndimage

    ds = pydicom.dcmread(f)
    hu = ds.pixel_array.astype(np.float32) * float(getattr(ds, "RescaleSlope", 1)) + float(getattr(ds, "RescaleIntercept", 0))
    # body: the largest connected region denser than -500 HU with its holes (the lungs) filled, which
    # excludes the air outside the body and the scan-circle padding; lung: [-1000, -500] HU inside it.
    dense, n = ndimage.label(hu > -500)
    sizes = ndimage.sum(np.ones_like(hu), dense, index=range(1, n + 1))
    body = ndimage.binary_fill_holes(dense == 1 + int(np.argmax(sizes)))
    inside = hu[body]
    lung = inside[(inside >= -1000) & (inside <= -500)]
    soft = inside[(inside >= -20) & (inside <= 100)]
    lh, le = np.histogram(lung, bins=100, range=(-1000, -500))
    sh, se = np.histogram(soft, bins=60, range=(-20, 100))
    lung_peak = float(le[np.argmax(smooth(lh.astype(float), 5))] + 2.5)
    soft_peak = float(se[np.argmax(smooth(sh.astype(float), 5))] + 1.0)
    return lung_peak, soft_peak


def lidc_lung_peak(folder: Path) -> float:
    files = sorted(folder.glob("*.dcm"))
    peaks = []
    for f in files[30:110:8]:
        peaks.append(dicom_slice_peaks(f)[0])
    return float(np.median(peaks))


def jpg_peaks(path: Path) -> tuple[float, float]:
    px = np.asarray(Image.open(path).convert("L"), dtype=np.uint8).ravel()
    hist = smooth(np.bincount(px, minlength=256).astype(float), 7)
    hist[:3] = 0  # pure black outside the body/scan circle
    hist[252:] = 0  # saturated bone/contrast
    lung = int(np.argmax(hist[:128]))
    soft = 128 + int(np.argmax(hist[128:]))
    return float(lung), float(soft)


def fit_windows(semiseg: Path, lung_hu: float, soft_hu: float, verbose: bool) -> dict[str, object]:
    centres, widths = [], []
    for img in sorted((semiseg / "train" / "images").glob("*.jpg"), key=lambda p: int(p.stem)):
        pl, ps = jpg_peaks(img)
        if ps - pl < 40:
            print(f"jpg {img.name}: peaks {pl:.0f}/{ps:.0f} too close, skipped")
            continue
        width = 255 * (soft_hu - lung_hu) / (ps - pl)
        low = lung_hu - pl * width / 255
        centres.append(low + width / 2)
        widths.append(width)
        if verbose:
            print(f"jpg {img.name}: lung peak {pl:.0f}, soft peak {ps:.0f} -> C {low + width / 2:.0f} W {width:.0f}")
    c, w = np.array(centres), np.array(widths)
    return {
        "slices": len(c),
        "lungPeakHu": round(lung_hu),
        "softTissuePeakHu": round(soft_hu),
        "centreMedianHu": round(float(np.median(c))),
        "centreIqrHu": [round(float(np.percentile(c, 25))), round(float(np.percentile(c, 75)))],
        "widthMedianHu": round(float(np.median(w))),
        "widthIqrHu": [round(float(np.percentile(w, 25))), round(float(np.percentile(w, 75)))],
    }


def main() -> None:
    repo = Path(__file__).resolve().parents[2]
    data = repo.parent / "shared" / "data"
    semiseg = Path(sys.argv[1]) if len(sys.argv) > 1 else data / "covid-semiseg"
    dicom = Path(sys.argv[2]) if len(sys.argv) > 2 else data / "dicom"
    covid_lung_hu, soft_hu, rows = dicom_peaks(dicom / "covid-ny-sbu")
    for name, lp, sp in rows:
        print(f"dicom {name}: lung peak {lp:.0f} HU, soft-tissue peak {sp:.0f} HU")
    healthy_lung_hu = lidc_lung_peak(dicom / "lidc-idri-0001")
    print(f"aerated lung: {healthy_lung_hu:.0f} HU (lidc-idri-0001), {covid_lung_hu:.0f} HU (covid-ny-sbu); soft tissue {soft_hu:.0f} HU")
    covid = fit_windows(semiseg, covid_lung_hu, soft_hu, verbose=False)
    print("with the COVID-slice lung peak: " + json.dumps(covid))
    print(json.dumps(fit_windows(semiseg, healthy_lung_hu, soft_hu, verbose=True)))


if __name__ == "__main__":
    main()
