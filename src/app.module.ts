import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArticlesModule } from './articles/articles.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BundleModule } from './bundle/bundle.module';
import { CalendarModule } from './calendar/calendar.module';
import { ComplaintsModule } from './complaints/complaints.module';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source';
import { HealthController } from './health/health.controller';
import { InboxModule } from './inbox/inbox.module';
import { IntegrityModule } from './integrity/integrity.module';
import { MailModule } from './mail/mail.module';
import { CasesModule } from './moderation/cases.module';
import { ModerationModule } from './moderation/moderation.module';
import { RegisterModule } from './register/register.module';
import { ReportsModule } from './reports/reports.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.databaseUrl) throw new Error('AppModule needs a database URL (main.ts boots the embedded one)');
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl, config.dbPoolMax)),
        AuditModule,
        AuthModule,
        MailModule,
        ArticlesModule,
        ComplaintsModule,
        CasesModule,
        ModerationModule,
        CalendarModule,
        InboxModule,
        RegisterModule,
        ReportsModule,
        IntegrityModule,
        BundleModule,
      ],
      controllers: [HealthController],
    };
  }
}
