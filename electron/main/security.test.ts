import { describe, expect, it, vi } from 'vitest';
import { applySessionSecurity, contentSecurityPolicy, denyAllPermissions, hardenWebContents, isAppUrl, isLocalRequest, secureWebPreferences } from './security.ts';

describe('Electron security checklist settings', () => {
  const prefs = secureWebPreferences('/app/out/preload/preload.cjs');

  it('isolates the renderer: context isolation, sandbox, no Node integration anywhere', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.preload).toBe('/app/out/preload/preload.cjs');
  });

  it('keeps web security on and experimental or insecure features off', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.enableBlinkFeatures).toBe('');
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
  });

  it("sets a CSP of default-src 'self' that allows only the voxel protocol besides the app", () => {
    const csp = contentSecurityPolicy();
    expect(csp.split('; ')[0]).toBe("default-src 'self'");
    expect(csp).toContain("connect-src 'self' opal-volume:");
    expect(csp).toContain("object-src 'none'");
    // Images may also come from in-page blob:/data: URLs (tool cursors), never from the network.
    expect(csp).toContain("img-src 'self' blob: data:");
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|https?:|\*/);
  });

  it('denies every permission request and check', () => {
    let request: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | undefined;
    let check: (() => boolean) | undefined;
    denyAllPermissions({
      setPermissionRequestHandler: (h: typeof request) => (request = h),
      setPermissionCheckHandler: (h: typeof check) => (check = h),
    } as never);
    const granted = vi.fn();
    request!(undefined, 'media', granted);
    request!(undefined, 'geolocation', granted);
    expect(granted.mock.calls).toEqual([[false], [false]]);
    expect(check!()).toBe(false);
  });

  it('adds the CSP header to every response and cancels every non-local request', () => {
    let onHeaders: ((d: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string[]> }) => void) => void) | undefined;
    let onRequest: ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void) | undefined;
    applySessionSecurity({
      setPermissionRequestHandler: () => undefined,
      setPermissionCheckHandler: () => undefined,
      webRequest: { onHeadersReceived: (h: typeof onHeaders) => (onHeaders = h), onBeforeRequest: (h: typeof onRequest) => (onRequest = h) },
    } as never);
    const headers = vi.fn();
    onHeaders!({ responseHeaders: { 'X-A': ['1'] } }, headers);
    expect(headers.mock.calls[0][0].responseHeaders['Content-Security-Policy']).toEqual([contentSecurityPolicy()]);
    expect(headers.mock.calls[0][0].responseHeaders['X-A']).toEqual(['1']);
    const decide = (url: string) => {
      let cancel: boolean | undefined;
      onRequest!({ url }, (r) => (cancel = r.cancel));
      return cancel;
    };
    expect(decide('file:///app/renderer/dist/index.html')).toBe(false);
    expect(decide('opal-volume://ct/v0123456789ab')).toBe(false);
    expect(decide('https://example.com/telemetry')).toBe(true);
    expect(decide('http://127.0.0.1:8080/')).toBe(true);
    expect(isLocalRequest('ws://localhost')).toBe(false);
  });

  it('blocks navigation away from the app, new windows and webviews', () => {
    const handlers = new Map<string, (event: { preventDefault(): void }, url?: string) => void>();
    let openHandler: (() => { action: string }) | undefined;
    const appUrl = 'file:///app/renderer/dist/index.html';
    hardenWebContents({ on: (name: string, h: never) => handlers.set(name, h), setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h) } as never, appUrl);
    const navigate = (url: string) => {
      const event = { preventDefault: vi.fn() };
      handlers.get('will-navigate')!(event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(navigate('https://example.com/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate(appUrl)).toBe(false);
    expect(openHandler!()).toEqual({ action: 'deny' });
    const attach = { preventDefault: vi.fn() };
    handlers.get('will-attach-webview')!(attach);
    expect(attach.preventDefault).toHaveBeenCalled();
    expect(handlers.has('will-redirect')).toBe(true);
  });

  it('recognises the app URL by origin for http and by path for file URLs', () => {
    expect(isAppUrl('http://localhost:5173/x', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl('not a url', 'http://localhost:5173/')).toBe(false);
  });
});
