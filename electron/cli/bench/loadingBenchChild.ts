// Child process of the loading benchmark: measures one loadVolumeFromPath in a fresh process so
// that its peak RSS belongs to loading alone. Prints one JSON line.
import { loadVolumeFromPath } from '../../main/studies/loadVolume.ts';

const [mode, dir] = process.argv.slice(2);
const rssBefore = process.memoryUsage().rss;
if (mode === 'baseline') {
  process.stdout.write(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBytes: rssBefore }) + '\n');
} else {
  const t0 = performance.now();
  const { volume } = await loadVolumeFromPath(dir);
  const loadMs = performance.now() - t0;
  process.stdout.write(
    JSON.stringify({
      loadMs,
      volumeBytes: volume.voxels.byteLength,
      dims: volume.dims,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      rssBeforeBytes: rssBefore,
    }) + '\n',
  );
}
