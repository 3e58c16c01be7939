import { createHash } from 'node:crypto';
import { MAX_EVIDENCE_FILES, MAX_FILE_BYTES } from '../complaints/complaint-validation';
import { sniff } from '../complaints/evidence-storage';
import type { FoundAttachment } from './inbound-parser';
import type { InboxRefused } from './inbox-message.entity';

export interface AcceptedAttachment {
  name: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  buffer: Buffer;
}

/**
 * The form's evidence rules applied to mail: type decided by the bytes (PDF, JPEG, PNG, WebP),
 * MAX_FILE_BYTES each, MAX_EVIDENCE_FILES in all. What is refused is listed with the reason
 * (`type`, `size`, `empty`, `count`), never silently dropped; winmail.dat is `ignored`.
 */
export function checkAttachments(
  found: FoundAttachment[],
  ignored: string[],
): { accepted: AcceptedAttachment[]; refused: InboxRefused[] } {
  const accepted: AcceptedAttachment[] = [];
  const refused: InboxRefused[] = ignored.map((name) => ({ name, reason: 'ignored' }));
  for (const a of found) {
    if (a.buffer.length === 0) refused.push({ name: a.name, reason: 'empty' });
    else if (a.buffer.length > MAX_FILE_BYTES) refused.push({ name: a.name, reason: 'size' });
    else {
      const contentType = sniff(a.buffer);
      if (!contentType) refused.push({ name: a.name, reason: 'type' });
      else if (accepted.length >= MAX_EVIDENCE_FILES) refused.push({ name: a.name, reason: 'count' });
      else
        accepted.push({
          name: a.name,
          contentType,
          sizeBytes: a.buffer.length,
          sha256: createHash('sha256').update(a.buffer).digest('hex'),
          buffer: a.buffer,
        });
    }
  }
  return { accepted, refused };
}
