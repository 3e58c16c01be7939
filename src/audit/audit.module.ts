import { Global, Module } from '@nestjs/common';
import { AuditSealer } from './audit-sealer.service';
import { AuditService } from './audit.service';
import { AuditVerifier } from './audit-verifier.service';

@Global()
@Module({
  providers: [AuditService, AuditSealer, AuditVerifier],
  exports: [AuditService, AuditSealer, AuditVerifier],
})
export class AuditModule {}
