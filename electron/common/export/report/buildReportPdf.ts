/**
 * report.pdf, A4, for a radiologist to read and file:
 * - page 1, summary: patient and study identifiers, the severity score, volumes and involvement,
 *   each zone's inputs and score with the reason (a zone with no infection, or under the minimum,
 *   reads score 0 and says why), the score rule in words, warnings, and the model's provenance;
 * - key images: up to six axial slices with the most infection, cropped to the lungs, with each
 *   class as a translucent fill and a saturated outline, thin lung outlines, orientation letters, a
 *   5 cm scale bar and the lesion numbers; each captioned with its slice number (1 = most inferior,
 *   common/volume/sliceNumbering.ts, as in the viewer and the lesion list), position in mm, the
 *   infection on that slice and the lesions it cuts;
 * - the lesion table (id, lung, zone, volume, class, slice range), then the model card's validation
 *   figures, training data, intended use and licence;
 * - on every page the notice "Investigational software, not a medical device." and "Page i of n".
 * Built with pdf-lib; the images are rendered and PNG-encoded here.
 */
import { concatTransformationMatrix, drawObject, PDFDocument, popGraphicsState, pushGraphicsState, StandardFonts, rgb, type PDFFont, type PDFPage, type PDFRef } from 'pdf-lib';
import type { ReviewRecord } from '../../review/index.ts';
import type { Lesion, Measurements, ModelProvenance } from '../../quant/index.ts';
import { axialSliceLabel, axialSliceNumber } from '../../volume/sliceNumbering.ts';
import { InfectionLabel, voxelToPatient, type Mat3, type Volume } from '../../volume/index.ts';
import { INVESTIGATIONAL_NOTICE, type StudyIdentifiers } from '../measurementsJson.ts';
import { chooseKeySlices, type KeySlice } from './chooseKeySlices.ts';
import { modelCardText, type ReportModelCard } from './modelCardText.ts';
import { keyImageCrop, LUNG_WINDOW, OVERLAY_COLOURS, renderKeySlice, type KeySliceImage } from './renderKeySlice.ts';

export type { ReportModelCard } from './modelCardText.ts';

export interface ReportInput {
  volume: Volume;
  lungs: Uint8Array;
  infection: Uint8Array;
  measurements: Measurements;
  model: ModelProvenance;
  study: StudyIdentifiers;
  /** The model's card (models/manifests/<name>.json): its validation figures go into the report. */
  modelCard?: ReportModelCard;
  generatedAt?: Date;
  /** The app's review marks (review mode): one line under the provenance. */
  review?: ReviewRecord;
}

/** The report's review line: how many ranked slices were marked reviewed, and which (at most 40 listed). */
export function reviewReportLine(r: ReviewRecord): string {
  const shown = r.reviewedSliceNumbers.slice(0, 40);
  const more = r.reviewedSliceNumbers.length - shown.length;
  const list = shown.length ? `: slice${shown.length === 1 ? '' : 's'} ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}` : '';
  return `Review: ${r.slicesReviewed} of ${r.slicesRanked} slices ranked by the model's uncertainty marked reviewed by a person${list}.`;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 40;
/** Lowest y the body may reach: the footer lies below. */
const BODY_BOTTOM = 64;
const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.38, 0.38, 0.42);
const WARN = rgb(0.72, 0.1, 0.1);
const BLACK = rgb(0, 0, 0);
const WHITE = rgb(1, 1, 1);

/** Most key images the report shows (two columns, three rows on one page). */
export const REPORT_KEY_IMAGES = 6;
/** Output pixels across a key image: about twice its printed size at 100 dpi, so outlines stay sharp. */
const KEY_IMAGE_WIDTH_PX = 640;

/** The standard PDF fonts encode WinAnsi only: replace what they cannot show. */
function printable(text: string): string {
  return text
    .replace(/[\u2012-\u2015]/g, '-')
    .replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
}

function fmt(x: number, digits = 1): string {
  return (Math.round(x * 10 ** digits) / 10 ** digits + 0).toFixed(digits);
}

/** Millilitres: one decimal, two below 10 mL so small findings do not print as 0.0. */
function fmtMl(x: number): string {
  return x.toFixed(Math.abs(x) < 10 ? 2 : 1);
}

/** Percent: two decimals under 1 %, so 0.47 % never prints as the 0.5 % it fell short of. */
function fmtPercent(x: number): string {
  return x < 1 ? x.toFixed(2) : x.toFixed(1);
}

type Colour = ReturnType<typeof rgb>;

/** Writes top to bottom across as many pages as it needs. */
class ReportWriter {
  page!: PDFPage;
  y = 0;
  constructor(
    readonly doc: PDFDocument,
    readonly font: PDFFont,
    readonly bold: PDFFont,
  ) {
    this.newPage();
  }

  get width(): number {
    return this.page.getWidth();
  }

  newPage(): void {
    this.page = this.doc.addPage(A4);
    this.y = this.page.getHeight() - MARGIN;
  }

  /** Starts a new page unless `height` points are left above the footer. */
  ensure(height: number): void {
    if (this.y - height < BODY_BOTTOM) this.newPage();
  }

  text(s: string, opts: { x?: number; size?: number; bold?: boolean; color?: Colour; advance?: boolean } = {}): void {
    const size = opts.size ?? 9.5;
    if (opts.advance !== false) this.ensure(size * 1.45);
    this.page.drawText(printable(s), { x: opts.x ?? MARGIN, y: this.y - size, size, font: opts.bold ? this.bold : this.font, color: opts.color ?? INK });
    if (opts.advance !== false) this.y -= size * 1.45;
  }

  private readonly deferred: (() => void)[] = [];

  /** A line whose text is known only once every page is laid out (e.g. "see page n"). */
  textLater(make: () => string, opts: { size?: number; bold?: boolean; color?: Colour } = {}): void {
    const size = opts.size ?? 9.5;
    this.ensure(size * 1.45);
    const { page, y } = this;
    this.deferred.push(() => page.drawText(printable(make()), { x: MARGIN, y: y - size, size, font: opts.bold ? this.bold : this.font, color: opts.color ?? INK }));
    this.y -= size * 1.45;
  }

  /** Draws the deferred lines. */
  finish(): void {
    for (const draw of this.deferred) draw();
  }

  /** Text wrapped at word boundaries to `maxWidth` (default: the page's text width). */
  paragraph(s: string, opts: { size?: number; color?: Colour; bold?: boolean; x?: number; maxWidth?: number } = {}): void {
    const size = opts.size ?? 9.5;
    const x = opts.x ?? MARGIN;
    const maxWidth = opts.maxWidth ?? this.width - MARGIN - x;
    const font = opts.bold ? this.bold : this.font;
    let line = '';
    for (const word of printable(s).split(/\s+/)) {
      const next = line ? `${line} ${word}` : word;
      if (line && font.widthOfTextAtSize(next, size) > maxWidth) {
        this.text(line, { size, color: opts.color, bold: opts.bold, x });
        line = word;
      } else line = next;
    }
    if (line) this.text(line, { size, color: opts.color, bold: opts.bold, x });
  }

  heading(s: string, size = 11.5): void {
    this.ensure(size * 1.45 + 30);
    this.y -= 6;
    this.text(s, { size, bold: true });
    this.page.drawLine({ start: { x: MARGIN, y: this.y + 3 }, end: { x: this.width - MARGIN, y: this.y + 3 }, thickness: 0.5, color: MUTED });
    this.y -= 3;
  }

  /** A table: column x offsets from the margin, first row bold and repeated on a new page. */
  table(rows: string[][], columnX: number[], size = 9): void {
    const rowHeight = size * 1.5;
    const drawRow = (row: string[], r: number) => {
      row.forEach((cell, c) => {
        this.page.drawText(printable(cell), { x: MARGIN + columnX[c], y: this.y - size, size, font: r === 0 ? this.bold : this.font, color: INK });
      });
      this.y -= rowHeight;
    };
    rows.forEach((row, r) => {
      if (this.y - rowHeight < BODY_BOTTOM) {
        this.newPage();
        if (r > 0) drawRow(rows[0], 0);
      }
      drawRow(row, r);
    });
  }
}

/** LPS letter of the patient direction a unit vector points to (its largest component). */
function directionLetter(v: [number, number, number]): string {
  const a = v.map(Math.abs);
  const axis = a[0] >= a[1] && a[0] >= a[2] ? 0 : a[1] >= a[2] ? 1 : 2;
  const positive = v[axis] >= 0;
  return axis === 0 ? (positive ? 'L' : 'R') : axis === 1 ? (positive ? 'P' : 'A') : positive ? 'S' : 'I';
}

/**
 * The patient directions at the four edges of an image drawn as stored (rows left to right along
 * direction[0..2], rows top to bottom along direction[3..5]): for a standard axial series R on the
 * left, L on the right, A at the top, P at the bottom (radiological convention).
 */
export function imageEdgeLabels(direction: Mat3): { left: string; right: string; top: string; bottom: string } {
  const row: [number, number, number] = [direction[0], direction[1], direction[2]];
  const column: [number, number, number] = [direction[3], direction[4], direction[5]];
  const neg = (v: [number, number, number]): [number, number, number] => [-v[0], -v[1], -v[2]];
  return { left: directionLetter(neg(row)), right: directionLetter(row), top: directionLetter(neg(column)), bottom: directionLetter(column) };
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

/** A lesion's predominant class: GGO or consolidation when the other is under 10 % of it, else mixed. */
export function lesionClass(l: Pick<Lesion, 'volumeMl' | 'groundGlassMl' | 'consolidationMl'>): string {
  const total = l.groundGlassMl + l.consolidationMl;
  if (total <= 0) return '-';
  const consolidation = l.consolidationMl / total;
  if (consolidation < 0.1) return 'GGO';
  if (consolidation > 0.9) return 'consolidation';
  return `mixed, ${Math.round(consolidation * 100)} % consol.`;
}

/** What one key slice shows: its infection by class and the lesions it cuts (with their pixels' centre). */
export interface KeySliceContent {
  groundGlassVoxels: number;
  consolidationVoxels: number;
  lesions: { lesion: Lesion; voxels: number; centreI: number; centreJ: number; maxI: number }[];
}

/**
 * Infection of slice k by class, and each lesion that slice k cuts: a lesion whose bounding box
 * spans k and that has infection on k inside its in-plane box (boxes of separate lesions rarely
 * overlap on one slice; when they do, both are listed).
 */
export function keySliceContent(dims: Volume['dims'], infection: Uint8Array, lesions: readonly Lesion[], k: number): KeySliceContent {
  const [nx, ny] = dims;
  const base = k * nx * ny;
  const GGO = InfectionLabel.GroundGlassOpacity;
  const CONS = InfectionLabel.Consolidation;
  let groundGlassVoxels = 0;
  let consolidationVoxels = 0;
  for (let q = 0; q < nx * ny; q++) {
    const v = infection[base + q];
    if (v === GGO) groundGlassVoxels++;
    else if (v === CONS) consolidationVoxels++;
  }
  const cut: KeySliceContent['lesions'] = [];
  for (const lesion of lesions) {
    const { min, max } = lesion.boundingBoxVoxel;
    if (k < min[2] || k > max[2]) continue;
    let voxels = 0;
    let si = 0;
    let sj = 0;
    let maxI = 0;
    for (let j = min[1]; j <= max[1]; j++) {
      for (let i = min[0]; i <= max[0]; i++) {
        if (infection[base + i + nx * j] === 0) continue;
        voxels++;
        si += i;
        sj += j;
        if (i > maxI) maxI = i;
      }
    }
    if (voxels > 0) cut.push({ lesion, voxels, centreI: si / voxels, centreJ: sj / voxels, maxI });
  }
  return { groundGlassVoxels, consolidationVoxels, lesions: cut };
}

function keySliceCaption(volume: Volume, key: KeySlice, content: KeySliceContent): string[] {
  const z = voxelToPatient(volume, 0, 0, key.sliceIndex)[2];
  const cm2 = (n: number) => fmt((n * volume.spacingMm[0] * volume.spacingMm[1]) / 100, 2);
  const lines = [`Slice ${axialSliceLabel(volume, key.sliceIndex)}, z ${fmt(z)} mm`];
  const infection = content.groundGlassVoxels + content.consolidationVoxels;
  if (infection === 0) lines.push(key.reason === 'lung-level' ? 'No infection on this slice (lung level)' : 'No infection on this slice');
  else lines.push(`Infection here ${cm2(infection)} cm² (GGO ${cm2(content.groundGlassVoxels)}, consolidation ${cm2(content.consolidationVoxels)})`);
  if (content.lesions.length > 0) {
    const shown = content.lesions.slice(0, 4).map((c) => `#${c.lesion.id} ${fmtMl(c.lesion.volumeMl)} mL`);
    const more = content.lesions.length > 4 ? `, +${content.lesions.length - 4} more` : '';
    lines.push(`Lesions cut: ${shown.join(', ')}${more}`);
  }
  return lines;
}

const ZONE_COLUMNS_X = [0, 58, 108, 168, 246, 290, 320];
/** The six zones with the score's inputs; a zone with no infection, or under the minimum, reads 0 and says why. */
function zoneRows(m: Measurements): string[][] {
  const rows: string[][] = [['Zone', 'Lung (mL)', 'Infection (mL)', 'In lesions (mL, %)', 'Involved', 'Score', 'Why this score']];
  const minimum = m.severity.minimum;
  const bands = ['', '<5 %', '5-25 %', '26-50 %', '51-75 %', '>75 %'];
  for (const lung of [m.lungs.right, m.lungs.left]) {
    for (const zone of ['upper', 'middle', 'lower'] as const) {
      const z = lung.zones.find((x) => x.zone === zone);
      const name = `${lung.side === 'right' ? 'Right' : 'Left'} ${zone}`;
      if (!z) {
        rows.push([name, '-', '-', '-', '-', '-', 'no lung in this zone']);
        continue;
      }
      const inLesions = `${fmtMl(z.lesionInfectionMl)} (${fmtPercent(z.lesionInvolvementPercent)} %)`;
      const why =
        z.infectionMl <= 0
          ? '0: no infection in this zone'
          : z.belowMinimum
            ? `0: below the minimum, ${minimum.zoneLesionMl.toFixed(1)} mL and ${minimum.zoneInvolvementPercent} % in lesions`
            : `${z.score}: ${fmtPercent(z.involvementPercent)} % involved, band ${bands[z.score]}`;
      rows.push([name, fmtMl(z.lungVolumeMl), fmtMl(z.infectionMl), inLesions, `${fmtPercent(z.involvementPercent)} %`, String(z.score), why]);
    }
  }
  return rows;
}

/** The score rule in words, with this study's thresholds. */
export function scoreRuleText(minimum: Measurements['severity']['minimum']): string {
  return (
    'How the score is computed: each lung is divided into upper, middle and lower thirds of its own height (zones, not ' +
    'anatomical lobes: a zone-based approximation of the lobar CT severity score). Each of the six zones scores by the ' +
    'percentage of its lung volume that is infection (GGO or consolidation): 0 = none, 1 = under 5 %, 2 = 5-25 %, ' +
    '3 = 26-50 %, 4 = 51-75 %, 5 = over 75 %; the total is 0-30. A zone scores above 0 only when the infection in ' +
    `lesions (connected regions of at least ${fmtMl(minimum.lesionVolumeMl)} mL) reaches both ${minimum.zoneLesionMl.toFixed(1)} mL ` +
    `and ${minimum.zoneInvolvementPercent} % of the zone; below that minimum, or with no infection, the zone scores 0.`
  );
}

/** The slice numbers (1 = most inferior) slice indices kMin..kMax cover, low to high: "12-19", or "12". */
export function sliceRangeLabel(volume: Pick<Volume, 'dims' | 'direction'>, kMin: number, kMax: number): string {
  const a = axialSliceNumber(volume, kMin);
  const b = axialSliceNumber(volume, kMax);
  return a === b ? String(a) : `${Math.min(a, b)}-${Math.max(a, b)}`;
}

/** Most lesion rows the report lists; the rest are counted ("and N more") and are in the CSV/JSON. */
export const REPORT_MAX_LESIONS = 40;
const LESION_COLUMNS_X = [0, 20, 52, 92, 146, 246, 290, 342, 412, 462];
function lesionRows(m: Measurements, volume: Volume): string[][] {
  const rows: string[][] = [['#', 'Lung', 'Zone', 'Volume (mL)', 'Class', 'GGO (mL)', 'Consol. (mL)', 'Slices (centre)', 'Mean HU', 'Confidence']];
  for (const l of m.lesions.slice(0, REPORT_MAX_LESIONS)) {
    rows.push([
      String(l.id),
      l.lung,
      l.zone ?? '-',
      fmtMl(l.volumeMl),
      lesionClass(l),
      fmtMl(l.groundGlassMl),
      fmtMl(l.consolidationMl),
      `${sliceRangeLabel(volume, l.boundingBoxVoxel.min[2], l.boundingBoxVoxel.max[2])} (${axialSliceNumber(volume, l.centroidVoxel[2])})`,
      l.meanHu === null ? '-' : String(Math.round(l.meanHu) + 0), // + 0: never "-0"
      l.meanConfidence === null ? '-' : l.meanConfidence.toFixed(2),
    ]);
  }
  return rows;
}

function drawFooter(page: PDFPage, font: PDFFont, bold: PDFFont, index: number, count: number): void {
  const width = page.getWidth();
  page.drawLine({ start: { x: MARGIN, y: 52 }, end: { x: width - MARGIN, y: 52 }, thickness: 0.5, color: MUTED });
  page.drawText(INVESTIGATIONAL_NOTICE, { x: MARGIN, y: 38, size: 9, font: bold, color: WARN });
  const pageText = `Page ${index} of ${count}`;
  page.drawText(pageText, { x: width - MARGIN - font.widthOfTextAtSize(pageText, 9), y: 38, size: 9, font, color: INK });
  page.drawText(printable('Volumes from voxel counts on the CT grid; a radiologist must review the masks before any use of these numbers.'), {
    x: MARGIN,
    y: 26,
    size: 7.5,
    font,
    color: MUTED,
  });
}

function colourOf(c: readonly [number, number, number]): Colour {
  return rgb(c[0] / 255, c[1] / 255, c[2] / 255);
}

/** A white bold label on a black tab, readable over any image content; (x, y) is the tab's centre. */
function drawTag(page: PDFPage, bold: PDFFont, label: string, x: number, y: number, size = 9): void {
  const w = bold.widthOfTextAtSize(label, size) + 4;
  const h = size + 3;
  page.drawRectangle({ x: x - w / 2, y: y - h / 2, width: w, height: h, color: BLACK, opacity: 0.75 });
  page.drawText(label, { x: x - w / 2 + 2, y: y - size * 0.35, size, font: bold, color: WHITE });
}

interface PlacedKeyImage {
  key: KeySlice;
  image: KeySliceImage;
  xObject: PDFRef;
  content: KeySliceContent;
}

/**
 * An RGB image as a PDF image XObject (PDF 1.7 §8.9.5), Flate-compressed once: no PNG encode,
 * decode and re-encode, which took as long as rendering the images.
 */
function embedRgbImage(doc: PDFDocument, image: KeySliceImage): PDFRef {
  const stream = doc.context.flateStream(image.rgb, { Type: 'XObject', Subtype: 'Image', Width: image.width, Height: image.height, ColorSpace: 'DeviceRGB', BitsPerComponent: 8 });
  return doc.context.register(stream);
}

function drawRgbImage(page: PDFPage, xObject: PDFRef, x: number, y: number, width: number, height: number): void {
  const name = page.node.newXObject('Image', xObject);
  page.pushOperators(pushGraphicsState(), concatTransformationMatrix(width, 0, 0, height, x, y), drawObject(name), popGraphicsState());
}

/** The key-image pages: legend, then a 2-column grid of images with captions. */
function drawKeyImages(w: ReportWriter, volume: Volume, placed: PlacedKeyImage[], edges: ReturnType<typeof imageEdgeLabels>): void {
  const { bold, font } = w;
  w.heading(`Key axial images (lung window W${LUNG_WINDOW.widthHu} / L${LUNG_WINDOW.levelHu}), cropped to the lungs`);
  w.paragraph(
    `The ${placed.length} slices with the most infection, kept apart; each image is seen from the feet ` +
      `(${edges.left} on the image left). Slice numbers count from the most inferior slice (1) up, as in the viewer and the lesion table. ` +
      'Numbered tags mark the lesions of the table.',
    { size: 8, color: MUTED },
  );
  // Legend
  const legend: [string, readonly [number, number, number], boolean][] = [
    ['Ground-glass opacity (GGO)', OVERLAY_COLOURS.groundGlass, true],
    ['Consolidation', OVERLAY_COLOURS.consolidation, true],
    ['Right lung outline', OVERLAY_COLOURS.rightLungOutline, false],
    ['Left lung outline', OVERLAY_COLOURS.leftLungOutline, false],
  ];
  w.ensure(16);
  let lx = MARGIN;
  for (const [name, c, filled] of legend) {
    const colour = colourOf(c);
    if (filled) w.page.drawRectangle({ x: lx, y: w.y - 10, width: 11, height: 11, color: colour, opacity: 0.45, borderColor: colour, borderWidth: 1.6 });
    else w.page.drawLine({ start: { x: lx, y: w.y - 4.5 }, end: { x: lx + 11, y: w.y - 4.5 }, thickness: 1.4, color: colour });
    w.page.drawText(name, { x: lx + 15, y: w.y - 8, size: 8.5, font, color: INK });
    lx += 15 + font.widthOfTextAtSize(name, 8.5) + 16;
  }
  w.y -= 18;

  const gap = 14;
  const cellW = (w.width - 2 * MARGIN - gap) / 2;
  const captionH = 34;
  // Three rows fit on one page: the image height is capped so they do.
  const maxImageH = (w.page.getHeight() - 2 * MARGIN - BODY_BOTTOM - 70) / 3 - captionH;
  for (let n = 0; n < placed.length; n += 2) {
    const first = placed[n].image;
    const aspect = first.height / first.width;
    const imgW = Math.min(cellW, maxImageH / aspect);
    const imgH = imgW * aspect;
    w.ensure(imgH + captionH);
    const top = w.y;
    for (let c = 0; c < 2 && n + c < placed.length; c++) {
      const { key, image, xObject, content } = placed[n + c];
      const x = MARGIN + c * (cellW + gap) + (cellW - imgW) / 2;
      const y0 = top - imgH;
      drawRgbImage(w.page, xObject, x, y0, imgW, imgH);
      const ptPerMm = imgW / (image.width * image.pixelMm);
      // Orientation letters at the middle of each edge.
      drawTag(w.page, bold, edges.left, x + 7, y0 + imgH / 2);
      drawTag(w.page, bold, edges.right, x + imgW - 7, y0 + imgH / 2);
      drawTag(w.page, bold, edges.top, x + imgW / 2, top - 7);
      drawTag(w.page, bold, edges.bottom, x + imgW / 2, y0 + 7);
      // Scale bar (5 cm, shorter on a small field of view), bottom right, on a dark tab so it reads over soft tissue.
      const barMm = [50, 20, 10, 5, 2, 1].find((mm) => mm * ptPerMm <= 0.4 * imgW) ?? 1;
      const barText = barMm >= 10 ? `${barMm / 10} cm` : `${barMm} mm`;
      const bar = barMm * ptPerMm;
      const bx = x + imgW - 8 - bar;
      const tabW = Math.max(bar, font.widthOfTextAtSize(barText, 7)) + 8;
      w.page.drawRectangle({ x: bx + bar / 2 - tabW / 2, y: y0 + 2, width: tabW, height: 17, color: BLACK, opacity: 0.6 });
      w.page.drawLine({ start: { x: bx, y: y0 + 7 }, end: { x: bx + bar, y: y0 + 7 }, thickness: 1.5, color: WHITE });
      for (const tx of [bx, bx + bar]) w.page.drawLine({ start: { x: tx, y: y0 + 4 }, end: { x: tx, y: y0 + 10 }, thickness: 1, color: WHITE });
      w.page.drawText(barText, { x: bx + bar / 2 - font.widthOfTextAtSize(barText, 7) / 2, y: y0 + 11, size: 7, font, color: WHITE });
      // Lesion numbers, right of each lesion's pixels on this slice.
      for (const cut of content.lesions.slice(0, 8)) {
        const [si, sj] = volume.spacingMm;
        const px = x + ((cut.maxI + 0.5 - image.crop.i0) * si) * ptPerMm + 8;
        const py = top - ((cut.centreJ + 0.5 - image.crop.j0) * sj) * ptPerMm;
        drawTag(w.page, bold, String(cut.lesion.id), Math.min(x + imgW - 8, Math.max(x + 8, px)), Math.min(top - 8, Math.max(y0 + 8, py)), 7.5);
      }
      keySliceCaption(volume, key, content).forEach((line, i) => {
        w.page.drawText(printable(line), { x: MARGIN + c * (cellW + gap), y: y0 - 10 - i * 9.5, size: i === 0 ? 8 : 7.5, font: i === 0 ? bold : font, color: INK });
      });
    }
    w.y = top - imgH - captionH;
  }
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
  const w = new ReportWriter(doc, font, bold);
  const minimum = m.severity.minimum;
  const lesions = m.lesions;

  // Page 1: summary.
  w.text('OPAL - COVID-19 lung infection report', { size: 16, bold: true });
  // The notice is the first thing under the title, in red, and again in the footer.
  w.text(INVESTIGATIONAL_NOTICE, { size: 10.5, bold: true, color: WARN });
  w.heading('Patient and study');
  const ids: [string, string | undefined][] = [
    ['Patient name', study.patientName?.replace(/\^/g, ' ').trim()],
    ['Patient ID', study.patientId],
    ['Study date', study.studyDate],
    ['Series', study.seriesDescription],
    ['Study instance UID', study.studyInstanceUid],
    ['Series instance UID', study.seriesInstanceUid],
  ];
  for (const [k, v] of ids) {
    w.text(`${k}:`, { bold: true, advance: false, size: 9 });
    w.text(v && v.length > 0 ? v : '(not recorded)', { x: MARGIN + 110, size: 9 });
  }
  w.text(
    `Grid: ${volume.dims.join(' x ')} voxels, spacing ${volume.spacingMm.map((s) => fmt(s, 2)).join(' x ')} mm; slices numbered 1 (most inferior) to ${volume.dims[2]}`,
    { color: MUTED, size: 8.5 },
  );

  w.heading('Result');
  const totalInvolvement = m.lungs.totalVolumeMl > 0 ? (100 * m.infection.totalMl) / m.lungs.totalVolumeMl : 0;
  w.text(`Severity score: ${m.severity.total} / ${m.severity.max} (zone-based approximation)`, { size: 12, bold: true });
  const pagesOf = { keyImages: 0, lesions: 0, card: 0 };
  w.paragraph(
    `Infection ${fmtMl(m.infection.totalMl)} mL (GGO ${fmtMl(m.infection.groundGlassMl)}, consolidation ${fmtMl(m.infection.consolidationMl)}), ` +
      `${fmtPercent(totalInvolvement)} % of ${fmtMl(m.lungs.totalVolumeMl)} mL of lungs; ` +
      (lesions.length > 0 ? `${lesions.length} lesion${lesions.length === 1 ? '' : 's'}.` : 'no lesion.'),
  );
  w.textLater(() => `Key images: page ${pagesOf.keyImages}. Lesion table: page ${pagesOf.lesions}. Model card: page ${pagesOf.card}.`, { size: 9, color: MUTED });
  const lungRow = (name: string, l: Measurements['lungs']['right']): string[] => [
    name,
    fmtMl(l.volumeMl),
    fmtMl(l.groundGlassMl),
    fmtMl(l.consolidationMl),
    fmtMl(l.infectionMl),
    `${fmtPercent(l.involvementPercent)} %`,
  ];
  w.table(
    [
      ['', 'Lung (mL)', 'GGO (mL)', 'Consolidation (mL)', 'Infection (mL)', 'Involved'],
      lungRow('Right lung', m.lungs.right),
      lungRow('Left lung', m.lungs.left),
      ['Both lungs', fmtMl(m.lungs.totalVolumeMl), fmtMl(m.infection.groundGlassMl), fmtMl(m.infection.consolidationMl), fmtMl(m.infection.totalMl), `${fmtPercent(totalInvolvement)} %`],
    ],
    [0, 85, 165, 245, 350, 440],
  );
  if (lesions.length === 0) w.text(`Lesions: none (no connected region of infection of at least ${fmtMl(minimum.lesionVolumeMl)} mL)`);

  w.heading('Zone scores');
  w.table(zoneRows(m), ZONE_COLUMNS_X, 8);
  w.text(`Severity score: ${m.severity.total} / ${m.severity.max}`, { size: 10, bold: true });
  w.paragraph(scoreRuleText(minimum), { size: 8.5 });
  for (const warning of m.warnings) w.paragraph(`Warning: ${warning}`, { size: 8.5, color: WARN });

  w.heading('Model and provenance');
  w.text(`Model: ${model.name}   Version: ${model.version}   Execution provider: ${model.executionProvider}`, { size: 9 });
  w.text(`Model SHA-256: ${model.sha256 || '(not recorded)'}`, { size: 8, color: MUTED });
  w.text(
    `Segmentation: ${model.edited ? 'SEMIAUTOMATIC (edited by a person after the model ran)' : 'AUTOMATIC (not edited)'}   Generated: ${generatedAt.toISOString().replace('T', ' ').slice(0, 19)} UTC`,
    { size: 9 },
  );
  if (input.review) w.paragraph(reviewReportLine(input.review), { size: 9 });
  const validation = input.modelCard ? modelCardText(input.modelCard).validation : [];
  if (validation.length > 0) w.text(`Model card validation (held-out slices, not this study): ${validation[0]}`, { size: 9 });
  w.textLater(() => `All validation figures of the model card: page ${pagesOf.card}`, { size: 9 });

  // Key images, on a page of their own.
  w.newPage();
  pagesOf.keyImages = doc.getPageCount();
  const crop = keyImageCrop(volume, input.lungs);
  const keys = chooseKeySlices(volume.dims, input.lungs, input.infection, REPORT_KEY_IMAGES);
  const placed: PlacedKeyImage[] = [];
  for (const key of keys) {
    // Up to 8 output pixels per voxel: a small grid needs no more to print sharp.
    const targetWidthPx = Math.min(KEY_IMAGE_WIDTH_PX, (crop.i1 - crop.i0 + 1) * 8);
    const image = renderKeySlice(volume, input.lungs, input.infection, key.sliceIndex, { crop, targetWidthPx });
    placed.push({ key, image, xObject: embedRgbImage(doc, image), content: keySliceContent(volume.dims, input.infection, lesions, key.sliceIndex) });
  }
  drawKeyImages(w, volume, placed, imageEdgeLabels(volume.direction));

  // The lesion table, largest first.
  w.newPage();
  pagesOf.lesions = doc.getPageCount();
  w.heading(lesions.length > 0 ? `Lesions, largest first (${lesions.length})` : 'Lesions: none');
  w.paragraph(
    `A lesion is a 26-connected region of infection (either class) of at least ${fmtMl(minimum.lesionVolumeMl)} mL. ` +
      'Zone: the score zone holding most of its voxels. Class: GGO or consolidation when the other class is under 10 % of it, else mixed. ' +
      "Slices: the slices it spans (1 = most inferior, as in the key images and the viewer) and, in brackets, its centre's slice, the one the viewer's lesion list shows. " +
      "Confidence: the model's mean probability for its label over the lesion's voxels it labelled itself (- when none, e.g. painted by hand). " +
      'Centroids and bounding boxes are in lesions.csv and measurements.json.',
    { size: 8, color: MUTED },
  );
  if (lesions.length > 0) {
    w.table(lesionRows(m, volume), LESION_COLUMNS_X, 8);
    if (lesions.length > REPORT_MAX_LESIONS) {
      const rest = lesions.slice(REPORT_MAX_LESIONS);
      const restMl = rest.reduce((a, l) => a + l.volumeMl, 0);
      w.text(`and ${rest.length} more (${fmtMl(restMl)} mL in all, each at most ${fmtMl(rest[0].volumeMl)} mL): every lesion is in lesions.csv and measurements.json.`, { size: 8.5 });
    }
  } else {
    w.text(`No connected region of infection of at least ${fmtMl(minimum.lesionVolumeMl)} mL.`, { size: 9 });
  }

  // The model card.
  w.heading(`Model card: ${model.name} ${model.version}`);
  pagesOf.card = doc.getPageCount();
  if (input.modelCard) {
    const card = modelCardText(input.modelCard);
    if (input.modelCard.architecture) w.text(`Architecture: ${input.modelCard.architecture}`, { size: 9 });
    if (card.validation.length > 0) {
      w.text('Validation (from the model card; measured on held-out slices, not on this study):', { size: 9, bold: true });
      for (const line of card.validation) w.text(line, { size: 9, x: MARGIN + 10 });
    } else w.text('The model card states no validation Dice.', { size: 9 });
    if (card.split) w.paragraph(`Validation split: ${card.split}`, { size: 8.5, color: MUTED });
    if (card.other.length > 0) {
      w.text('Other figures of the model card:', { size: 8.5, bold: true });
      for (const line of card.other) w.paragraph(line, { size: 8, color: MUTED, x: MARGIN + 10 });
    }
    if (card.training) w.paragraph(`Training data: ${card.training}`, { size: 8.5 });
    if (card.intendedUse) w.paragraph(`Intended use: ${card.intendedUse}`, { size: 8.5 });
    if (card.license) w.paragraph(`Licence: ${card.license}`, { size: 8, color: MUTED });
  } else {
    w.text('The model card (validation figures) was not available when this report was written.', { size: 9 });
  }

  // Cross references and footers, now that the page count is known.
  w.finish();
  const pages = doc.getPages();
  pages.forEach((p, i) => drawFooter(p, font, bold, i + 1, pages.length));
  return doc.save({ useObjectStreams: false });
}
