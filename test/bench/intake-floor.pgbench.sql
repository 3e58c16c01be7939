-- The floor for `npm run bench:intake`: the simplest durable intake, one transaction that stores
-- a complaint, its audit event and its two mail jobs (receipt and desk notice), driven by pgbench
-- (the bench runs it at BENCH_CONCURRENCY clients, prepared protocol, in the same run as the HTTP
-- phase). The complaint's id travels in a transaction-local setting, as pgbench cannot make a uuid.
-- Rows are marked FLOOR-… and the mail jobs are due at 'infinity', so no worker sends them.
\set n random(1, 2000000000)
BEGIN;
INSERT INTO complaint (id, reference, state, legal_basis, locale, complainant, complainant_email, explanation,
                       declarations, tracking_token_hash, request_hash, article_title, due_at)
VALUES (set_config('floor.complaint_id', gen_random_uuid()::text, true)::uuid,
        'FLOOR-' || gen_random_uuid(), 'received', 'eu-dsa', 'en',
        jsonb_build_object('name', 'Floor ' || :client_id, 'email', 'floor-' || :client_id || '-' || :n || '@example.invalid'),
        'floor-' || :client_id || '-' || :n || '@example.invalid',
        'Benchmark complaint: this statement about me is false and defamatory.',
        '{"truthful": true, "goodFaith": true, "perjury": false, "signature": null}',
        md5(gen_random_uuid()::text) || md5(gen_random_uuid()::text), md5(:n::text), 'Floor article',
        now() + interval '24 hours');
INSERT INTO audit_event (actor_type, action, subject_type, subject_id, payload)
VALUES ('complainant', 'complaint.received', 'complaint', current_setting('floor.complaint_id'),
        '{"channel": "bench", "legalBasis": "eu-dsa", "locale": "en", "items": [{"kind": "article"}], "files": []}');
INSERT INTO mail_job (template, locale, to_address, message_id, payload, complaint_id, next_attempt_at)
VALUES ('complaint-receipt', 'en', 'floor-' || :client_id || '@example.invalid', '<' || gen_random_uuid() || '@floor.invalid>',
        '{"legalBasis": "eu-dsa", "complainantName": "Floor", "items": [{"kind": "article", "articleTitle": "Floor article"}]}',
        current_setting('floor.complaint_id')::uuid, 'infinity');
INSERT INTO mail_job (template, locale, to_address, message_id, payload, complaint_id, next_attempt_at)
VALUES ('complaint-notice', 'zh-CN', 'desk@example.invalid', '<' || gen_random_uuid() || '@floor.invalid>',
        '{"legalBasis": "eu-dsa", "complainantName": "Floor", "items": [{"kind": "article", "articleTitle": "Floor article"}]}',
        current_setting('floor.complaint_id')::uuid, 'infinity');
COMMIT;
