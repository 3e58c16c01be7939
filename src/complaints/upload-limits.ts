import type { Options } from 'multer';
import type { MulterOptions } from '@nestjs/platform-express/multer/interfaces/multer-options.interface';
import { memoryStorage } from 'multer';
import { MAX_EVIDENCE_FILES, MAX_FILE_BYTES } from './complaint-validation';

/** Uploads stay in memory until checked; nothing touches the disk before validation. */
export const UPLOAD_OPTIONS: Options & MulterOptions = {
  storage: memoryStorage(),
  // Browsers send UTF-8 file names (e.g. 肖像权证明.png) without a charset parameter.
  defParamCharset: 'utf8',
  limits: { fileSize: MAX_FILE_BYTES, files: MAX_EVIDENCE_FILES + 2, fields: 200, fieldSize: 64 * 1024, parts: 220 },
};

export const UPLOAD_FIELDS = [
  { name: 'evidence', maxCount: MAX_EVIDENCE_FILES },
  { name: 'authorisation', maxCount: 1 },
  // Proof of identity (cn-personal-rights, 民法典 Art. 1195): staff only.
  { name: 'identity', maxCount: 1 },
];
