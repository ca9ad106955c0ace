import { describe, expect, it } from 'vitest';
import { createOpalVolumeHandler } from './opalVolumeProtocol.ts';
import { OpalError } from '../../common/errors/index.ts';
import { binaryResourcePath, parseBinaryResourcePath } from '../../common/ipc/contract.ts';

describe('opal-volume:// handler', () => {
  const voxels = Int16Array.of(-1000, 40, 700);
  const handler = createOpalVolumeHandler((r) => {
    if (r.kind !== 'ct') throw new OpalError('E_BAD_ARGUMENT', 'no labelmap yet');
    return new Uint8Array(voxels.buffer);
  });

  it('streams the raw voxel bytes of a volume handle', async () => {
    const res = handler(new Request('opal-volume://ct/v0123456789ab'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Int16Array(await res.arrayBuffer())).toEqual(voxels);
  });

  it('answers 404 for anything that is not a resource path and 409 with the coded error for engine refusals', async () => {
    expect(handler(new Request('opal-volume://ct/../../etc/passwd')).status).toBe(404);
    expect(handler(new Request('opal-volume://ct/v0123')).status).toBe(404);
    expect(handler(new Request('https://ct/v0123456789ab')).status).toBe(404);
    const refused = handler(new Request('opal-volume://lungs/v0123456789ab'));
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'E_BAD_ARGUMENT' });
  });

  it('round-trips resource paths', () => {
    const r = { kind: 'infection', volumeHandle: 'v00aa11bb22cc' } as const;
    expect(parseBinaryResourcePath(binaryResourcePath(r))).toEqual(r);
    expect(parseBinaryResourcePath('ct/v00aa11bb22cc/extra')).toBeUndefined();
    // Labelmaps also come as label runs; CT voxels do not.
    const runs = { kind: 'lungs', volumeHandle: 'v00aa11bb22cc', encoding: 'runs' } as const;
    expect(binaryResourcePath(runs)).toBe('lungs/v00aa11bb22cc/runs');
    expect(parseBinaryResourcePath(binaryResourcePath(runs))).toEqual(runs);
    expect(parseBinaryResourcePath('ct/v00aa11bb22cc/runs')).toBeUndefined();
    // The review overlay: the model's confidence binned into levels, raw or as runs.
    const confidence = { kind: 'confidence', volumeHandle: 'v00aa11bb22cc', encoding: 'runs' } as const;
    expect(parseBinaryResourcePath(binaryResourcePath(confidence))).toEqual(confidence);
    expect(parseBinaryResourcePath('confidence/v00aa11bb22cc')).toEqual({ kind: 'confidence', volumeHandle: 'v00aa11bb22cc' });
  });
});
