import { OpalError } from '../../../errors/index.ts';

/**
 * A Huffman DCT JPEG decoder (ITU-T T.81 / ISO 10918-1) for greyscale codestreams of 8 or 12-bit
 * precision: sequential (baseline SOF0, extended SOF1) and progressive (SOF2, spectral selection and
 * successive approximation). It exists for 12-bit CT in JPEG Extended (1.2.840.10008.1.2.4.51) and the
 * retired .53/.55 syntaxes: libjpeg-turbo's WASM build is 8-bit only and npm has no maintained 12-bit
 * JPEG decoder. 8-bit codestreams decode too (tests compare it against libjpeg-turbo).
 *
 * Not supported (E_DECODE_FAILED with the reason): arithmetic coding, hierarchical and lossless
 * processes (those are JPEG Lossless, handled elsewhere), more than one component.
 */
export interface JpegDctImage {
  width: number;
  height: number;
  components: number;
  precision: number;
  /** Samples as Uint16 in this machine's byte order, seen as bytes (the codec output convention). */
  samples: Uint8Array;
}

export interface JpegFrameHeader {
  /** Start-of-frame marker code, 0xC0..0xCF. */
  sof: number;
  precision: number;
  height: number;
  width: number;
  components: number;
}

/** Zig-zag order: zigzag[k] is the natural (row-major) index of the k-th coefficient (T.81 Figure A.6). */
const zigzag = new Int32Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36,
  29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

function fail(message: string): never {
  throw new OpalError('E_DECODE_FAILED', `JPEG: ${message}`);
}

/** Reads markers up to the first start-of-frame and returns its header. */
export function readJpegFrameHeader(data: Uint8Array): JpegFrameHeader {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) fail('the frame does not start with a JPEG SOI marker');
  let p = 2;
  while (p + 4 <= data.length) {
    if (data[p] !== 0xff) fail(`expected a marker at byte ${p}`);
    const marker = data[p + 1];
    if (marker === 0xff) {
      p++;
      continue;
    }
    const len = (data[p + 2] << 8) | data[p + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (p + 10 > data.length) break;
      return { sof: marker, precision: data[p + 4], height: (data[p + 5] << 8) | data[p + 6], width: (data[p + 7] << 8) | data[p + 8], components: data[p + 9] };
    }
    p += 2 + len;
  }
  return fail('no start-of-frame marker before the end of the codestream');
}

interface HuffmanTable {
  /** lookup[(length << 16) | code] is not used; canonical decoding with maxCode/valPtr (T.81 F.2.2.3). */
  maxCode: Int32Array;
  valPtr: Int32Array;
  minCode: Int32Array;
  values: Uint8Array;
  /** Fast path: 9-bit prefix → (length << 8) | value, 0 when the code is longer. */
  fast: Uint16Array;
}

const fastBits = 9;

function buildHuffman(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const maxCode = new Int32Array(18).fill(-1);
  const valPtr = new Int32Array(17);
  const minCode = new Int32Array(17);
  const fast = new Uint16Array(1 << fastBits);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    valPtr[len] = k;
    minCode[len] = code;
    const n = counts[len - 1];
    for (let i = 0; i < n; i++) {
      if (len <= fastBits) {
        const first = (code << (fastBits - len)) & ((1 << fastBits) - 1);
        for (let j = 0; j < 1 << (fastBits - len); j++) fast[first + j] = (len << 8) | values[k];
      }
      code++;
      k++;
    }
    maxCode[len] = n > 0 ? code - 1 : -1;
    if (code > 1 << len) fail('invalid Huffman table (too many codes)');
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  return { maxCode, valPtr, minCode, values, fast };
}

class BitReader {
  private buf = 0;
  private bits = 0;
  /** Set once the entropy data ran into a marker: further bits read as zeros (T.81 F.2.2.5 note). */
  hitMarker = false;
  /** Set when the entropy data ran past the end of the codestream: a truncated frame. */
  ranOut = false;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.bits <= 24) {
      let byte = 0;
      if (!this.hitMarker && this.pos < this.data.length) {
        byte = this.data[this.pos];
        if (byte === 0xff) {
          const next = this.data[this.pos + 1];
          if (next === 0x00) this.pos += 2;
          else {
            this.hitMarker = true;
            byte = 0;
          }
        } else this.pos++;
      } else {
        if (!this.hitMarker) this.ranOut = true;
        this.hitMarker = true;
      }
      this.buf = ((this.buf << 8) | byte) >>> 0;
      this.bits += 8;
    }
  }

  bit(): number {
    if (this.bits === 0) this.fill();
    this.bits--;
    return (this.buf >>> this.bits) & 1;
  }

  receive(n: number): number {
    if (n === 0) return 0;
    if (this.bits < n) this.fill();
    this.bits -= n;
    return (this.buf >>> this.bits) & ((1 << n) - 1);
  }

  peek(n: number): number {
    if (this.bits < n) this.fill();
    return (this.buf >>> (this.bits - n)) & ((1 << n) - 1);
  }

  skip(n: number): void {
    this.bits -= n;
  }

  decode(t: HuffmanTable): number {
    const f = t.fast[this.peek(fastBits)];
    if (f !== 0) {
      this.skip(f >> 8);
      return f & 0xff;
    }
    let code = this.receive(fastBits);
    let len = fastBits;
    while (code > t.maxCode[len]) {
      code = (code << 1) | this.bit();
      len++;
      if (len > 16) fail('invalid Huffman code in the entropy-coded data');
    }
    return t.values[t.valPtr[len] + code - t.minCode[len]];
  }

  /** Drops buffered bits and moves past an RSTn marker (T.81 F.1.2.3); the stream resumes byte aligned. */
  restart(): void {
    this.buf = 0;
    this.bits = 0;
    this.hitMarker = false;
    let p = this.pos;
    while (p + 1 < this.data.length && !(this.data[p] === 0xff && this.data[p + 1] >= 0xd0 && this.data[p + 1] <= 0xd7)) p++;
    if (p + 1 >= this.data.length) fail('a restart marker is missing');
    this.pos = p + 2;
  }
}

/** Value of an `s`-bit magnitude category (T.81 F.2.2.1 EXTEND). */
function extend(v: number, s: number): number {
  return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
}

interface Component {
  id: number;
  quantTable: number;
  blocksPerLine: number;
  blocksPerColumn: number;
  coefficients: Int32Array;
  pred: number;
}

/** Decodes a greyscale Huffman DCT JPEG codestream (see the module comment for what is covered). */
export function decodeJpegDct(data: Uint8Array): JpegDctImage {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) fail('the frame does not start with a JPEG SOI marker');
  const quant: (Int32Array | undefined)[] = [];
  const dcTables: (HuffmanTable | undefined)[] = [];
  const acTables: (HuffmanTable | undefined)[] = [];
  let restartInterval = 0;
  let frame: { precision: number; width: number; height: number; progressive: boolean; component: Component } | undefined;
  let p = 2;
  let sawEoi = false;
  while (p + 1 < data.length && !sawEoi) {
    if (data[p] !== 0xff) {
      p++;
      continue;
    }
    const marker = data[p + 1];
    if (marker === 0xff || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7)) {
      p++;
      continue;
    }
    if (marker === 0xd9) {
      sawEoi = true;
      break;
    }
    if (p + 4 > data.length) fail('the codestream ends inside a marker');
    const len = (data[p + 2] << 8) | data[p + 3];
    const seg = p + 4;
    const end = p + 2 + len;
    if (len < 2 || end > data.length) fail(`marker FF${marker.toString(16).toUpperCase()} runs past the end of the codestream`);
    switch (marker) {
      case 0xdb: {
        // DQT (B.2.4.1)
        let q = seg;
        while (q < end) {
          const pq = data[q] >> 4;
          const tq = data[q] & 15;
          q++;
          const table = new Int32Array(64);
          for (let k = 0; k < 64; k++) {
            table[zigzag[k]] = pq === 0 ? data[q + k] : (data[q + 2 * k] << 8) | data[q + 2 * k + 1];
          }
          q += pq === 0 ? 64 : 128;
          quant[tq] = table;
        }
        break;
      }
      case 0xc4: {
        // DHT (B.2.4.2)
        let q = seg;
        while (q < end) {
          const tc = data[q] >> 4;
          const th = data[q] & 15;
          const counts = data.subarray(q + 1, q + 17);
          const total = counts.reduce((a, b) => a + b, 0);
          const values = data.slice(q + 17, q + 17 + total);
          if (q + 17 + total > end) fail('a Huffman table runs past its marker segment');
          (tc === 0 ? dcTables : acTables)[th] = buildHuffman(counts, values);
          q += 17 + total;
        }
        break;
      }
      case 0xdd:
        restartInterval = (data[seg] << 8) | data[seg + 1];
        break;
      case 0xc0:
      case 0xc1:
      case 0xc2: {
        const precision = data[seg];
        const height = (data[seg + 1] << 8) | data[seg + 2];
        const width = (data[seg + 3] << 8) | data[seg + 4];
        const nf = data[seg + 5];
        if (precision !== 8 && precision !== 12) fail(`sample precision ${precision} is not 8 or 12`);
        if (nf !== 1) fail(`${nf}-component DCT codestreams are decoded only by libjpeg-turbo (8-bit); this one is ${precision}-bit`);
        if (height === 0) fail('frames whose height is set by a DNL marker are not supported');
        const blocksPerLine = Math.ceil(width / 8);
        const blocksPerColumn = Math.ceil(height / 8);
        frame = {
          precision,
          width,
          height,
          progressive: marker === 0xc2,
          component: { id: data[seg + 6], quantTable: data[seg + 8], blocksPerLine, blocksPerColumn, coefficients: new Int32Array(blocksPerLine * blocksPerColumn * 64), pred: 0 },
        };
        break;
      }
      case 0xc3:
      case 0xc5:
      case 0xc6:
      case 0xc7:
      case 0xc9:
      case 0xca:
      case 0xcb:
      case 0xcd:
      case 0xce:
      case 0xcf:
        fail(`process SOF${marker - 0xc0} (lossless, hierarchical or arithmetic coding) is not supported by this decoder`);
        break;
      case 0xda: {
        if (!frame) fail('a scan starts before the frame header');
        const ns = data[seg];
        if (ns !== 1 || data[seg + 1] !== frame.component.id) fail('scan does not code the frame\'s one component');
        const td = data[seg + 2] >> 4;
        const ta = data[seg + 2] & 15;
        const q = seg + 1 + 2 * ns;
        const ss = data[q];
        const se = data[q + 1];
        const ah = data[q + 2] >> 4;
        const al = data[q + 2] & 15;
        if (ss > 63 || se > 63 || ss > se) fail(`invalid spectral selection ${ss}..${se}`);
        const reader = new BitReader(data, end);
        decodeScan(reader, frame.component, frame.progressive, { dc: dcTables[td], ac: acTables[ta], ss, se, ah, al, restartInterval });
        if (reader.ranOut) fail('the codestream ends inside a scan (truncated frame)');
        p = reader.pos;
        continue;
      }
      default:
        // APPn, COM, DNL and others carry nothing the pixels need.
        break;
    }
    p = end;
  }
  if (!frame) fail('no frame header (SOF) in the codestream');
  const qt = quant[frame.component.quantTable];
  if (!qt) fail(`quantisation table ${frame.component.quantTable} is missing`);
  const out = new Uint16Array(frame.width * frame.height);
  reconstruct(frame.component, qt, frame.precision, frame.width, frame.height, out);
  return { width: frame.width, height: frame.height, components: 1, precision: frame.precision, samples: new Uint8Array(out.buffer) };
}

interface ScanParams {
  dc: HuffmanTable | undefined;
  ac: HuffmanTable | undefined;
  ss: number;
  se: number;
  ah: number;
  al: number;
  restartInterval: number;
}

function decodeScan(r: BitReader, c: Component, progressive: boolean, s: ScanParams): void {
  const blocks = c.blocksPerLine * c.blocksPerColumn;
  const coef = c.coefficients;
  const needDc = !progressive || (s.ss === 0 && s.ah === 0);
  const needAc = !progressive || s.ss > 0;
  if (needDc && !s.dc) fail('the scan uses a DC Huffman table that was never defined');
  if (needAc && !s.ac) fail('the scan uses an AC Huffman table that was never defined');
  const dc = s.dc as HuffmanTable;
  const ac = s.ac as HuffmanTable;
  let eobrun = 0;
  c.pred = 0;
  for (let b = 0; b < blocks; b++) {
    if (s.restartInterval > 0 && b > 0 && b % s.restartInterval === 0) {
      r.restart();
      c.pred = 0;
      eobrun = 0;
    }
    const o = b * 64;
    if (!progressive) {
      // Sequential (F.2.2): DC difference then AC run/size pairs.
      const t = r.decode(dc);
      c.pred += t === 0 ? 0 : extend(r.receive(t), t);
      coef[o] = c.pred;
      for (let k = 1; k < 64; ) {
        const rs = r.decode(ac);
        const size = rs & 15;
        const run = rs >> 4;
        if (size === 0) {
          if (run !== 15) break;
          k += 16;
          continue;
        }
        k += run;
        if (k > 63) fail('AC coefficient index past 63');
        coef[o + zigzag[k]] = extend(r.receive(size), size);
        k++;
      }
    } else if (s.ss === 0) {
      // Progressive DC (G.1.2.1): first pass codes the difference, refinements one bit each.
      if (s.ah === 0) {
        const t = r.decode(dc);
        c.pred += t === 0 ? 0 : extend(r.receive(t), t);
        coef[o] = c.pred * (1 << s.al);
      } else if (r.bit()) coef[o] |= 1 << s.al;
    } else if (s.ah === 0) {
      // Progressive AC first pass (G.1.2.2) with end-of-band runs.
      if (eobrun > 0) {
        eobrun--;
        continue;
      }
      for (let k = s.ss; k <= s.se; ) {
        const rs = r.decode(ac);
        const size = rs & 15;
        const run = rs >> 4;
        if (size === 0) {
          if (run < 15) {
            eobrun = (1 << run) - 1 + (run > 0 ? r.receive(run) : 0);
            break;
          }
          k += 16;
          continue;
        }
        k += run;
        if (k > 63) fail('AC coefficient index past 63');
        coef[o + zigzag[k]] = extend(r.receive(size), size) * (1 << s.al);
        k++;
      }
    } else {
      eobrun = refineAc(r, ac, coef, o, s, eobrun);
    }
  }
}

/** Progressive AC successive-approximation refinement (T.81 G.1.2.3); returns the new EOB run. */
function refineAc(r: BitReader, ac: HuffmanTable, coef: Int32Array, o: number, s: ScanParams, eobrunIn: number): number {
  const p1 = 1 << s.al;
  const m1 = -1 << s.al;
  let eobrun = eobrunIn;
  let k = s.ss;
  if (eobrun === 0) {
    for (; k <= s.se; k++) {
      const rs = r.decode(ac);
      let run = rs >> 4;
      const size = rs & 15;
      let value = 0;
      if (size !== 0) {
        if (size !== 1) fail('invalid refinement coefficient size');
        value = r.bit() ? p1 : m1;
      } else if (run !== 15) {
        eobrun = (1 << run) + (run > 0 ? r.receive(run) : 0);
        break;
      }
      // Walk coefficients: refine the non-zero ones, skip `run` zero ones, put the new value on the next zero.
      while (k <= s.se) {
        const z = o + zigzag[k];
        if (coef[z] !== 0) {
          if (r.bit() && (coef[z] & p1) === 0) coef[z] += coef[z] >= 0 ? p1 : m1;
        } else {
          if (run === 0) break;
          run--;
        }
        k++;
      }
      if (value !== 0 && k <= s.se) coef[o + zigzag[k]] = value;
    }
  }
  if (eobrun > 0) {
    for (; k <= s.se; k++) {
      const z = o + zigzag[k];
      if (coef[z] !== 0 && r.bit() && (coef[z] & p1) === 0) coef[z] += coef[z] >= 0 ? p1 : m1;
    }
    eobrun--;
  }
  return eobrun;
}

/** cosTable[x * 8 + u] = C(u)/2 · cos((2x+1)uπ/16), the 1-D inverse DCT basis (T.81 A.3.3). */
const cosTable = (() => {
  const t = new Float64Array(64);
  for (let x = 0; x < 8; x++) {
    for (let u = 0; u < 8; u++) t[x * 8 + u] = (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
  return t;
})();

/** Dequantise, inverse DCT (separable, double precision), level shift and clamp (T.81 A.3). */
function reconstruct(c: Component, qt: Int32Array, precision: number, width: number, height: number, out: Uint16Array): void {
  const shift = 1 << (precision - 1);
  const max = (1 << precision) - 1;
  const f = new Float64Array(64);
  const tmp = new Float64Array(64);
  for (let by = 0; by < c.blocksPerColumn; by++) {
    for (let bx = 0; bx < c.blocksPerLine; bx++) {
      const o = (by * c.blocksPerLine + bx) * 64;
      let acZero = true;
      for (let i = 0; i < 64; i++) {
        f[i] = c.coefficients[o + i] * qt[i];
        if (i > 0 && f[i] !== 0) acZero = false;
      }
      if (acZero) {
        // Flat block (common in air and soft tissue): every sample is DC/8.
        const value = Math.round(f[0] / 8) + shift;
        const clamped = value < 0 ? 0 : value > max ? max : value;
        for (let y = 0; y < 8 && by * 8 + y < height; y++) {
          const row = (by * 8 + y) * width;
          for (let x = 0; x < 8 && bx * 8 + x < width; x++) out[row + bx * 8 + x] = clamped;
        }
        continue;
      }
      // Rows: tmp[v*8 + x] = Σu C(u) F(v,u) cos(...); a row with no AC terms is constant.
      for (let v = 0; v < 8; v++) {
        let rowAcZero = true;
        for (let u = 1; u < 8; u++) if (f[v * 8 + u] !== 0) rowAcZero = false;
        if (rowAcZero) {
          const dc = cosTable[0] * f[v * 8];
          for (let x = 0; x < 8; x++) tmp[v * 8 + x] = dc;
          continue;
        }
        for (let x = 0; x < 8; x++) {
          let sum = 0;
          for (let u = 0; u < 8; u++) sum += cosTable[x * 8 + u] * f[v * 8 + u];
          tmp[v * 8 + x] = sum;
        }
      }
      for (let y = 0; y < 8; y++) {
        const py = by * 8 + y;
        if (py >= height) break;
        for (let x = 0; x < 8; x++) {
          const px = bx * 8 + x;
          if (px >= width) break;
          let sum = 0;
          for (let v = 0; v < 8; v++) sum += cosTable[y * 8 + v] * tmp[v * 8 + x];
          const value = Math.round(sum) + shift;
          out[py * width + px] = value < 0 ? 0 : value > max ? max : value;
        }
      }
    }
  }
}
