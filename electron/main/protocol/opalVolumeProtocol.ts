import type { Protocol } from 'electron';
import { toOpalError } from '../../common/errors/index.ts';
import { parseBinaryResourcePath, type BinaryResource } from '../../common/ipc/contract.ts';

export const OPAL_VOLUME_SCHEME = 'opal-volume';

/** Privileges of the scheme (registered before the app is ready): fetchable, no CORS bypass. */
export const OPAL_VOLUME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: true } as const;

/**
 * Answers `opal-volume://<kind>/<handle>` with the raw bytes (CT voxels little-endian Int16 or
 * Float32, labelmaps Uint8) as application/octet-stream: no base64, no JSON. Unknown paths get 404;
 * engine errors get 409 with the OpalError JSON so the renderer can show its message.
 */
export function createOpalVolumeHandler(binary: (r: BinaryResource) => Uint8Array): (request: Request) => Response {
  return (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return new Response('bad url', { status: 400 });
    }
    if (url.protocol !== `${OPAL_VOLUME_SCHEME}:` || request.method !== 'GET') return new Response('not found', { status: 404 });
    const resource = parseBinaryResourcePath(`${url.host}${url.pathname}`);
    if (!resource) return new Response('not found', { status: 404 });
    try {
      const bytes = binary(resource);
      return new Response(bytes as Uint8Array<ArrayBuffer>, {
        status: 200,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength), 'cache-control': 'no-store' },
      });
    } catch (e) {
      return new Response(JSON.stringify(toOpalError(e).toJSON()), { status: 409, headers: { 'content-type': 'application/json' } });
    }
  };
}

/** Registers the handler on a session's protocol object (after app ready). */
export function registerOpalVolumeProtocol(protocol: Protocol, binary: (r: BinaryResource) => Uint8Array): void {
  protocol.handle(OPAL_VOLUME_SCHEME, createOpalVolumeHandler(binary));
}
