import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { RegisterAdminController } from './register-admin.controller';
import { RegisterController } from './register.controller';
import { RegisterService } from './register.service';
import { StatementsApiController } from './statements-api.controller';

/** The public notice register (/notices/<reference>) and statements of reasons (admin API). */
@Module({
  imports: [AuditModule],
  controllers: [RegisterController, RegisterAdminController, StatementsApiController],
  providers: [RegisterService],
})
export class RegisterModule {}
