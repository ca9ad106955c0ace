import { cache } from '@cornerstonejs/core';

/** What cornerstone's cache holds now: volumes and bytes (the many-studies check: a closed series leaves nothing). */
export function cacheStats(): { volumes: number; bytes: number; volumeIds: string[] } {
  const volumes = cache.getVolumes();
  return { volumes: volumes.length, bytes: cache.getCacheSize(), volumeIds: volumes.map((v) => v.volumeId) };
}

/** Writes cacheStats() on <body> (data-cache-volumes, data-cache-bytes) for tests and diagnostics. */
export function publishCacheStats(): void {
  const s = cacheStats();
  document.body.dataset.cacheVolumes = String(s.volumes);
  document.body.dataset.cacheBytes = String(s.bytes);
  document.body.dataset.cacheVolumeIds = s.volumeIds.join(' ');
}
