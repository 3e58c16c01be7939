import { ArticleImage } from '../articles/article-image.entity';
import { Article } from '../articles/article.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { AuditSeal } from '../audit/audit-seal.entity';
import { Appeal } from '../complaints/appeal.entity';
import { CaseTimer } from '../complaints/case-timer.entity';
import { ComplainantWarning } from '../complaints/complainant-warning.entity';
import { CounterNotice, LitigationProof } from '../complaints/counter-notice.entities';
import { ComplaintItem } from '../complaints/complaint-item.entity';
import { ComplaintItemKind } from '../complaints/complaint-item-kind.entity';
import { Complaint } from '../complaints/complaint.entity';
import { EvidenceFile } from '../complaints/evidence-file.entity';
import { SlaBreach } from '../complaints/sla-breach.entity';
import { AccessLink, ComplaintLink, IntakeReplay } from '../complaints/links.entities';
import { InboxImapState } from '../inbox/inbox-imap-state.entity';
import { InboxMessage } from '../inbox/inbox-message.entity';
import { MailJob } from '../mail/mail-job.entity';
import { MailboxMessage } from '../mail/mailbox-message.entity';
import { StaffUser } from '../auth/staff-user.entity';
import { CalendarOverride } from '../calendar/calendar-override.entity';
import { NoticeWithholding } from '../register/notice-withholding.entity';
import {
  ArticleCorrection,
  ArticleSnapshot,
  ComplaintNote,
  ComplaintResponse,
  NewsroomTask,
  ReplyTemplate,
  WebhookJob,
} from '../moderation/workspace.entities';

export const ENTITIES = [
  ComplainantWarning,
  Article,
  ArticleImage,
  Complaint,
  ComplaintItem,
  ComplaintItemKind,
  EvidenceFile,
  AuditEvent,
  AuditSeal,
  MailJob,
  MailboxMessage,
  StaffUser,
  ArticleSnapshot,
  ComplaintNote,
  ComplaintResponse,
  ReplyTemplate,
  ArticleCorrection,
  NewsroomTask,
  WebhookJob,
  CalendarOverride,
  AccessLink,
  IntakeReplay,
  ComplaintLink,
  CaseTimer,
  SlaBreach,
  Appeal,
  CounterNotice,
  LitigationProof,
  InboxMessage,
  InboxImapState,
  NoticeWithholding,
];
