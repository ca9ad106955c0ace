"""Independent reference values for the DICOM acceptance tests (pydicom, not OPAL's parser).

Usage: python3 dicom_reference.py series DIR        -> slice count, spacing, origin of the CT files in DIR
       python3 dicom_reference.py dicomdir FILE...  -> {file: SeriesInstanceUIDs of the DICOMDIR's SERIES records}
"""
import json
import warnings
import os
import sys

import numpy as np
import pydicom


def series(folder):
    slices = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except Exception:
            continue
        if "ImagePositionPatient" not in ds:
            continue
        slices.append(ds)
    iop = np.array([float(v) for v in slices[0].ImageOrientationPatient])
    normal = np.cross(iop[:3], iop[3:])
    slices.sort(key=lambda d: float(np.dot(normal, [float(v) for v in d.ImagePositionPatient])))
    first, last = slices[0], slices[-1]
    p0 = np.array([float(v) for v in first.ImagePositionPatient])
    p1 = np.array([float(v) for v in last.ImagePositionPatient])
    ps = [float(v) for v in first.PixelSpacing]
    return {
        "count": len(slices),
        "seriesInstanceUids": sorted({str(d.SeriesInstanceUID) for d in slices}),
        # PixelSpacing is [row spacing, column spacing]; x (along a row) uses the column spacing.
        "spacingMm": [ps[1], ps[0], float(np.dot(p1 - p0, normal)) / (len(slices) - 1)],
        "originMm": p0.tolist(),
        "normal": normal.tolist(),
    }


def dicomdir(path):
    warnings.simplefilter("ignore")
    ds = pydicom.dcmread(path, force=True)
    records = ds.get("DirectoryRecordSequence", [])
    return {
        "series": sorted({str(r.SeriesInstanceUID) for r in records if r.DirectoryRecordType == "SERIES"}),
        "images": len([r for r in records if r.DirectoryRecordType == "IMAGE"]),
    }


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "series":
        print(json.dumps(series(sys.argv[2])))
    else:
        print(json.dumps({p: dicomdir(p) for p in sys.argv[2:]}))
