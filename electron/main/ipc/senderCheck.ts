/**
 * Electron security checklist, "Validate the sender of all IPC messages": a request is answered
 * only when it comes from a frame showing the app's own page. `appOrigin` is where the renderer is
 * loaded from (the file:// URL of out/renderer/index.html in a packaged app, or the Vite dev
 * server's origin during development).
 */
export function isTrustedSender(senderFrameUrl: string | undefined | null, appUrl: string): boolean {
  if (!senderFrameUrl) return false;
  let sender: URL;
  let app: URL;
  try {
    sender = new URL(senderFrameUrl);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  if (sender.protocol !== app.protocol) return false;
  // file: URLs have the opaque origin "null"; compare the page path instead.
  if (app.protocol === 'file:') return sender.pathname === app.pathname;
  return sender.origin === app.origin;
}
