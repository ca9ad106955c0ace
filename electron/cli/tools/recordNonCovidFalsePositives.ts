/**
 * Measures a model's false-positive infection on a chest CT known to be free of COVID-19
 * infection (default: ../shared/data/dicom/lidc-idri-0001, a lung-nodule screening CT) through the
 * whole engine (load, lung mask, manifest preprocessing, inference), and records the numbers in the
 * model's manifest under metrics.falsePositiveNonCovidCt. The 2-D training data has no
 * infection-free slices that were never trained on, so this real CT is the honest check of how much
 * infection a model reports where there is none.
 *
 *   node --import tsx electron/cli/tools/recordNonCovidFalsePositives.ts <model-name> [ct-folder]
 *
 * Run by models/train.sh after a model is written; skipped (exit 0, with a message) without the CT.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { segmentStudy } from '../../main/segmentation/segmentStudy.ts';
import { closeInferenceService } from '../../main/inference/InferenceService.ts';
import { writeFileAtomic } from '../../main/fs/writeFileAtomic.ts';

const repoRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const [name, ctArg] = process.argv.slice(2);
if (!name) {
  process.stderr.write('usage: recordNonCovidFalsePositives.ts <model-name> [ct-folder]\n');
  process.exit(2);
}
const ct = resolve(ctArg ?? join(repoRoot, '..', 'shared', 'data', 'dicom', 'lidc-idri-0001'));
if (!existsSync(ct)) {
  process.stdout.write(`non-COVID false positives: skipped (${ct} is absent)\n`);
  process.exit(0);
}
const manifestPath = join(repoRoot, 'models', 'manifests', `${name}.json`);
const result = await segmentStudy(ct, { model: name, threads: 2 });
const [nx, ny, nz] = result.volume.dims;
const sliceSize = nx * ny;
let slicesWithLung = 0;
let slicesWithInfection = 0;
let slicesOver1Percent = 0;
for (let k = 0; k < nz; k++) {
  let lung = 0;
  let inf = 0;
  for (let p = k * sliceSize; p < (k + 1) * sliceSize; p++) {
    if (result.lungs[p] !== 0) lung++;
    if (result.infection[p] !== 0) inf++;
  }
  if (lung === 0) continue;
  slicesWithLung++;
  if (inf > 0) slicesWithInfection++;
  if (inf > 0.01 * lung) slicesOver1Percent++;
}
const m = result.measurements;
const record = {
  study: 'lidc-idri-0001 (TCIA LIDC-IDRI, lung nodules, no COVID-19 infection)',
  infectionMl: Number(m.infection.totalMl.toFixed(1)),
  lungsMl: Number(m.lungs.totalVolumeMl.toFixed(1)),
  percentOfLungs: Number(((100 * m.infection.totalMl) / Math.max(1e-9, m.lungs.totalVolumeMl)).toFixed(2)),
  severityScore: m.severity.total,
  slicesWithLung,
  slicesWithInfection,
  slicesWithInfectionOver1PercentOfLung: slicesOver1Percent,
  executionProvider: result.provenance.executionProvider,
};
const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { metrics?: Record<string, unknown> };
manifest.metrics = { ...(manifest.metrics ?? {}), falsePositiveNonCovidCt: record };
await writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
// The model card gets the same numbers in words (replacing an earlier section of this tool).
const cardPath = join(repoRoot, 'models', 'cards', `${name}.md`);
if (existsSync(cardPath)) {
  const heading = '## False positives on a CT without COVID-19';
  const card = (await readFile(cardPath, 'utf8')).split(heading)[0].trimEnd();
  const section = [
    heading,
    '',
    `Measured by \`electron/cli/tools/recordNonCovidFalsePositives.ts\` through the whole OPAL engine (DICOM load, lung mask, this manifest's window and crop, ${record.executionProvider} inference) on ${record.study}:`,
    '',
    `- infection reported: **${record.infectionMl} mL** in ${record.lungsMl} mL of lung (**${record.percentOfLungs} %**); zone severity score ${record.severityScore}/30`,
    `- axial slices with any infection: ${record.slicesWithInfection} of ${record.slicesWithLung} slices with lung; with more than 1 % of that slice's lung: ${record.slicesWithInfectionOver1PercentOfLung}`,
    '',
    'Every one of these voxels is a false positive (small dependent-lung densities, vessels and partial-volume edges are the usual places). Review and erase them before using the numbers.',
    '',
  ].join('\n');
  await writeFileAtomic(cardPath, `${card}\n\n${section}`);
}
process.stdout.write(`non-COVID false positives (${name}): ${JSON.stringify(record)}\n`);
await closeInferenceService();
