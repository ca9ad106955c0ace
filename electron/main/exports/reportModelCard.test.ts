import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelsDir } from '../inference/loadModelManifest.ts';
import { reportModelCard } from './reportModelCard.ts';

const name = 'opal-infection-cmunext-s';
const manifest = JSON.parse(readFileSync(join(modelsDir(), 'manifests', `${name}.json`), 'utf8')) as { sha256: string; metrics: Record<string, unknown>; license: string };

describe('the model card in the report', () => {
  it("is the shipped manifest's card when the model's hash matches", async () => {
    const card = await reportModelCard({ name, sha256: manifest.sha256 });
    expect(card?.metrics).toEqual(manifest.metrics);
    expect(card?.metrics?.diceInfection).toBeTypeOf('number');
    expect(card?.license).toBe(manifest.license);
  });

  it("is left out when the hash differs (another model's figures are never printed) or no manifest has that name", async () => {
    expect(await reportModelCard({ name, sha256: 'a'.repeat(64) })).toBeUndefined();
    expect(await reportModelCard({ name: 'no-such-model', sha256: manifest.sha256 })).toBeUndefined();
    expect(await reportModelCard({ name: '../etc/passwd', sha256: manifest.sha256 })).toBeUndefined();
  });
});
