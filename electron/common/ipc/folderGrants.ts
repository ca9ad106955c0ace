/**
 * The allow-list of folders the renderer may name (pure part). The renderer is untrusted input: a
 * folder it passes to scanFolder/loadSeries (purpose 'open') or exportResults (purpose 'export')
 * must be one the main process handed out (its folder dialog, a dropped folder, a recent folder it
 * stored) or lie inside one. electron/main/services/FolderGrants.ts resolves every path with
 * realpath first, so the paths compared here are canonical (absolute, no `.`/`..`, no links).
 */
export const FOLDER_PURPOSES = ['open', 'export'] as const;
export type FolderPurpose = (typeof FOLDER_PURPOSES)[number];

export interface PathStyle {
  /** Path separator of the platform ('/' or '\\'). */
  sep: '/' | '\\';
  /** Windows and macOS default volumes compare names without case. */
  caseInsensitive: boolean;
}

export const POSIX_PATHS: PathStyle = { sep: '/', caseInsensitive: false };
export const WINDOWS_PATHS: PathStyle = { sep: '\\', caseInsensitive: true };

function isAbsolute(p: string, style: PathStyle): boolean {
  return style.sep === '/' ? p.startsWith('/') : /^[A-Za-z]:\\/.test(p) || p.startsWith('\\\\');
}

/** The path without trailing separators (a root such as `/` or `C:\` stays as it is). */
function trimTrailing(p: string, style: PathStyle): string {
  let out = p;
  while (out.length > 1 && out.endsWith(style.sep) && !(style.sep === '\\' && /^[A-Za-z]:\\$/.test(out))) out = out.slice(0, -1);
  return out;
}

/**
 * True when `candidate` is `root` or lies inside it, comparing whole path segments (`/data/ct2` is
 * not inside `/data/ct`). Both must be canonical absolute paths; a relative path or one with `.` or
 * `..` segments is never inside anything (no lexical escape can pass).
 */
export function isSameOrInside(root: string, candidate: string, style: PathStyle = POSIX_PATHS): boolean {
  if (!isAbsolute(root, style) || !isAbsolute(candidate, style)) return false;
  const segments = candidate.split(style.sep);
  if (segments.some((s) => s === '.' || s === '..')) return false;
  if (root.split(style.sep).some((s) => s === '.' || s === '..')) return false;
  let r = trimTrailing(root, style);
  let c = trimTrailing(candidate, style);
  if (style.caseInsensitive) {
    r = r.toLowerCase();
    c = c.toLowerCase();
  }
  if (c === r) return true;
  return c.startsWith(r.endsWith(style.sep) ? r : r + style.sep);
}

/** Canonical folders handed out to the renderer, per purpose. Pure: the caller canonicalises. */
export class FolderGrantList {
  private readonly granted: Record<FolderPurpose, Set<string>> = { open: new Set(), export: new Set() };

  constructor(
    readonly style: PathStyle = POSIX_PATHS,
    /** At most this many folders per purpose are remembered (the oldest is dropped first). */
    readonly max = 256,
  ) {}

  add(canonicalFolder: string, purpose: FolderPurpose): void {
    if (!isAbsolute(canonicalFolder, this.style)) throw new Error(`not an absolute path: ${canonicalFolder}`);
    const set = this.granted[purpose];
    set.delete(canonicalFolder);
    set.add(canonicalFolder);
    if (set.size > this.max) set.delete(set.values().next().value as string);
  }

  /** The granted folder that holds `canonicalPath` for this purpose (itself or an ancestor), if any. */
  rootOf(canonicalPath: string, purpose: FolderPurpose, extraRoots: readonly string[] = []): string | undefined {
    for (const root of [...this.granted[purpose], ...extraRoots]) if (isSameOrInside(root, canonicalPath, this.style)) return root;
    return undefined;
  }

  list(purpose: FolderPurpose): string[] {
    return [...this.granted[purpose]];
  }
}
