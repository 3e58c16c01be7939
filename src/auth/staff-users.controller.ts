import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ConflictError, ValidationError } from '../common/domain-error';
import { CurrentUser, Roles } from './auth.decorators';
import type { StaffPrincipal } from './auth.decorators';
import { STAFF_ROLES, StaffActor, StaffUserRow, StaffUsersService } from './staff-users.service';

const actorOf = (user: StaffPrincipal): StaffActor => ({ actorType: 'admin', actorId: user.id });
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const DONE = new Set(['disabled', 'enabled', 'role']);

interface InviteForm {
  email: string;
  displayName: string;
  role: string;
}

/**
 * The admin's staff page. GET /staff/users renders templates/views/staff/users.hbs with:
 *   title, currentPath, csrfToken (res.locals), staff (res.locals: the signed-in admin)
 *   users     [{ id, email, displayName, role, status, lastLoginAt, locked, hasToken, isSelf, roleOptions: [{ value, selected }] }]
 *   invite    { email, displayName, role, roleOptions } (kept on an error)
 *   errors    [{ field, rule }] of the invite form; hasErrors
 *   secret    { kind: 'password' | 'token', value, email } shown once after an invite or a new token, else null
 *   done      'disabled' | 'enabled' | 'role' | null
 * Secrets are rendered in the POST's own response (never put in a URL) with Cache-Control: no-store.
 */
@ApiExcludeController()
@Roles('admin')
@Controller('staff/users')
export class StaffUsersController {
  constructor(private readonly users: StaffUsersService) {}

  @Get()
  async page(@Query('done') done: unknown, @CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    await this.render(res, 200, user, { done: DONE.has(str(done)) ? str(done) : null });
  }

  @Post()
  async invite(
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    const form: InviteForm = {
      email: str(body?.email).trim(),
      displayName: str(body?.displayName).trim(),
      role: str(body?.role),
    };
    try {
      const { user: created, temporaryPassword } = await this.users.invite(form, actorOf(user));
      await this.render(res, 201, user, {
        secret: { kind: 'password', value: temporaryPassword, email: created.email },
      });
    } catch (err) {
      if (err instanceof ValidationError)
        return this.render(res, 422, user, { form, errors: err.fields.map((f) => ({ field: f.field, rule: f.rule })) });
      if (err instanceof ConflictError)
        return this.render(res, 409, user, { form, errors: [{ field: 'email', rule: 'taken' }] });
      throw err;
    }
  }

  @Post(':id/disable')
  async disable(@Param('id') id: string, @CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    await this.users.disable(id, actorOf(user));
    res.redirect(303, '/staff/users?done=disabled');
  }

  @Post(':id/enable')
  async enable(@Param('id') id: string, @CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    await this.users.enable(id, actorOf(user));
    res.redirect(303, '/staff/users?done=enabled');
  }

  @Post(':id/role')
  async role(
    @Param('id') id: string,
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    await this.users.changeRole(id, str(body?.role), actorOf(user));
    res.redirect(303, '/staff/users?done=role');
  }

  @Post(':id/token')
  async token(@Param('id') id: string, @CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    const target = await this.users.findById(id);
    const token = await this.users.issueToken(id, actorOf(user));
    await this.render(res, 200, user, { secret: { kind: 'token', value: token, email: target?.email ?? '' } });
  }

  private async render(
    res: Response,
    status: number,
    me: StaffPrincipal,
    v: {
      form?: InviteForm;
      errors?: Array<{ field: string; rule: string }>;
      secret?: { kind: string; value: string; email: string };
      done?: string | null;
    },
  ): Promise<void> {
    const list = await this.users.list();
    const now = Date.now();
    const form = v.form ?? { email: '', displayName: '', role: 'moderator' };
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).render('staff/users', {
      title: res.locals.locale === 'en' ? 'Staff accounts' : '工作人员账户',
      currentPath: '/staff/users',
      users: list.map((u: StaffUserRow) => ({
        ...u,
        locked: Boolean(u.lockedUntil && new Date(u.lockedUntil).getTime() > now),
        isSelf: u.id === me.id,
        isDisabled: u.status === 'disabled',
        roleOptions: STAFF_ROLES.map((r) => ({ value: r, selected: r === u.role })),
      })),
      invite: { ...form, roleOptions: STAFF_ROLES.map((r) => ({ value: r, selected: r === form.role })) },
      errors: v.errors ?? [],
      hasErrors: Boolean(v.errors?.length),
      secret: v.secret ?? null,
      done: v.done ?? null,
    });
  }
}

/** The same actions as JSON, for scripts (admin only; personal API token or session + x-csrf-token). */
@ApiTags('staff')
@Roles('admin')
@Controller('api/v1/staff/users')
export class StaffUsersApiController {
  constructor(private readonly users: StaffUsersService) {}

  @Get()
  @ApiOperation({ summary: 'Staff accounts (admin)' })
  async list(): Promise<{ items: StaffUserRow[] }> {
    return { items: await this.users.list() };
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Invite a colleague: { email, displayName?, role }; the temporary password is returned once (admin)',
  })
  async invite(
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() user: StaffPrincipal,
  ): Promise<{ user: StaffUserRow; temporaryPassword: string }> {
    return this.users.invite(
      { email: str(body?.email), displayName: str(body?.displayName), role: str(body?.role) },
      actorOf(user),
    );
  }

  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable an account and end its sessions at once (admin)' })
  async disable(@Param('id') id: string, @CurrentUser() user: StaffPrincipal): Promise<{ ok: true }> {
    await this.users.disable(id, actorOf(user));
    return { ok: true };
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-enable a disabled account (admin)' })
  async enable(@Param('id') id: string, @CurrentUser() user: StaffPrincipal): Promise<{ ok: true }> {
    await this.users.enable(id, actorOf(user));
    return { ok: true };
  }

  @Post(':id/role')
  @HttpCode(200)
  @ApiOperation({ summary: "Change an account's role: { role: 'moderator' | 'admin' } (admin)" })
  async role(
    @Param('id') id: string,
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() user: StaffPrincipal,
  ): Promise<{ ok: true }> {
    await this.users.changeRole(id, str(body?.role), actorOf(user));
    return { ok: true };
  }

  @Post(':id/token')
  @HttpCode(201)
  @ApiOperation({ summary: 'Issue a personal API token for the account, replacing its old one; returned once (admin)' })
  async token(@Param('id') id: string, @CurrentUser() user: StaffPrincipal): Promise<{ token: string }> {
    return { token: await this.users.issueToken(id, actorOf(user)) };
  }
}
