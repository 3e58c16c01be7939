import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, ErrorCode, NotFoundError, ValidationError } from '../common/domain-error';
import { hashToken } from '../common/tokens';
import { COMPLAINANT_TOKEN_MATCH } from './tracking.service';
import { ComplaintsService, TransitionResult } from './complaints.service';
import { checkFiles, EvidenceStorage, UploadedPart } from './evidence-storage';

/**
 * The complainant answers a request for information through their tracking link: text and
 * files (checked like evidence), stored with the transition back to in_review in one
 * transaction; the files are removed again if it fails.
 */
@Injectable()
export class AnswerService {
  constructor(
    private readonly db: DataSource,
    private readonly complaints: ComplaintsService,
    private readonly storage: EvidenceStorage,
  ) {}

  async answer(token: string, text: string, parts: UploadedPart[]): Promise<TransitionResult> {
    if (!/^[A-Za-z0-9_-]{40,64}$/.test(token)) throw new NotFoundError('No case for this tracking link');
    const [c] = await this.db.query<Array<{ reference: string; state: string; version: number }>>(
      `SELECT c.reference, c.state, c.version FROM complaint c WHERE ${COMPLAINANT_TOKEN_MATCH}`,
      [hashToken(token)],
    );
    if (!c) throw new NotFoundError('No case for this tracking link');
    if (c.state !== 'needs_info')
      throw new DomainError(ErrorCode.ILLEGAL_TRANSITION, 'This case is not waiting for information from you');
    const { files, errors } = checkFiles(parts.map((p) => ({ ...p, fieldname: 'evidence' })));
    if (errors.length) throw new ValidationError(errors);
    if (!text.trim() && !files.length)
      throw new ValidationError([{ field: 'answer', rule: 'required', message: 'write your answer or attach a file' }]);
    const stored = await this.storage.write(files);
    try {
      return await this.complaints.transition(
        {
          reference: c.reference,
          to: 'in_review',
          version: c.version,
          answer: { text: text.slice(0, 10000), files: stored },
        },
        { role: 'complainant', id: null },
      );
    } catch (err) {
      await this.storage.remove(stored);
      throw err;
    }
  }
}
