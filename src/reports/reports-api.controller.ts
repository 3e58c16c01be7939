import { Controller, Get, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../auth/auth.decorators';
import { COMPLAINT_STATES } from '../complaints/complaint-state';
import { LEGAL_BASES } from '../complaints/legal-basis';
import { ValidationError } from '../common/domain-error';
import { ACTOR_TYPES, parseAuditQuery, parseCaseQuery, REPORTS_MAX_LIMIT } from './reports.filters';
import { AUDIT_CSV_COLUMNS, auditCsvLine, auditItem, ReportsService } from './reports.service';
import type { AuditPage, CasePage } from './reports.service';

class StaffRefDto {
  @ApiProperty() id: string;
  @ApiProperty() displayName: string;
}

class CaseListItemDto {
  @ApiProperty({ example: 'ND-2026-000123' }) reference: string;
  @ApiProperty({ enum: COMPLAINT_STATES }) state: string;
  @ApiProperty({ enum: LEGAL_BASES }) legalBasis: string;
  @ApiProperty({ nullable: true, type: String }) complainantName: string | null;
  @ApiProperty() complainantEmail: string;
  @ApiProperty() articleTitle: string;
  @ApiProperty() receivedAt: Date;
  @ApiProperty({ type: StaffRefDto, nullable: true, description: 'Who decided the case, if anyone' })
  decider: StaffRefDto | null;
  @ApiProperty({ example: '/staff/complaints/ND-2026-000123', description: 'The staff case page' }) href: string;
}

class CasePageDto {
  @ApiProperty({ type: [CaseListItemDto] }) items: CaseListItemDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Opaque; pass as `cursor` for the next page' })
  nextCursor: string | null;
}

class SealRefDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'sha256 chain hash of the seal' }) hash: string;
  @ApiProperty() sealedAt: Date;
}

class AuditItemDto {
  @ApiProperty() id: string;
  @ApiProperty() occurredAt: Date;
  @ApiProperty({ enum: ACTOR_TYPES }) actorType: string;
  @ApiProperty({ nullable: true, type: String }) actorId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The staff member’s name when the actor is staff' })
  actorName: string | null;
  @ApiProperty({ example: 'complaint.transition' }) action: string;
  @ApiProperty({ example: 'complaint' }) subjectType: string;
  @ApiProperty() subjectId: string;
  @ApiProperty({ nullable: true, type: String, description: 'The case reference when the subject is a complaint' })
  reference: string | null;
  @ApiProperty({ nullable: true, type: String, enum: LEGAL_BASES }) legalBasis: string | null;
  @ApiProperty({ description: 'What changed, as recorded', type: 'object', additionalProperties: true })
  payload: Record<string, unknown>;
  @ApiProperty({ type: SealRefDto, nullable: true, description: 'The seal covering the event; null: not yet sealed' })
  seal: SealRefDto | null;
}

class AuditPageDto {
  @ApiProperty({ type: [AuditItemDto] }) items: AuditItemDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next (older) page' })
  nextCursor: string | null;
}

const RANGE_HELP = 'A date (YYYY-MM-DD, UTC) or an ISO 8601 time; `from` inclusive, `to` a whole day or exclusive time';

@ApiTags('reports')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1')
export class ReportsApiController {
  constructor(private readonly reports: ReportsService) {}

  @Get('cases')
  @ApiOperation({ summary: 'Every case in any state, newest received first, keyset-paginated on (received_at, id)' })
  @ApiQuery({ name: 'reference', required: false, description: 'Reference or its beginning' })
  @ApiQuery({
    name: 'complainant',
    required: false,
    description:
      'Part of the complainant’s name or email; a whole address (local@domain.tld) matches exactly that address, case-insensitively',
  })
  @ApiQuery({ name: 'article', required: false, description: 'An article slug or URL named by an item' })
  @ApiQuery({ name: 'legalBasis', required: false, enum: LEGAL_BASES })
  @ApiQuery({ name: 'state', required: false, description: `Comma-separated: ${COMPLAINT_STATES.join(', ')}` })
  @ApiQuery({ name: 'decider', required: false, description: 'Staff id, or part of the name, of who decided' })
  @ApiQuery({ name: 'from', required: false, description: `Received from. ${RANGE_HELP}` })
  @ApiQuery({ name: 'to', required: false, description: `Received until. ${RANGE_HELP}` })
  @ApiQuery({ name: 'limit', required: false, description: `1–${REPORTS_MAX_LIMIT}, default 50` })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ type: CasePageDto })
  @ApiResponse({ status: 422, description: 'A filter, limit or cursor is invalid' })
  cases(@Query() query: Record<string, unknown>): Promise<CasePage> {
    return this.reports.cases(parseCaseQuery(query));
  }

  @Get('audit')
  @ApiOperation({ summary: 'Audit events, newest first, with the seal covering each; keyset-paginated on id' })
  @ApiQuery({ name: 'actor', required: false, description: 'Actor id (a staff id)' })
  @ApiQuery({ name: 'actorType', required: false, description: `Comma-separated: ${ACTOR_TYPES.join(', ')}` })
  @ApiQuery({ name: 'action', required: false, example: 'complaint.transition' })
  @ApiQuery({ name: 'reference', required: false, description: 'Events of this case' })
  @ApiQuery({ name: 'legalBasis', required: false, enum: LEGAL_BASES, description: 'Events of cases on this basis' })
  @ApiQuery({ name: 'from', required: false, description: RANGE_HELP })
  @ApiQuery({ name: 'to', required: false, description: RANGE_HELP })
  @ApiQuery({ name: 'limit', required: false, description: `1–${REPORTS_MAX_LIMIT}, default 50` })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiResponse({ status: 422, description: 'A filter, limit or cursor is invalid' })
  audit(@Query() query: Record<string, unknown>): Promise<AuditPage> {
    return this.reports.audit(parseAuditQuery(query));
  }

  @Get('audit/export')
  @ApiOperation({
    summary:
      'The whole filtered set of audit events (same filters as /audit, oldest first), streamed as CSV (UTF-8 with BOM) or a JSON array',
  })
  @ApiQuery({ name: 'format', required: true, enum: ['csv', 'json'] })
  @ApiResponse({ status: 200, description: 'text/csv or application/json, streamed' })
  @ApiResponse({ status: 422, description: 'A filter or the format is invalid' })
  async export(@Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const format = typeof query.format === 'string' ? query.format : '';
    if (format !== 'csv' && format !== 'json')
      throw new ValidationError([{ field: 'format', rule: 'invalid', message: 'csv or json' }]);
    const filters = parseAuditQuery({ ...query, limit: undefined, cursor: undefined });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    res.status(200);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="audit-${stamp}.${format}"`);
    let closed = false;
    res.on('close', () => (closed = true));
    // Backpressure: after a full buffer, wait for 'drain' (or the client going away) before reading on.
    const write = async (s: string) => {
      if (res.write(s) || closed) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    };
    let first = true;
    await write(format === 'csv' ? `\uFEFF${AUDIT_CSV_COLUMNS.join(',')}\r\n` : '[');
    const chunks = this.reports.exportAudit(filters);
    try {
      for await (const rows of chunks) {
        if (closed) break;
        let out = '';
        for (const r of rows) {
          if (format === 'csv') out += auditCsvLine(r);
          else {
            out += `${first ? '\n' : ',\n'}${JSON.stringify(auditItem(r))}`;
            first = false;
          }
        }
        await write(out);
      }
    } catch (err) {
      // Headers are gone: all that is left is to cut the response so the file is visibly incomplete.
      res.destroy(err as Error);
      return;
    }
    if (!closed) res.end(format === 'csv' ? '' : '\n]\n');
  }
}
