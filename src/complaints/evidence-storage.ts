import { Inject, Injectable } from '@nestjs/common';
import { filetypeinfo } from 'magic-bytes.js';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FieldError } from '../common/domain-error';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import type { FilePurpose } from './evidence-file.entity';
import { MAX_EVIDENCE_FILES, MAX_FILE_BYTES } from './complaint-validation';

/** An uploaded file as multer (memory storage) hands it over. */
export interface UploadedPart {
  fieldname: string;
  originalname: string;
  size: number;
  buffer: Buffer;
}

export interface CheckedFile {
  purpose: FilePurpose;
  originalName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  buffer: Buffer;
}

export interface StoredFile extends Omit<CheckedFile, 'buffer'> {
  storageKey: string;
}

// The type is decided by the bytes, never by the name or the declared Content-Type.
const ALLOWED: Record<string, string> = {
  pdf: 'application/pdf',
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

export function sniff(buffer: Buffer): string | null {
  for (const info of filetypeinfo(buffer.subarray(0, 64))) {
    if (ALLOWED[info.typename]) return ALLOWED[info.typename];
  }
  return null;
}

/** Checks count, size and content type of the uploaded parts; returns field errors, if any. */
export function checkFiles(parts: UploadedPart[]): { files: CheckedFile[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const files: CheckedFile[] = [];
  const evidence = parts.filter((p) => p.fieldname === 'evidence');
  const authorisation = parts.filter((p) => p.fieldname === 'authorisation');
  if (evidence.length > MAX_EVIDENCE_FILES) {
    errors.push({ field: 'evidence', rule: 'fileCount', message: `at most ${MAX_EVIDENCE_FILES} evidence files` });
  }
  if (authorisation.length > 1)
    errors.push({ field: 'authorisation', rule: 'fileCount', message: 'one authorisation file' });
  for (const p of [...evidence, ...authorisation]) {
    const field = p.fieldname;
    const name = (p.originalname || 'file').replace(/[\\/\r\n\0]/g, '_').slice(0, 200);
    if (p.size > MAX_FILE_BYTES) {
      errors.push({ field, rule: 'fileSize', message: `${name}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MB` });
      continue;
    }
    if (p.size === 0) {
      errors.push({ field, rule: 'fileType', message: `${name}: the file is empty` });
      continue;
    }
    const contentType = sniff(p.buffer);
    if (!contentType) {
      errors.push({ field, rule: 'fileType', message: `${name}: only PDF, JPEG, PNG or WebP (checked by content)` });
      continue;
    }
    files.push({
      purpose: field === 'authorisation' ? 'authorisation' : 'evidence',
      originalName: name,
      contentType,
      sizeBytes: p.size,
      sha256: createHash('sha256').update(p.buffer).digest('hex'),
      buffer: p.buffer,
    });
  }
  return { files, errors };
}

/**
 * Stores evidence under UPLOAD_DIR, which no route serves. Files are written before the
 * intake transaction and removed again if it fails, so a complaint commits whole or not at all.
 */
@Injectable()
export class EvidenceStorage {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async write(files: CheckedFile[]): Promise<StoredFile[]> {
    const stored: StoredFile[] = [];
    try {
      for (const f of files) {
        const month = new Date().toISOString().slice(0, 7);
        const storageKey = `${month}/${randomUUID()}`;
        const path = this.pathOf(storageKey);
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        await writeFile(path, f.buffer, { flag: 'wx', mode: 0o600 });
        const { buffer: _buffer, ...meta } = f;
        void _buffer;
        stored.push({ ...meta, storageKey });
      }
    } catch (err) {
      await this.remove(stored);
      throw err;
    }
    return stored;
  }

  async remove(files: Array<{ storageKey: string }>): Promise<void> {
    await Promise.all(files.map((f) => unlink(this.pathOf(f.storageKey)).catch(() => undefined)));
  }

  pathOf(storageKey: string): string {
    return join(this.config.uploadDir, storageKey);
  }
}
