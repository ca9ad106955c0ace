import { describe, expect, it } from 'vitest';
import { encodeDicomFile, type El } from '../../../test/dicom/syntheticDicom.ts';
import { isDicomdir, readDirectoryRecords } from './dicomdir.ts';
import { parseDicomBytes } from './parseDicomBytes.ts';

const rec = (type: string, extra: El[] = []): El[] => [{ tag: [0x0004, 0x1430], vr: 'CS', value: type }, ...extra];

describe('readDirectoryRecords', () => {
  it('reads record types, referenced file IDs and series UIDs in file order, whatever the hierarchy order', () => {
    const bytes = encodeDicomFile(
      [
        {
          tag: [0x0004, 0x1220],
          vr: 'SQ',
          value: [
            rec('IMAGE', [
              { tag: [0x0004, 0x1500], vr: 'CS', value: 'SUB\\CT\\IM0001' },
              { tag: [0x0004, 0x1511], vr: 'UI', value: '1.2.3.4.5' },
            ]),
            rec('SERIES', [
              { tag: [0x0008, 0x0060], vr: 'CS', value: 'CT' },
              { tag: [0x0020, 0x000e], vr: 'UI', value: '1.2.3.4' },
            ]),
            rec('PATIENT'),
          ],
        },
      ],
      { sopClassUid: '1.2.840.10008.1.3.10' },
    );
    const p = parseDicomBytes(bytes);
    expect(isDicomdir(p.dataSet)).toBe(true);
    const records = readDirectoryRecords(p.dataSet);
    expect(records.map((r) => r.type)).toEqual(['IMAGE', 'SERIES', 'PATIENT']);
    expect(records[0].referencedFileId).toEqual(['SUB', 'CT', 'IM0001']);
    expect(records[0].referencedSopInstanceUid).toBe('1.2.3.4.5');
    expect([records[1].seriesInstanceUid, records[1].modality]).toEqual(['1.2.3.4', 'CT']);
    expect(records[0].offset).toBeGreaterThan(132);
  });

  it('does not take an image for a DICOMDIR', () => {
    const p = parseDicomBytes(encodeDicomFile([{ tag: [0x0008, 0x0060], vr: 'CS', value: 'CT' }]));
    expect(isDicomdir(p.dataSet)).toBe(false);
  });
});
