"""The run's human-readable record: ``log.csv`` (one row per epoch) and ``curves.png``. Both are
rewritten whole from the history each epoch, and the history travels in last.pt, so they cover
every session of a resumed run."""

from __future__ import annotations

import csv
import os
from pathlib import Path


def write_log_csv(path: Path, history: list[dict[str, float]]) -> None:
    """Columns: the union of the records' keys in first-seen order (a column added later stays empty before)."""
    fieldnames: list[str] = []
    for rec in history:
        fieldnames += [k for k in rec if k not in fieldnames]
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fieldnames)
        w.writeheader()
        for rec in history:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in rec.items()})
    os.replace(tmp, path)


def draw_curves(path: Path, history: list[dict[str, float]], width: int = 900, height: int = 420) -> None:
    """Training-curve PNG with PIL (matplotlib is not installed here): loss left, validation Dice right."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    panels = [
        ("training loss", [("loss", (31, 119, 180)), ("loss_labelled", (255, 127, 14)), ("loss_pseudo", (44, 160, 44))], None),
        (
            "validation Dice",
            [
                ("val_dice_infection", (214, 39, 40)),
                ("val_dice_ggo", (148, 103, 189)),
                ("val_dice_consolidation", (140, 86, 75)),
                ("val_dice_infection_per_slice_mean", (23, 190, 207)),
            ],
            (0.0, 1.0),
        ),
    ]
    pw = width // 2
    epochs = [h["epoch"] for h in history]
    for p, (title, series, fixed) in enumerate(panels):
        x0, y0, x1, y1 = p * pw + 50, 30, p * pw + pw - 15, height - 90
        draw.rectangle([x0, y0, x1, y1], outline="black")
        draw.text((x0, 10), title, fill="black")
        values = [h[k] for k, _ in series for h in history if k in h]
        lo, hi = fixed if fixed else (min(values + [0.0]), max(values + [1e-6]))
        hi = hi if hi > lo else lo + 1
        for frac in (0.0, 0.5, 1.0):
            yy = y1 - frac * (y1 - y0)
            draw.text((p * pw + 5, yy - 6), f"{lo + frac * (hi - lo):.2f}", fill="black")
        emax = max(epochs[-1], 1)
        for k, colour in series:
            pts = [(x0 + (h["epoch"] / emax) * (x1 - x0), y1 - (h[k] - lo) / (hi - lo) * (y1 - y0)) for h in history if k in h]
            if len(pts) > 1:
                draw.line(pts, fill=colour, width=2)
            elif pts:
                draw.ellipse([pts[0][0] - 2, pts[0][1] - 2, pts[0][0] + 2, pts[0][1] + 2], fill=colour)
        for i, (k, colour) in enumerate(series):
            draw.line([x0, y1 + 22 + 14 * i, x0 + 20, y1 + 22 + 14 * i], fill=colour, width=3)
            draw.text((x0 + 25, y1 + 16 + 14 * i), k, fill="black")
        draw.text((x1 - 60, y1 + 4), f"epoch {int(epochs[-1])}", fill="black")
    tmp = path.with_name(path.name + ".tmp.png")
    img.save(tmp)
    os.replace(tmp, path)
