import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ctSlice } from '../dicom/syntheticDicom.ts';

/**
 * A small chest-like CT series for the e2e run, written as real DICOM files (CT Image Storage,
 * int16, rescale intercept -1024): body ellipse of soft tissue, two air-filled lungs, a
 * ground-glass lesion in the right lung and a consolidation in the left, over `slices` axial
 * slices of `size`² pixels. `variant` > 0 gives another study (its own UIDs). (To be replaced by the
 * shared chest phantom once it is in main.)
 */
export async function writeE2eStudy(dir: string, size = 256, slices = 48, variant = 0): Promise<{ dir: string; files: number }> {
  const root = `1.2.826.0.1.3680043.10.${999 - variant}`;
  await mkdir(dir, { recursive: true });
  const px = 360 / size;
  const stepMm = 5;
  for (let k = 0; k < slices; k++) {
    const hu = new Int16Array(size * size);
    const zf = k / (slices - 1);
    const lungScale = 0.55 + 0.45 * Math.sin(Math.PI * Math.min(1, 0.1 + zf));
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const u = (x - size / 2) / (size * 0.42);
        const v = (y - size / 2) / (size * 0.3);
        let value = -1000;
        if (u * u + v * v < 1) value = 40;
        for (const side of [-1, 1]) {
          const lu = (x - size / 2 - side * size * 0.19) / (size * 0.14 * lungScale);
          const lv = (y - size / 2) / (size * 0.22 * lungScale);
          if (lu * lu + lv * lv < 1) value = -860;
        }
        const spine = Math.hypot(x - size / 2, y - size * 0.72) < size * 0.05;
        if (spine) value = 700;
        if (k > slices * 0.3 && k < slices * 0.7) {
          if (Math.hypot(x - size * 0.31, y - size * 0.48) < size * 0.05) value = -450;
          if (Math.hypot(x - size * 0.7, y - size * 0.55) < size * 0.035) value = 30;
        }
        hu[x + size * y] = value;
      }
    }
    const stored = hu.map((h) => h + 1024);
    const bytes = ctSlice({
      sopUid: `${root}.1.${k + 1}`,
      seriesUid: `${root}.2`,
      studyUid: `${root}.3`,
      instanceNumber: k + 1,
      positionMm: [-180, -180, -k * stepMm],
      pixelSpacingMm: [px, px],
      rows: size,
      columns: size,
      pixels: stored,
    });
    await writeFile(join(dir, `CT${String(k + 1).padStart(4, '0')}.dcm`), bytes);
  }
  return { dir, files: slices };
}
