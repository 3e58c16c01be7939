import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode, NotFoundError, ValidationError } from '../common/domain-error';
import { hashToken } from '../common/tokens';
import { mayAppeal } from './appeal-window';
import { appealItems } from './complaint-guards';
import { nextStates } from './complaint-state-machine';
import type { ComplaintState } from './complaint-state';
import { ComplaintsService, TransitionResult } from './complaints.service';
import { checkFiles, EvidenceStorage, UploadedPart } from './evidence-storage';
import { COMPLAINANT_TOKEN_MATCH } from './tracking.service';

type Party = 'complainant' | 'content_owner';

/** What a party's page shows about appealing and withdrawing. */
export interface AppealStatus {
  /** The party may appeal now (something to appeal, within the window, not appealed before). */
  canAppeal: boolean;
  /** The end of the appeal window of the decision in force (APPEAL_MONTHS), while one is open. */
  appealUntil: Date | null;
  /** The window ended (or the case closed) with a decision this party could have appealed. */
  windowClosed: boolean;
  /** This party's appeal, if any: filed, and once decided its outcome and reasons. */
  appeal: { filedAt: Date; decidedAt: Date | null; outcome: string | null; reasons: string | null } | null;
  /** The complainant may still withdraw (before a final outcome). */
  canWithdraw: boolean;
}

interface Found {
  id: string;
  reference: string;
  state: ComplaintState;
  version: number;
  legal_basis: string;
  owner_email: string | null;
}

const TOKEN = /^[A-Za-z0-9_-]{40,64}$/;

/**
 * A party's appeal (DSA Art. 20) and the complainant's withdrawal, through their private links:
 * resolves the link, checks the files like evidence, stores them, and takes the declared edge
 * (complaint-state.ts) as that party; the files are removed again if the transition fails.
 */
@Injectable()
export class AppealService {
  constructor(
    private readonly db: DataSource,
    private readonly complaints: ComplaintsService,
    private readonly storage: EvidenceStorage,
    private readonly clock: Clock,
  ) {}

  appealAsComplainant(token: string, text: string, parts: UploadedPart[]): Promise<TransitionResult> {
    return this.file('complainant', token, text, parts);
  }

  appealAsOwner(token: string, text: string, parts: UploadedPart[]): Promise<TransitionResult> {
    return this.file('content_owner', token, text, parts);
  }

  /** The complainant withdraws; it cannot be undone (the page asks to confirm first). */
  async withdraw(token: string): Promise<TransitionResult> {
    const c = await this.find('complainant', token);
    if (!nextStates(c.state, 'complainant').includes('withdrawn'))
      throw new DomainError(
        ErrorCode.ILLEGAL_TRANSITION,
        c.state === 'withdrawn'
          ? 'This complaint is already withdrawn'
          : 'This complaint has reached a final outcome and can no longer be withdrawn',
        { state: c.state },
      );
    return this.complaints.transition(
      { reference: c.reference, to: 'withdrawn', version: c.version },
      { role: 'complainant', id: null },
    );
  }

  async status(party: Party, token: string): Promise<AppealStatus> {
    const c = await this.find(party, token);
    const [window] = await this.db.query<Array<{ due_at: Date }>>(
      `SELECT due_at FROM case_timer WHERE complaint_id = $1 AND kind = 'appeal_window_end' AND done_at IS NULL`,
      [c.id],
    );
    const [own] = await this.db.query<
      Array<{ filed_at: Date; decided_at: Date | null; outcome: string | null; reasons: string | null }>
    >(
      `SELECT filed_at, decided_at, outcome, reasons FROM appeal
        WHERE complaint_id = $1 AND party = $2 AND coalesce(owner_email, '') = coalesce($3, '')`,
      [c.id, party, c.owner_email],
    );
    const open = !!window && new Date(window.due_at).getTime() > this.clock.now().getTime();
    const edge = nextStates(c.state, party).includes('appeal_review');
    const standing = edge && mayAppeal(party, c.state, c.legal_basis, await appealItems(this.db, c.id), c.owner_email);
    return {
      canAppeal: standing && open && !own,
      appealUntil: open && standing && !own ? new Date(window.due_at) : null,
      windowClosed: !own && ((standing && !open) || c.state === 'closed'),
      appeal: own
        ? { filedAt: own.filed_at, decidedAt: own.decided_at, outcome: own.outcome, reasons: own.reasons }
        : null,
      canWithdraw: party === 'complainant' && nextStates(c.state, 'complainant').includes('withdrawn'),
    };
  }

  private async file(party: Party, token: string, text: string, parts: UploadedPart[]): Promise<TransitionResult> {
    const c = await this.find(party, token);
    if (!nextStates(c.state, party).includes('appeal_review'))
      throw new DomainError(
        ErrorCode.APPEAL_NOT_OPEN,
        c.state === 'appeal_review'
          ? 'An appeal in this case is already being reviewed'
          : 'There is no decision in this case that you can appeal now',
        { state: c.state },
      );
    const { files, errors } = checkFiles(parts.map((p) => ({ ...p, fieldname: 'evidence' })));
    if (errors.length) throw new ValidationError(errors);
    if (!text.trim() && !files.length)
      throw new ValidationError([
        {
          field: 'appeal',
          rule: 'required',
          message: 'say in your own words why the decision is wrong, or attach a file',
        },
      ]);
    const stored = (await this.storage.write(files)).map((f) => ({ ...f, purpose: 'appeal' as const }));
    try {
      return await this.complaints.transition(
        {
          reference: c.reference,
          to: 'appeal_review',
          version: c.version,
          appeal: { party, ownerEmail: c.owner_email, text: text.slice(0, 10000), files: stored },
        },
        { role: party, id: null },
      );
    } catch (err) {
      await this.storage.remove(stored);
      throw err;
    }
  }

  /** The case behind a party's private link (only the token's SHA-256 is stored). */
  private async find(party: Party, token: string): Promise<Found> {
    if (!TOKEN.test(token)) throw new NotFoundError('No case for this link');
    const rows =
      party === 'complainant'
        ? await this.db.query<Found[]>(
            `SELECT c.id, c.reference, c.state, c.version, c.legal_basis, NULL AS owner_email
               FROM complaint c WHERE ${COMPLAINANT_TOKEN_MATCH}`,
            [hashToken(token)],
          )
        : await this.db.query<Found[]>(
            `SELECT c.id, c.reference, c.state, c.version, c.legal_basis, l.owner_email
               FROM access_link l JOIN complaint c ON c.id = l.complaint_id
              WHERE l.token_hash = $1 AND l.party = 'content_owner' AND (l.expires_at IS NULL OR l.expires_at > now())`,
            [hashToken(token)],
          );
    if (!rows[0]) throw new NotFoundError('No case for this link');
    return rows[0];
  }
}
