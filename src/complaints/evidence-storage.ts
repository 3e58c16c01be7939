import { Inject, Injectable, Logger } from '@nestjs/common';
import { filetypeinfo } from 'magic-bytes.js';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FieldError, StorageUnavailableError } from '../common/domain-error';
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
  const identity = parts.filter((p) => p.fieldname === 'identity');
  if (evidence.length > MAX_EVIDENCE_FILES) {
    errors.push({ field: 'evidence', rule: 'fileCount', message: `at most ${MAX_EVIDENCE_FILES} evidence files` });
  }
  if (authorisation.length > 1)
    errors.push({ field: 'authorisation', rule: 'fileCount', message: 'one authorisation file' });
  if (identity.length > 1) errors.push({ field: 'identity', rule: 'fileCount', message: 'one identity document' });
  for (const p of [...evidence, ...authorisation, ...identity]) {
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
      purpose: field === 'authorisation' || field === 'identity' ? field : 'evidence',
      originalName: name,
      contentType,
      sizeBytes: p.size,
      sha256: createHash('sha256').update(p.buffer).digest('hex'),
      buffer: p.buffer,
    });
  }
  return { files, errors };
}

/** File-system errors that mean "the disk cannot take this now", not "this request is wrong". */
const STORAGE_UNAVAILABLE = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE']);

/** How long clients are told to wait before sending the same upload again. */
export const STORAGE_RETRY_AFTER_SECONDS = 300;

/**
 * Stores evidence under UPLOAD_DIR, which no route serves. Files are written and fsynced before
 * the intake transaction and removed again if it fails, so a complaint commits whole or not at
 * all. A file that cannot be written whole (disk full, read-only) is removed at once, never left
 * empty or cut short, and the request is answered 503 (StorageUnavailableError). Files that a
 * crash still left behind are removed by UploadSweeper.
 */
@Injectable()
export class EvidenceStorage {
  private readonly logger = new Logger('EvidenceStorage');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async write(files: CheckedFile[]): Promise<StoredFile[]> {
    const stored: StoredFile[] = [];
    let current: string | undefined;
    try {
      const dirs = new Set<string>();
      for (const f of files) {
        const month = new Date().toISOString().slice(0, 7);
        const storageKey = `${month}/${randomUUID()}`;
        const path = this.pathOf(storageKey);
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        current = storageKey;
        const handle = await open(path, 'wx', 0o600);
        try {
          await handle.writeFile(f.buffer);
          await handle.sync();
        } finally {
          await handle.close();
        }
        current = undefined;
        dirs.add(dirname(path));
        const { buffer: _buffer, ...meta } = f;
        void _buffer;
        stored.push({ ...meta, storageKey });
      }
      // The new directory entries must survive a crash too, before the row that names them commits.
      for (const dir of dirs) await syncDirectory(dir);
    } catch (err) {
      await this.remove(current ? [...stored, { storageKey: current }] : stored);
      const code = (err as NodeJS.ErrnoException).code;
      if (code && STORAGE_UNAVAILABLE.has(code)) {
        this.logger.error(`cannot store evidence under UPLOAD_DIR: ${code} ${(err as Error).message}`);
        throw new StorageUnavailableError(code, STORAGE_RETRY_AFTER_SECONDS);
      }
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

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems refuse fsync on a directory; the files themselves are synced.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    await handle.close();
  }
}
