/**
 * report.pdf: one A4 page a radiologist can file: patient and study identifiers, key axial images
 * with the infection overlay and lung outlines, the volumes, % involvement, zone scores and the
 * severity total (labelled as a zone-based approximation), model provenance, and the notice that
 * this is investigational software. Built with pdf-lib; images are rendered and PNG-encoded here.
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { Measurements, ModelProvenance } from '../../quant/index.ts';
import { voxelToPatient, type Volume } from '../../volume/index.ts';
import { INVESTIGATIONAL_NOTICE, type StudyIdentifiers } from '../measurementsJson.ts';
import { chooseKeySlices, type KeySlice } from './chooseKeySlices.ts';
import { encodePngRgb } from './encodePng.ts';
import { OVERLAY_COLOURS, renderKeySlice, type RenderedSlice } from './renderKeySlice.ts';

export interface ReportInput {
  volume: Volume;
  lungs: Uint8Array;
  infection: Uint8Array;
  measurements: Measurements;
  model: ModelProvenance;
  study: StudyIdentifiers;
  generatedAt?: Date;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 40;
const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.38, 0.38, 0.42);
const WARN = rgb(0.72, 0.1, 0.1);

/** The standard PDF fonts encode WinAnsi only: replace what they cannot show. */
function printable(text: string): string {
  return text
    .replace(/[\u2012-\u2015]/g, '-')
    .replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
}

function fmt(x: number, digits = 1): string {
  return x.toFixed(digits);
}

/** Millilitres: one decimal, two below 10 mL so small findings do not print as 0.0. */
function fmtMl(x: number): string {
  return x.toFixed(Math.abs(x) < 10 ? 2 : 1);
}

/** Nearest-neighbour enlargement so small grids stay crisp in the PDF (pixels, not blur). */
function enlarge(img: RenderedSlice, minSide: number): RenderedSlice {
  const f = Math.max(1, Math.ceil(minSide / Math.max(img.width, img.height)));
  if (f === 1) return img;
  const w = img.width * f;
  const h = img.height * f;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sy = Math.floor(y / f);
    for (let x = 0; x < w; x++) {
      const s = (sy * img.width + Math.floor(x / f)) * 3;
      const o = (y * w + x) * 3;
      out[o] = img.rgb[s];
      out[o + 1] = img.rgb[s + 1];
      out[o + 2] = img.rgb[s + 2];
    }
  }
  return { width: w, height: h, rgb: out };
}

class PageWriter {
  y: number;
  constructor(
    readonly page: PDFPage,
    readonly font: PDFFont,
    readonly bold: PDFFont,
  ) {
    this.y = page.getHeight() - MARGIN;
  }

  text(s: string, opts: { x?: number; size?: number; bold?: boolean; color?: ReturnType<typeof rgb>; advance?: boolean } = {}): void {
    const size = opts.size ?? 9.5;
    this.page.drawText(printable(s), { x: opts.x ?? MARGIN, y: this.y - size, size, font: opts.bold ? this.bold : this.font, color: opts.color ?? INK });
    if (opts.advance !== false) this.y -= size * 1.45;
  }

  /** Text wrapped at word boundaries to the page's text width. */
  paragraph(s: string, opts: { size?: number; color?: ReturnType<typeof rgb> } = {}): void {
    const size = opts.size ?? 9.5;
    const maxWidth = this.page.getWidth() - 2 * MARGIN;
    let line = '';
    for (const word of printable(s).split(/\s+/)) {
      const next = line ? `${line} ${word}` : word;
      if (line && this.font.widthOfTextAtSize(next, size) > maxWidth) {
        this.text(line, { size, color: opts.color });
        line = word;
      } else line = next;
    }
    if (line) this.text(line, { size, color: opts.color });
  }

  heading(s: string): void {
    this.y -= 6;
    this.text(s, { size: 11.5, bold: true });
    this.page.drawLine({ start: { x: MARGIN, y: this.y + 3 }, end: { x: this.page.getWidth() - MARGIN, y: this.y + 3 }, thickness: 0.5, color: MUTED });
    this.y -= 3;
  }

  /** A table: column x offsets from the margin, first row bold. */
  table(rows: string[][], columnX: number[], size = 9): void {
    rows.forEach((row, r) => {
      row.forEach((cell, c) => this.text(cell, { x: MARGIN + columnX[c], size, bold: r === 0, advance: false }));
      this.y -= size * 1.5;
    });
  }
}

/**
 * Patient side at the image's left and right edge, from the row direction (LPS: +x is the
 * patient's left), when the rows run mostly left-right; undefined otherwise.
 */
export function imageSideLabels(direction: Volume['direction']): [string, string] | undefined {
  const [rx, ry, rz] = [direction[0], direction[1], direction[2]];
  if (Math.abs(rx) < Math.max(Math.abs(ry), Math.abs(rz))) return undefined;
  return rx > 0 ? ['R', 'L'] : ['L', 'R'];
}

function keySliceCaption(volume: Volume, key: KeySlice): string {
  const z = voxelToPatient(volume, 0, 0, key.sliceIndex)[2];
  const areaCm2 = (key.infectionVoxels * volume.spacingMm[0] * volume.spacingMm[1]) / 100;
  const where = `Slice ${key.sliceIndex + 1}/${volume.dims[2]}, z ${fmt(z)} mm`;
  return key.reason === 'largest-infection' ? `${where}, infection ${fmt(areaCm2, 2)} cm2` : `${where} (lung level)`;
}

const ZONE_COLUMNS_X = [0, 60, 108, 170, 248, 290, 320];
const BAND_TEXT = ['none', '<5 % band', '5-25 % band', '26-50 % band', '51-75 % band', '>75 % band'];

/** The six zones with the score's inputs; a zone under the minimum reads "0" and says why. */
function zoneRows(m: Measurements): string[][] {
  const rows: string[][] = [['Zone', 'Lung (mL)', 'Infection (mL)', 'In lesions (mL, %)', 'Involved', 'Score', 'Why this score']];
  const minimum = m.severity.minimum;
  for (const lung of [m.lungs.right, m.lungs.left]) {
    for (const zone of ['upper', 'middle', 'lower'] as const) {
      const z = lung.zones.find((x) => x.zone === zone);
      const name = `${lung.side === 'right' ? 'Right' : 'Left'} ${zone}`;
      if (!z) {
        rows.push([name, '-', '-', '-', '-', '-', '']);
        continue;
      }
      const inLesions = `${fmtMl(z.lesionInfectionMl)} (${z.lesionInvolvementPercent.toFixed(2)} %)`;
      const why = z.belowMinimum
        ? `0: under the minimum, ${minimum.zoneLesionMl.toFixed(1)} mL and ${minimum.zoneInvolvementPercent} % in lesions`
        : z.infectionMl > 0
          ? BAND_TEXT[z.score]
          : 'no infection';
      rows.push([name, fmtMl(z.lungVolumeMl), fmtMl(z.infectionMl), inLesions, `${fmt(z.involvementPercent)} %`, String(z.score), why]);
    }
  }
  return rows;
}

/** Most lesion rows the report lists; the rest are counted ("and N more") and are in the CSV/JSON. */
export const REPORT_MAX_LESIONS = 40;
const LESION_COLUMNS_X = [0, 24, 78, 124, 180, 228, 268, 312, 420, 460];

function lesionRows(m: Measurements, nz: number): string[][] {
  const rows: string[][] = [['#', 'Volume (mL)', 'GGO (mL)', 'Consol. (mL)', 'Mean HU', 'Lung', 'Zone', 'Centroid LPS (mm)', 'Slice', 'Confidence']];
  for (const l of (m.lesions).slice(0, REPORT_MAX_LESIONS)) {
    rows.push([
      String(l.id),
      fmtMl(l.volumeMl),
      fmtMl(l.groundGlassMl),
      fmtMl(l.consolidationMl),
      l.meanHu === null ? '-' : String(Math.round(l.meanHu) + 0), // + 0: never "-0"
      l.lung,
      l.zone ?? '-',
      l.centroidLpsMm.map((x) => fmt(x)).join(', '),
      `${Math.round(l.centroidVoxel[2]) + 1}/${nz}`,
      l.meanConfidence === null ? '-' : l.meanConfidence.toFixed(2),
    ]);
  }
  return rows;
}

function drawFooter(page: PDFPage, font: PDFFont, bold: PDFFont): void {
  const width = page.getWidth();
  page.drawLine({ start: { x: MARGIN, y: 52 }, end: { x: width - MARGIN, y: 52 }, thickness: 0.5, color: MUTED });
  page.drawText(INVESTIGATIONAL_NOTICE, { x: MARGIN, y: 38, size: 9, font: bold, color: WARN });
  page.drawText(printable('Volumes from voxel counts on the CT grid; a radiologist must review the masks before any use of these numbers.'), {
    x: MARGIN,
    y: 26,
    size: 7.5,
    font,
    color: MUTED,
  });
}

export async function buildReportPdf(input: ReportInput): Promise<Uint8Array> {
  const { volume, measurements: m, model, study } = input;
  const generatedAt = input.generatedAt ?? new Date();
  const doc = await PDFDocument.create();
  doc.setTitle('OPAL lung infection report');
  doc.setSubject(INVESTIGATIONAL_NOTICE);
  doc.setProducer('OPAL (pdf-lib)');
  doc.setCreator(`OPAL, model ${model.name} ${model.version}`);
  doc.setCreationDate(generatedAt);
  doc.setModificationDate(generatedAt);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  let page = doc.addPage(A4);
  let w = new PageWriter(page, font, bold);
  const width = page.getWidth();

  w.text('OPAL - COVID-19 lung infection report', { size: 16, bold: true });
  // The notice is the first thing under the title, in red, and again in the footer.
  w.text(INVESTIGATIONAL_NOTICE, { size: 10.5, bold: true, color: WARN });

  w.heading('Patient and study');
  const ids: [string, string | undefined][] = [
    ['Patient name', study.patientName?.replace(/\^/g, ' ').trim()],
    ['Patient ID', study.patientId],
    ['Study date', study.studyDate],
    ['Study instance UID', study.studyInstanceUid],
    ['Series instance UID', study.seriesInstanceUid],
    ['Series', study.seriesDescription],
  ];
  for (const [k, v] of ids) {
    w.text(`${k}:`, { bold: true, advance: false });
    w.text(v && v.length > 0 ? v : '(not recorded)', { x: MARGIN + 110 });
  }
  w.text(`Grid: ${volume.dims.join(' x ')} voxels, spacing ${volume.spacingMm.map((s) => fmt(s, 2)).join(' x ')} mm`, { color: MUTED, size: 8.5 });

  w.heading('Model');
  w.text(`Model: ${model.name}   Version: ${model.version}   Execution provider: ${model.executionProvider}${model.executionProviderSetting ? ` (app setting: ${model.executionProviderSetting})` : ''}`);
  w.text(`Model SHA-256: ${model.sha256 || '(not recorded)'}`, { size: 8, color: MUTED });
  w.text(
    `Segmentation: ${model.edited ? 'SEMIAUTOMATIC (edited by a person after the model ran)' : 'AUTOMATIC (not edited)'}   Generated: ${generatedAt.toISOString().replace('T', ' ').slice(0, 19)} UTC`,
  );

  w.heading('Volumes and involvement');
  const lungRow = (name: string, l: Measurements['lungs']['right']): string[] => [
    name,
    fmtMl(l.volumeMl),
    fmtMl(l.groundGlassMl),
    fmtMl(l.consolidationMl),
    fmtMl(l.infectionMl),
    `${fmt(l.involvementPercent)} %`,
  ];
  const totalInvolvement = m.lungs.totalVolumeMl > 0 ? (100 * m.infection.totalMl) / m.lungs.totalVolumeMl : 0;
  w.table(
    [
      ['', 'Lung (mL)', 'GGO (mL)', 'Consolidation (mL)', 'Infection (mL)', 'Involved'],
      lungRow('Right lung', m.lungs.right),
      lungRow('Left lung', m.lungs.left),
      ['Both lungs', fmtMl(m.lungs.totalVolumeMl), fmtMl(m.infection.groundGlassMl), fmtMl(m.infection.consolidationMl), fmtMl(m.infection.totalMl), `${fmt(totalInvolvement)} %`],
    ],
    [0, 85, 165, 245, 350, 440],
  );
  const minimum = m.severity.minimum;
  const lesions = m.lesions;
  w.text(
    lesions.length > 0
      ? `Lesions: ${lesions.length} (connected regions of infection of at least ${fmtMl(minimum.lesionVolumeMl)} mL), listed largest first on the last page`
      : `Lesions: none (no connected region of infection of at least ${fmtMl(minimum.lesionVolumeMl)} mL)`,
  );

  w.heading('Zone scores (0 none, 1 <5 %, 2 5-25 %, 3 26-50 %, 4 51-75 %, 5 >75 % involved)');
  w.table(zoneRows(m), ZONE_COLUMNS_X, 8);
  w.text(`Severity score: ${m.severity.total} / ${m.severity.max}`, { size: 11, bold: true });
  // Always say that this is not the lobar score, whatever wording the quantification chose.
  let method = /approximation/i.test(m.severity.method) ? m.severity.method : `${m.severity.method} (zone-based approximation, not the lobar score)`;
  // ...and always state the minimum a zone needs to score (the method text of quantify does).
  if (!/minimum/i.test(method)) {
    method +=
      ` A zone scores above 0 only when at least ${minimum.zoneLesionMl.toFixed(1)} mL and ${minimum.zoneInvolvementPercent} % of its volume is infection in lesions ` +
      `(connected regions of at least ${minimum.lesionVolumeMl} mL); below that minimum it scores 0.`;
  }
  w.paragraph(method, { size: 8.5, color: MUTED });
  for (const warning of m.warnings) w.paragraph(`Warning: ${warning}`, { size: 9, color: WARN });

  const gap = 12;
  const cell = (width - 2 * MARGIN - gap * 2) / 3;
  // The images, their captions and legend need about cell + 80 pt above the footer (y 60): when
  // long warnings leave less, they start a page of their own rather than run into the footer.
  if (w.y - cell - 80 < 60) {
    page = doc.addPage(A4);
    w = new PageWriter(page, font, bold);
  }
  w.heading('Key axial images (lung window W1500 / L-600)');
  const keys = chooseKeySlices(volume.dims, input.lungs, input.infection, 3);
  const [si, sj] = volume.spacingMm;
  const aspect = (volume.dims[1] * sj) / (volume.dims[0] * si); // height / width in mm
  const imgW = aspect > 1 ? cell / aspect : cell;
  const imgH = aspect > 1 ? cell : cell * aspect;
  const top = w.y - 4;
  for (let n = 0; n < keys.length; n++) {
    const rendered = enlarge(renderKeySlice(volume, input.lungs, input.infection, keys[n].sliceIndex), 256);
    const png = await doc.embedPng(encodePngRgb(rendered.rgb, rendered.width, rendered.height));
    const x = MARGIN + n * (cell + gap);
    page.drawRectangle({ x, y: top - cell, width: cell, height: cell, color: rgb(0, 0, 0) });
    page.drawImage(png, { x: x + (cell - imgW) / 2, y: top - cell + (cell - imgH) / 2, width: imgW, height: imgH });
    page.drawText(printable(keySliceCaption(volume, keys[n])), { x, y: top - cell - 11, size: 7.5, font, color: INK });
    const sides = imageSideLabels(volume.direction);
    if (sides) {
      // White letters on a black tab, readable on any image content.
      const tag = (label: string, left: number) => {
        page.drawRectangle({ x: left, y: top - cell / 2 - 6, width: 11, height: 12, color: rgb(0, 0, 0) });
        page.drawText(label, { x: left + (11 - bold.widthOfTextAtSize(label, 9)) / 2, y: top - cell / 2 - 3, size: 9, font: bold, color: rgb(1, 1, 1) });
      };
      tag(sides[0], x);
      tag(sides[1], x + cell - 11);
    }
  }
  w.y = top - cell - 26;
  // Legend
  const legend: [string, readonly [number, number, number]][] = [
    ['Ground-glass opacity', OVERLAY_COLOURS.groundGlass],
    ['Consolidation', OVERLAY_COLOURS.consolidation],
    ['Right lung outline', OVERLAY_COLOURS.rightLungOutline],
    ['Left lung outline', OVERLAY_COLOURS.leftLungOutline],
  ];
  let lx = MARGIN;
  for (const [name, c] of legend) {
    page.drawRectangle({ x: lx, y: w.y - 8, width: 9, height: 9, color: rgb(c[0] / 255, c[1] / 255, c[2] / 255) });
    page.drawText(name, { x: lx + 13, y: w.y - 7, size: 8, font, color: INK });
    lx += 13 + font.widthOfTextAtSize(name, 8) + 18;
  }
  w.y -= 16;
  w.text('R / L on each image: the patient\'s right and left, from the series orientation.', { size: 7.5, color: MUTED, x: MARGIN, advance: false });


  // Page 2: the lesion list, largest first, for reviewing findings one by one.
  if (lesions.length > 0) {
    const page2 = doc.addPage(A4);
    const w2 = new PageWriter(page2, font, bold);
    w2.text('OPAL - lesion list', { size: 14, bold: true });
    w2.text(INVESTIGATIONAL_NOTICE, { size: 10.5, bold: true, color: WARN });
    w2.heading(`Lesions, largest first (${lesions.length})`);
    w2.paragraph(
      `A lesion is a 26-connected region of infection (either class) of at least ${fmtMl(m.severity.minimum.lesionVolumeMl)} mL. ` +
        'Zone: the score zone holding most of its voxels. Centroid: LPS patient coordinates; Slice: the axial slice of the centroid, as in the key images. ' +
        "Confidence: the model's mean probability for its label over the lesion's voxels it labelled itself (- when none, e.g. painted by hand).",
      { size: 8, color: MUTED },
    );
    w2.table(lesionRows(m, volume.dims[2]), LESION_COLUMNS_X, 8);
    if (lesions.length > REPORT_MAX_LESIONS) {
      const rest = lesions.slice(REPORT_MAX_LESIONS);
      const restMl = rest.reduce((a, l) => a + l.volumeMl, 0);
      w2.text(`and ${rest.length} more (${fmtMl(restMl)} mL in all, each at most ${fmtMl(rest[0].volumeMl)} mL): every lesion is in lesions.csv and measurements.json.`, { size: 8.5 });
    }
  }
  for (const p of doc.getPages()) drawFooter(p, font, bold);
  return doc.save({ useObjectStreams: false });
}
