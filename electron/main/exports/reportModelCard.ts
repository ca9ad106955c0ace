/**
 * The model card the report prints (validation figures, training data, intended use, licence): the
 * manifest models/manifests/<name>.json of the model that made the masks, used only when its
 * SHA-256 is the one recorded in the provenance, so a report never shows another model's figures.
 * Undefined when there is no such manifest (the report then says the card was not available).
 */
import type { ReportModelCard } from '../../common/export/report/modelCardText.ts';
import type { ModelProvenance } from '../../common/quant/index.ts';
import { resolveModel } from '../inference/loadModelManifest.ts';

export async function reportModelCard(model: Pick<ModelProvenance, 'name' | 'sha256'>, modelsDir?: string): Promise<ReportModelCard | undefined> {
  try {
    const { manifest } = await resolveModel(model.name, modelsDir);
    if (manifest.sha256 !== model.sha256) return undefined;
    return { architecture: manifest.architecture, metrics: manifest.metrics, training: manifest.training, license: manifest.license, intendedUse: manifest.intendedUse };
  } catch {
    return undefined; // not a shipped model name, or no readable manifest: the report says so
  }
}
