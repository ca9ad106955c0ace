import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appRoot, runningFromBundle, unpackedPath } from './appPaths.ts';

describe('appPaths', () => {
  it('finds the repository as the app root when running from the sources', () => {
    expect(runningFromBundle()).toBe(false);
    expect(existsSync(join(appRoot(), 'models', 'manifests'))).toBe(true);
    expect(existsSync(join(appRoot(), 'electron', 'main', 'appPaths.ts'))).toBe(true);
  });

  it('maps a path inside app.asar to the same path in app.asar.unpacked and leaves other paths alone', () => {
    const res = `${sep}opt${sep}OPAL${sep}resources`;
    expect(unpackedPath(`${res}${sep}app.asar${sep}models${sep}m.onnx`)).toBe(`${res}${sep}app.asar.unpacked${sep}models${sep}m.onnx`);
    expect(unpackedPath(`${res}${sep}app.asar.unpacked${sep}out${sep}workers${sep}w.mjs`)).toBe(`${res}${sep}app.asar.unpacked${sep}out${sep}workers${sep}w.mjs`);
    expect(unpackedPath(`${sep}home${sep}me${sep}opal${sep}models${sep}m.onnx`)).toBe(`${sep}home${sep}me${sep}opal${sep}models${sep}m.onnx`);
  });
});
