/**
 * Pulls the text a PDF shows out of its page content streams (Flate-decoded with fflate, strings
 * of Tj/TJ operators, hex or literal), enough to check what OPAL's report prints without poppler.
 */
import { unzlibSync } from 'fflate';

export function pdfShownText(pdf: Uint8Array): string {
  const latin1 = new TextDecoder('latin1').decode(pdf);
  const out: string[] = [];
  const streamRe = /<<([^]*?)>>\s*stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = streamRe.exec(latin1))) {
    const start = m.index + m[0].length;
    const end = latin1.indexOf('endstream', start);
    if (end < 0) break;
    let body = pdf.subarray(start, end);
    if (/\/FlateDecode/.test(m[1])) {
      try {
        body = unzlibSync(body);
      } catch {
        continue; // images and fonts that are not text
      }
    }
    const content = new TextDecoder('latin1').decode(body);
    const tj = /(<([0-9A-Fa-f\s]*)>|\(((?:\\.|[^\\)])*)\))\s*Tj/g;
    let t: RegExpExecArray | null;
    while ((t = tj.exec(content))) {
      if (t[2] !== undefined) {
        const hex = t[2].replace(/\s/g, '');
        let s = '';
        for (let i = 0; i + 1 < hex.length; i += 2) s += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
        out.push(s);
      } else {
        out.push(t[3].replace(/\\(.)/g, '$1'));
      }
    }
  }
  return out.join('\n');
}
