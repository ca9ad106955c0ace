"""Compares two NIfTI files voxel by voxel in patient space (nibabel, independent of OPAL).

Both images are put in canonical (RAS+) orientation with nibabel's as_closest_canonical, so a
different storage order (dcm2niix flips rows) does not matter; scaling (scl_slope/scl_inter) is
applied. Prints JSON: shapes, max |affine difference|, voxels that differ, max |value difference|.
"""
import json
import sys

import nibabel as nib
import numpy as np

a = nib.as_closest_canonical(nib.load(sys.argv[1]))
b = nib.as_closest_canonical(nib.load(sys.argv[2]))
va = np.asarray(a.get_fdata(dtype=np.float64)).squeeze()
vb = np.asarray(b.get_fdata(dtype=np.float64)).squeeze()
out = {
    "shapeA": list(va.shape),
    "shapeB": list(vb.shape),
    "affineA": a.affine.tolist(),
    "affineB": b.affine.tolist(),
    "maxAffineDiff": float(np.max(np.abs(a.affine - b.affine))),
    "dtypeA": str(a.get_data_dtype()),
}
if va.shape == vb.shape:
    diff = np.abs(va - vb)
    out["differingVoxels"] = int(np.count_nonzero(diff))
    out["maxValueDiff"] = float(diff.max())
print(json.dumps(out))
