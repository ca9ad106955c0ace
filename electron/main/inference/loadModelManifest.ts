import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { OpalError } from '../../common/errors/index.ts';
import { appRoot } from '../appPaths.ts';
import { ModelManifestSchema, type ModelManifest } from '../../common/models/ModelManifest.ts';

/** A manifest that passed validation and the ONNX file it names. */
export interface ResolvedModel {
  manifest: ModelManifest;
  manifestPath: string;
  onnxPath: string;
}

/** OPAL_MODELS_DIR, else models/ of the app (the checkout in development, the app's resources when packaged: see appRoot()). */
export function modelsDir(): string {
  if (process.env.OPAL_MODELS_DIR) return resolve(process.env.OPAL_MODELS_DIR);
  return join(appRoot(), 'models');
}

/**
 * Reads and validates models/manifests/<name>.json (E_MODEL_MISSING when absent, E_MODEL_MANIFEST
 * when it is not valid JSON or does not follow ModelManifestSchema, including input sizes that are
 * not multiples of the stated size multiple and classes other than background/GGO/consolidation).
 * The ONNX file is resolved relative to the manifest folder's parent (models/).
 */
export async function loadModelManifest(manifestPath: string): Promise<ResolvedModel> {
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch {
    throw new OpalError(
      'E_MODEL_MISSING',
      `The model manifest ${manifestPath} does not exist.`,
      manifestPath,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new OpalError(
      'E_MODEL_MANIFEST',
      `The model manifest is not valid JSON: ${(e as Error).message}`,
      manifestPath,
    );
  }
  const parsed = ModelManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new OpalError('E_MODEL_MANIFEST', `The model manifest is invalid: ${issues}`, manifestPath);
  }
  const manifest = parsed.data;
  const { height, width, sizeMultiple } = manifest.input;
  if (height % sizeMultiple !== 0 || width % sizeMultiple !== 0) {
    throw new OpalError(
      'E_MODEL_MANIFEST',
      `The model input ${height}x${width} is not a multiple of ${sizeMultiple} as the manifest requires.`,
      manifestPath,
    );
  }
  if (manifest.classes.length !== 3) {
    throw new OpalError(
      'E_MODEL_MANIFEST',
      `OPAL expects 3 classes (background, ground-glass opacity, consolidation); the manifest lists ${manifest.classes.length}.`,
      manifestPath,
    );
  }
  const onnxPath = isAbsolute(manifest.file)
    ? manifest.file
    : resolve(dirname(manifestPath), '..', manifest.file);
  return { manifest, manifestPath: resolve(manifestPath), onnxPath };
}

/** SHA-256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await new Promise<void>((ok, fail) => {
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => ok());
  });
  return hash.digest('hex');
}

/**
 * Reads the ONNX file once and checks it exists (E_MODEL_MISSING) and that its SHA-256 is the
 * manifest's (E_MODEL_HASH). The bytes returned are the ones that were hashed: give them to
 * onnxruntime, never the path, so a file swapped after the check is never run.
 */
export async function readVerifiedModel(model: ResolvedModel): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    const s = await stat(model.onnxPath);
    if (!s.isFile()) throw new Error('not a file');
    bytes = await readFile(model.onnxPath);
  } catch {
    throw new OpalError(
      'E_MODEL_MISSING',
      `The model file ${model.onnxPath} named by ${basename(model.manifestPath)} does not exist.`,
      model.onnxPath,
    );
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== model.manifest.sha256) {
    throw new OpalError(
      'E_MODEL_HASH',
      `The model file ${basename(model.onnxPath)} does not match its manifest (sha256 ${actual.slice(0, 12)}…, expected ${model.manifest.sha256.slice(0, 12)}…); it may be damaged or replaced. OPAL refuses to run it.`,
      model.onnxPath,
    );
  }
  return bytes;
}

/** The ONNX file exists (E_MODEL_MISSING) and its SHA-256 is the manifest's (E_MODEL_HASH). */
export async function verifyModelFile(model: ResolvedModel): Promise<void> {
  await readVerifiedModel(model);
}

/**
 * Finds a model by name (models/manifests/<name>.json), by manifest path (ends in .json), or the
 * default: models/manifests/default.json `{"default": "<name>"}`, else the manifest with
 * `"default": true`, else the first manifest by name.
 */
export async function resolveModel(nameOrPath?: string, dir = modelsDir()): Promise<ResolvedModel> {
  const manifestsDir = join(dir, 'manifests');
  if (nameOrPath && nameOrPath.endsWith('.json')) return loadModelManifest(resolve(nameOrPath));
  if (nameOrPath) {
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(nameOrPath)) {
      throw new OpalError(
        'E_BAD_ARGUMENT',
        `"${nameOrPath}" is not a model name (lower-case letters, digits, . _ -).`,
      );
    }
    return loadModelManifest(join(manifestsDir, `${nameOrPath}.json`));
  }
  let files: string[];
  try {
    files = (await readdir(manifestsDir)).filter((f) => f.endsWith('.json')).sort();
  } catch {
    files = [];
  }
  if (files.includes('default.json')) {
    const pointer = JSON.parse(await readFile(join(manifestsDir, 'default.json'), 'utf8')) as unknown;
    if (
      pointer &&
      typeof pointer === 'object' &&
      'default' in pointer &&
      typeof pointer.default === 'string'
    ) {
      return loadModelManifest(join(manifestsDir, `${pointer.default}.json`));
    }
  }
  const candidates = files.filter((f) => f !== 'default.json');
  for (const f of candidates) {
    try {
      const raw = JSON.parse(await readFile(join(manifestsDir, f), 'utf8')) as { default?: unknown };
      if (raw.default === true) return loadModelManifest(join(manifestsDir, f));
    } catch {
      // an unreadable manifest is reported when it is chosen, not while looking for the default
    }
  }
  if (candidates.length === 0) {
    throw new OpalError('E_MODEL_MISSING', `No model manifest found in ${manifestsDir}.`, manifestsDir);
  }
  return loadModelManifest(join(manifestsDir, candidates[0]));
}
