import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitService } from '../common/rate-limit.service';
import { MailModule } from '../mail/mail.module';
import { StaffAccountController } from './staff-account.controller';
import { StaffAuthController } from './staff-auth.controller';
import { StaffAuthGuard } from './staff-auth.guard';
import { StaffInvitationController } from './staff-invitation.controller';
import { StaffInvitationsService } from './staff-invitations.service';
import { StaffSessions } from './staff-sessions';
import { StaffUsersApiController, StaffUsersController } from './staff-users.controller';
import { StaffUsersService } from './staff-users.service';

/**
 * Staff accounts, sign-in, sessions and the global deny-by-default guard (APP_GUARD): every route
 * needs @Public() or a signed-in staff member (see StaffAuthGuard). app.factory mounts
 * StaffSessions' middleware on /staff, /api/v1 and /mailbox.
 */
@Module({
  imports: [MailModule],
  controllers: [
    StaffAuthController,
    StaffUsersController,
    StaffUsersApiController,
    StaffAccountController,
    StaffInvitationController,
  ],
  providers: [
    StaffUsersService,
    StaffInvitationsService,
    StaffSessions,
    RateLimitService,
    { provide: APP_GUARD, useClass: StaffAuthGuard },
  ],
  exports: [StaffUsersService, StaffSessions],
})
export class AuthModule {}
