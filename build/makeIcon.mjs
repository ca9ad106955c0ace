#!/usr/bin/env node
// Draws OPAL's application icon (build/icon.png, 1024×1024) in code, so it can be re-made and
// reviewed: two lungs on a dark rounded square, one with an amber lesion. electron-builder derives
// the Windows .ico, the macOS .icns and the Linux icon sizes from this one PNG.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const size = 1024;
const png = new PNG({ width: size, height: size });
const inEllipse = (x, y, cx, cy, rx, ry) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    const i = (y * size + x) * 4;
    // rounded square, corner radius 180
    const dx = Math.max(0, Math.abs(x - 511.5) - (512 - 180 - 40));
    const dy = Math.max(0, Math.abs(y - 511.5) - (512 - 180 - 40));
    const inside = dx * dx + dy * dy <= 180 * 180;
    let rgba = [0, 0, 0, 0];
    if (inside) rgba = [18, 32, 52, 255];
    if (inside && (inEllipse(x, y, 345, 560, 135, 280) || inEllipse(x, y, 679, 560, 135, 280))) rgba = [200, 214, 228, 255];
    if (inside && x > 492 && x < 532 && y > 150 && y < 330) rgba = [200, 214, 228, 255]; // trachea
    if (inside && inEllipse(x, y, 700, 640, 60, 80)) rgba = [240, 160, 40, 255]; // lesion
    png.data.set(rgba, i);
  }
}
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'icon.png'), PNG.sync.write(png));
