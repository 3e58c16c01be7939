import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Locale } from '../complaints/legal-basis';
import type { StaffRole } from './staff-user.entity';

export const IS_PUBLIC = 'notice-desk:public';
export const ROLES = 'notice-desk:roles';

/** Marks a route (or controller) as open to anyone. Everything else is denied by default. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The staff roles that may use a route (or every route of a controller). */
export const Roles = (...roles: StaffRole[]) => SetMetadata(ROLES, roles);

/** The signed-in staff member, as the guard put it on the request. */
export interface StaffPrincipal {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  /** The language of this person's mail (staff_user.locale), chosen on /staff/account. */
  locale: Locale;
  /** 'session' for the browser (CSRF applies), 'token' for a personal API token. */
  via: 'session' | 'token';
}

export type StaffRequest = Request & { staff?: StaffPrincipal };

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): StaffPrincipal | undefined => {
  return ctx.switchToHttp().getRequest<StaffRequest>().staff;
});
