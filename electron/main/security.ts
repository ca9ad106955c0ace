import type { BrowserWindow, Session, WebContents, WebPreferences } from 'electron';

/**
 * Every item of the Electron security checklist (https://www.electronjs.org/docs/latest/tutorial/security)
 * that applies to OPAL, in one place. Each line names its checklist item. index.ts applies these;
 * security.test.ts asserts each value without an Electron binary.
 */

/** Checklist 7 "Define a Content Security Policy": nothing but the app's own files; voxels via opal-volume:. */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    // opal-volume: serves voxel buffers to fetch(); nothing else may be fetched.
    "connect-src 'self' opal-volume:",
    // cornerstone3D draws its tool cursors (crosshairs, brush) as SVG turned into blob:/data: image
    // URLs made in the page; images only, so no script and no network request comes in this way.
    "img-src 'self' blob: data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** webPreferences of the one OPAL window. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    nodeIntegration: false, // 2 "Do not enable Node.js integration for remote content" (nor local)
    nodeIntegrationInWorker: false, // 2 (workers too)
    nodeIntegrationInSubFrames: false, // 2 (sub-frames too)
    contextIsolation: true, // 3 "Enable Context Isolation"
    sandbox: true, // 4 "Enable process sandboxing"
    webSecurity: true, // 6 "Do not disable webSecurity"
    allowRunningInsecureContent: false, // 8 "Do not enable allowRunningInsecureContent"
    experimentalFeatures: false, // 9 "Do not enable experimental features"
    enableBlinkFeatures: '', // 10 "Do not use enableBlinkFeatures"
    webviewTag: false, // 11 "<webview>: Do not use allowpopups" (no webview at all)
    navigateOnDragDrop: false, // 13 "Disable or limit navigation" (a dropped file must not replace the app)
    spellcheck: false, // no dictionary downloads (no network, DESIGN.md §5)
    safeDialogs: true,
  };
}

/** Checklist 5 "Handle session permission requests from remote content": every permission is denied. */
export function denyAllPermissions(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** True for the app's own page (the only URL the window may show). */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const u = new URL(url);
    const a = new URL(appUrl);
    if (u.protocol !== a.protocol) return false;
    return a.protocol === 'file:' ? u.pathname === a.pathname : u.origin === a.origin;
  } catch {
    return false;
  }
}

/** Session-wide settings: CSP header on every response, permissions denied, no remote requests. */
export function applySessionSecurity(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'webRequest'>): void {
  denyAllPermissions(session);
  session.webRequest.onHeadersReceived((details, callback) => {
    // 7 "Define a Content Security Policy" (as a header, so it holds for every document).
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy()] } });
  });
  session.webRequest.onBeforeRequest((details, callback) => {
    // 1 "Only load secure content" / DESIGN.md §5 "No network": only local schemes leave the renderer.
    callback({ cancel: !isLocalRequest(details.url) });
  });
}

/** Local schemes only: the app's files, devtools, the voxel protocol and in-page data. */
export function isLocalRequest(url: string): boolean {
  return /^(file|opal-volume|devtools|data|blob):/i.test(url);
}

/** Per-window rules: navigation, new windows, webviews. */
export function hardenWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>, appUrl: string): void {
  // 13 "Disable or limit navigation": the window only ever shows the app's page.
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, appUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, appUrl)) event.preventDefault();
  });
  // 14 "Disable or limit creation of new windows": window.open and target=_blank are denied.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  // 12 "Verify WebView options before creation": no <webview> may be attached.
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** BrowserWindow options besides webPreferences. */
export function secureWindowOptions(preloadPath: string): ConstructorParameters<typeof BrowserWindow>[0] {
  return { width: 1440, height: 900, show: false, title: 'OPAL', backgroundColor: '#111418', webPreferences: secureWebPreferences(preloadPath) };
}
