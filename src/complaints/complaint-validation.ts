import { plainToInstance } from 'class-transformer';
import { isEmail, validate, ValidationError as CvError } from 'class-validator';
import { FieldError, ValidationError } from '../common/domain-error';
import { HTTP_URL_MESSAGE, isHttpUrl } from '../common/http-url';
import type { ArticleRef } from '../articles/articles.service';
import {
  ComplainantDto,
  ComplaintItemDto,
  CreateComplaintDto,
  DeclarationsDto,
  OriginalWorkDto,
} from './dto/create-complaint.dto';
import { BASIS_REQUIREMENTS, LEGAL_BASES, LOCALES, REQUESTER_CATEGORIES } from './legal-basis';
import type { BasisRequirements } from './legal-basis';

export const MAX_EVIDENCE_FILES = 5;
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

export interface ResolvedItem {
  position: number;
  kind: 'article' | 'image' | 'passage';
  article: ArticleRef;
  imageId: string | null;
  articleUrl: string;
  detail: string | null;
}

const RULE_BY_CONSTRAINT: Record<string, string> = {
  isNotEmpty: 'required',
  isDefined: 'required',
  isEmail: 'email',
  maxLength: 'maxLength',
  isUrl: 'url',
  isHttpUrl: 'url',
  isBoolean: 'declaration',
  arrayMinSize: 'itemsRequired',
  arrayMaxSize: 'maxItems',
};

const MESSAGE_BY_RULE: Record<string, string> = {
  required: 'is required',
  email: 'must be a valid email address',
  url: HTTP_URL_MESSAGE,
  declaration: 'must be confirmed (true)',
  itemsRequired: 'name at least one item',
  maxItems: 'at most 10 items',
  invalid: 'has an invalid value',
  unknownArticle: 'is not the URL of one of our articles',
  unknownImage: 'must be the id or URL of an image of that article',
  passageRequired: 'quote the passage concerned',
  authorisationRequired: 'an agent must attach the authorisation',
  identityRequired: 'attach a proof of your identity (identity card or passport; PDF, JPEG, PNG or WebP)',
  agentNeedsActingFor: 'an agent names the person they file for (complainant.actingFor)',
  actingForMeansAgent: 'someone filing for another person files as agent',
};

export function fieldError(field: string, rule: string, message?: string): FieldError {
  return { field, rule, message: message ?? MESSAGE_BY_RULE[rule] ?? 'is invalid' };
}

export function flatten(errors: CvError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) {
      const [name, text] = Object.entries(e.constraints)[0];
      const missing = e.value === undefined || e.value === null || e.value === '';
      let rule = RULE_BY_CONSTRAINT[name] ?? 'invalid';
      if (missing && rule !== 'itemsRequired' && rule !== 'declaration') rule = 'required';
      const message =
        rule === 'maxLength' || (rule === 'invalid' && !missing) ? text.replace(/^\S+ /, '') : MESSAGE_BY_RULE[rule];
      out.push(fieldError(path, rule, message));
    }
    if (e.children?.length) out.push(...flatten(e.children, path));
  }
  return out;
}

/**
 * Structural validation of the request body (class-validator), with dotted field paths.
 * Returns the (possibly partial) DTO with its errors so the business rules can still run and
 * every problem is reported at once.
 */
export async function parseComplaint(body: unknown): Promise<{ dto: CreateComplaintDto; errors: FieldError[] }> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([fieldError('body', 'invalid', 'must be a JSON object')]);
  }
  const plain = isPlain(body) ? plainComplaint(body) : null;
  if (plain) return { dto: plain, errors: [] };
  const dto = plainToInstance(CreateComplaintDto, body);
  return { dto, errors: flatten(await validate(dto, { whitelist: true, forbidUnknownValues: false })) };
}

// ---------------------------------------------------------------------------------------------
// The common case without class-transformer and class-validator (a third of intake's own CPU).

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
const onlyKeys = (v: Plain, allowed: ReadonlySet<string>) => Object.keys(v).every((k) => allowed.has(k));
/** Present and a string of 1..max UTF-16 units (class-validator counts no more than that: the check is never looser). */
const text = (v: unknown, max: number): v is string => typeof v === 'string' && v !== '' && v.length <= max;
const optionalText = (v: unknown, max: number) => v === undefined || (typeof v === 'string' && v.length <= max);
const optionalBoolean = (v: unknown) => v === undefined || typeof v === 'boolean';
const httpUrl = (v: unknown) => typeof v === 'string' && v.length <= 2000 && isHttpUrl(v.trim());

const BODY_KEYS = new Set([
  'legalBasis',
  'locale',
  'requesterCategory',
  'complainant',
  'items',
  'originalWork',
  'explanation',
  'signature',
  'declarations',
]);
const COMPLAINANT_KEYS = new Set(['name', 'email', 'phone', 'address', 'organisation', 'actingFor']);
const ITEM_KEYS = new Set(['articleUrl', 'kind', 'detail']);
const ORIGINAL_WORK_KEYS = new Set(['description', 'url']);
const DECLARATION_KEYS = new Set(['truthful', 'goodFaith', 'perjury']);
const KINDS: readonly unknown[] = ['article', 'image', 'passage'];

/**
 * A body that passes every decorator of CreateComplaintDto with nothing to strip, as the DTO that
 * plainToInstance would build from it (the same classes and own properties, so the same request
 * hash); null for anything else, which then takes the class-validator path for its messages.
 * Only ever stricter than the decorators (complaint-validation.spec.ts holds the two together).
 */
export function plainComplaint(body: Plain): CreateComplaintDto | null {
  const { complainant: c, items, originalWork: w, declarations: d } = body;
  if (
    !onlyKeys(body, BODY_KEYS) ||
    !LEGAL_BASES.includes(body.legalBasis as never) ||
    (body.locale !== undefined && !LOCALES.includes(body.locale as never)) ||
    (body.requesterCategory !== undefined && !REQUESTER_CATEGORIES.includes(body.requesterCategory as never)) ||
    !text(body.explanation, 10000) ||
    !optionalText(body.signature, 200)
  )
    return null;
  if (
    !isPlain(c) ||
    !onlyKeys(c, COMPLAINANT_KEYS) ||
    !text(c.name, 200) ||
    typeof c.email !== 'string' ||
    c.email.length > 254 ||
    !isEmail(c.email, {}) ||
    !optionalText(c.phone, 50) ||
    !optionalText(c.address, 500) ||
    !optionalText(c.organisation, 200) ||
    !optionalText(c.actingFor, 200)
  )
    return null;
  if (!Array.isArray(items) || items.length < 1 || items.length > 10) return null;
  for (const i of items as unknown[]) {
    if (
      !isPlain(i) ||
      !onlyKeys(i, ITEM_KEYS) ||
      !text(i.articleUrl, 2000) ||
      !httpUrl(i.articleUrl) ||
      !KINDS.includes(i.kind) ||
      !optionalText(i.detail, 4000)
    )
      return null;
  }
  if (
    w !== undefined &&
    (!isPlain(w) ||
      !onlyKeys(w, ORIGINAL_WORK_KEYS) ||
      !text(w.description, 2000) ||
      (w.url !== undefined && !httpUrl(w.url)))
  )
    return null;
  if (
    !isPlain(d) ||
    !onlyKeys(d, DECLARATION_KEYS) ||
    typeof d.truthful !== 'boolean' ||
    !optionalBoolean(d.goodFaith) ||
    !optionalBoolean(d.perjury)
  )
    return null;
  return Object.assign(new CreateComplaintDto(), body, {
    complainant: Object.assign(new ComplainantDto(), c),
    items: (items as Plain[]).map((i) => Object.assign(new ComplaintItemDto(), i)),
    ...(w === undefined ? {} : { originalWork: Object.assign(new OriginalWorkDto(), w) }),
    declarations: Object.assign(new DeclarationsDto(), d),
  });
}

/** Validates a request body against a class-validator DTO; throws ValidationError naming fields. */
export async function validateBody<T extends object>(cls: new () => T, body: unknown): Promise<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([fieldError('body', 'invalid', 'must be a JSON object')]);
  }
  const dto = plainToInstance(cls, body);
  const errors = flatten(await validate(dto, { whitelist: true, forbidUnknownValues: false }));
  if (errors.length) throw new ValidationError(errors);
  return dto;
}

/** One message per field, the first found; keeps the order fields were checked in. */
export function firstPerField(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.field) ? false : (seen.add(e.field), true)));
}

export interface FileSummary {
  evidence: number;
  authorisation: number;
  /** Proof of identity (field `identity`): required for cn-personal-rights (民法典 Art. 1195). */
  identity: number;
}

/**
 * The rules of the legal basis (DESIGN.md table) and the catalogue: required fields per basis,
 * the agent's authorisation, and every item naming one of our articles (and its image).
 * Collects every problem at once so a form can show them all.
 */
export async function checkBusinessRules(
  dto: CreateComplaintDto,
  files: FileSummary,
  resolve: (url: string) => Promise<ArticleRef | null>,
): Promise<{ items: ResolvedItem[]; errors: FieldError[] }> {
  // The DTO may have failed structural checks; read it defensively.
  const errors: FieldError[] = [];
  const req = BASIS_REQUIREMENTS[dto.legalBasis] as BasisRequirements | undefined;
  const blank = (v?: unknown) => typeof v !== 'string' || !v.trim();
  const complainant =
    (typeof dto.complainant === 'object' && dto.complainant) || ({} as Partial<CreateComplaintDto['complainant']>);
  const declarations =
    (typeof dto.declarations === 'object' && dto.declarations) || ({} as Partial<CreateComplaintDto['declarations']>);
  if (req?.address && blank(complainant.address)) errors.push(fieldError('complainant.address', 'required'));
  if (req?.phone && blank(complainant.phone)) errors.push(fieldError('complainant.phone', 'required'));
  if (req?.originalWork && blank(dto.originalWork?.description))
    errors.push(fieldError('originalWork.description', 'required'));
  if (req?.signature && blank(dto.signature)) errors.push(fieldError('signature', 'required'));
  if (req?.evidence && files.evidence === 0)
    errors.push(fieldError('evidence', 'required', 'attach preliminary evidence (PDF, JPEG, PNG or WebP)'));
  if (declarations.truthful !== true) errors.push(fieldError('declarations.truthful', 'declaration'));
  if (req?.goodFaith && declarations.goodFaith !== true)
    errors.push(fieldError('declarations.goodFaith', 'declaration'));
  if (req?.perjury && declarations.perjury !== true) errors.push(fieldError('declarations.perjury', 'declaration'));
  if (!blank(complainant.actingFor) && files.authorisation === 0) {
    errors.push(fieldError('authorisation', 'authorisationRequired'));
  }
  if (req?.identityDocument && files.identity === 0) errors.push(fieldError('identity', 'identityRequired'));
  // The category the public notice names must agree with who the filing says files.
  if (dto.requesterCategory === 'agent' && blank(complainant.actingFor))
    errors.push(fieldError('complainant.actingFor', 'agentNeedsActingFor'));
  if (dto.requesterCategory && dto.requesterCategory !== 'agent' && !blank(complainant.actingFor))
    errors.push(fieldError('requesterCategory', 'actingForMeansAgent'));

  const items: ResolvedItem[] = [];
  for (const [i, item] of (Array.isArray(dto.items) ? dto.items : []).entries()) {
    if (typeof item !== 'object' || item === null || typeof item.articleUrl !== 'string' || !item.articleUrl.trim())
      continue;
    // Not a link at all: the structural check already named it (rule 'url').
    if (!isHttpUrl(item.articleUrl.trim())) continue;
    const article = await resolve(item.articleUrl);
    if (!article) {
      errors.push(fieldError(`items.${i}.articleUrl`, 'unknownArticle'));
      continue;
    }
    const detail = item.detail?.trim() || null;
    let imageId: string | null = null;
    if (item.kind === 'image') {
      // An image named by its address must be a real http(s) link, like every URL a user supplies.
      if (detail && /[/:\\]/.test(detail) && !isHttpUrl(detail)) {
        errors.push(fieldError(`items.${i}.detail`, 'url'));
        continue;
      }
      const wanted = detail?.split('/').pop() ?? '';
      imageId = article.images.find((img) => img.id === wanted)?.id ?? null;
      if (!imageId) errors.push(fieldError(`items.${i}.detail`, 'unknownImage'));
    }
    if (item.kind === 'passage' && !detail) errors.push(fieldError(`items.${i}.detail`, 'passageRequired'));
    items.push({ position: i, kind: item.kind, article, imageId, articleUrl: article.url, detail });
  }
  return { items, errors };
}
