import { Controller, Get, Param, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { simpleParser } from 'mailparser';
import { Repository } from 'typeorm';
import { Roles } from '../auth/auth.decorators';
import { NotFoundError } from '../common/domain-error';
import { MailboxMessage } from './mailbox-message.entity';

/**
 * The local mailbox: what the in-process SMTP server received (zero-config mode).
 * Staff only (moderators and admins, signed in): it shows complainants' personal data and
 * their private tracking links.
 */
@ApiExcludeController()
@Roles('moderator', 'admin')
@Controller('mailbox')
export class MailboxController {
  constructor(@InjectRepository(MailboxMessage) private readonly messages: Repository<MailboxMessage>) {}

  @Get()
  @Render('mailbox-list')
  async list(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const rows = await this.messages.find({
      select: ['id', 'receivedAt', 'envelopeTo', 'subject'],
      order: { id: 'DESC' },
      take: 200,
    });
    return {
      title: res.locals.locale === 'en' ? 'Local mailbox' : '本地邮箱',
      currentPath: req.path,
      messages: rows.map((m) => ({
        id: m.id,
        receivedAt: m.receivedAt,
        to: m.envelopeTo.join(', '),
        subject: m.subject,
      })),
    };
  }

  @Get(':id')
  @Render('mailbox-message')
  async show(@Param('id') id: string, @Req() req: Request) {
    const m = await this.find(id);
    const parsed = await simpleParser(m.raw);
    return {
      title: m.subject ?? `#${m.id}`,
      currentPath: req.path,
      message: {
        id: m.id,
        receivedAt: m.receivedAt,
        envelopeFrom: m.envelopeFrom,
        envelopeTo: m.envelopeTo.join(', '),
        subject: m.subject,
        headers: parsed.headerLines.map((h) => {
          const colon = h.line.indexOf(':');
          return {
            name: colon > 0 ? h.line.slice(0, colon) : h.key,
            value: colon > 0 ? h.line.slice(colon + 1).trim() : h.line,
          };
        }),
        text: parsed.text ?? null,
        // Shown in <iframe sandbox srcdoc>: the view escapes it into the attribute and the
        // sandbox keeps any script or form in the message from running.
        html: typeof parsed.html === 'string' ? parsed.html : null,
        rawUrl: `/mailbox/${m.id}/raw`,
      },
    };
  }

  @Get(':id/raw')
  async raw(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const m = await this.find(id);
    res.type('text/plain; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(m.raw);
  }

  private async find(id: string): Promise<MailboxMessage> {
    if (!/^\d{1,18}$/.test(id)) throw new NotFoundError('No such message');
    const m = await this.messages.findOne({ where: { id } });
    if (!m) throw new NotFoundError('No such message');
    return m;
  }
}
