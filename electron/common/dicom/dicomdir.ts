import type { DataSet } from 'dicom-parser';
import { MEDIA_STORAGE_DIRECTORY_SOP_CLASS, Tag } from './tags.ts';

/** One record of a DICOMDIR's Directory Record Sequence (PS3.3 F.3.2.2). */
export interface DirectoryRecord {
  /** PATIENT, STUDY, SERIES, IMAGE, ... (Directory Record Type, 0004,1430). */
  type: string;
  /** Referenced File ID components (0004,1500), e.g. ['77654033', 'CR1', '6154']. */
  referencedFileId?: string[];
  referencedSopInstanceUid?: string;
  referencedSopClassUid?: string;
  referencedTransferSyntaxUid?: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  modality?: string;
  /** Byte offset of the record's item in the file (what the offset attributes point at). */
  offset: number;
}

export function isDicomdir(ds: DataSet): boolean {
  const cls = ds.string(Tag.MediaStorageSOPClassUID)?.replace(/\0/g, '').trim();
  return cls === MEDIA_STORAGE_DIRECTORY_SOP_CLASS || Boolean(ds.elements[Tag.DirectoryRecordSequence]);
}

function clean(v: string | undefined): string | undefined {
  const t = v?.replace(/\0/g, '').trim();
  return t ? t : undefined;
}

/**
 * Reads every directory record in file order. The hierarchy (which IMAGE belongs to which
 * SERIES) comes from the referenced files themselves when they are scanned; records are used for
 * which files belong to the file-set, so record order and broken offsets do not matter.
 */
export function readDirectoryRecords(ds: DataSet): DirectoryRecord[] {
  const items = ds.elements[Tag.DirectoryRecordSequence]?.items ?? [];
  return items.map((item) => {
    const d = item.dataSet;
    const fileIdEl = d?.elements[Tag.ReferencedFileID];
    let referencedFileId: string[] | undefined;
    if (d && fileIdEl && fileIdEl.length > 0) {
      const raw = d.string(Tag.ReferencedFileID);
      const n = d.numStringValues(Tag.ReferencedFileID) ?? 1;
      const parts: string[] = [];
      for (let i = 0; i < n; i++) {
        const p = clean(d.string(Tag.ReferencedFileID, i));
        if (p) parts.push(p);
      }
      referencedFileId = parts.length > 0 ? parts : raw ? [raw.trim()] : undefined;
    }
    return {
      type: clean(d?.string(Tag.DirectoryRecordType)) ?? 'UNKNOWN',
      referencedFileId,
      referencedSopInstanceUid: clean(d?.string(Tag.ReferencedSOPInstanceUIDInFile)),
      referencedSopClassUid: clean(d?.string(Tag.ReferencedSOPClassUIDInFile)),
      referencedTransferSyntaxUid: clean(d?.string(Tag.ReferencedTransferSyntaxUIDInFile)),
      studyInstanceUid: clean(d?.string(Tag.StudyInstanceUID)),
      seriesInstanceUid: clean(d?.string(Tag.SeriesInstanceUID)),
      modality: clean(d?.string(Tag.Modality)),
      offset: item.dataOffset - 8,
    };
  });
}
