import 'reflect-metadata';
import canonicalize from 'canonicalize';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { parseComplaint, plainComplaint } from './complaint-validation';
import {
  ComplainantDto,
  ComplaintItemDto,
  CreateComplaintDto,
  DeclarationsDto,
  OriginalWorkDto,
} from './dto/create-complaint.dto';

/** A deep copy in this realm (structuredClone's objects have another realm's Object.prototype under jest). */
function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (typeof v !== 'object' || v === null) return v;
  const copy = Object.getPrototypeOf(v) === null ? (Object.create(null) as Record<string, unknown>) : {};
  for (const [k, x] of Object.entries(v)) copy[k] = clone(x);
  return copy as T;
}

/** What parseComplaint did before the plain path: class-transformer, then class-validator. */
async function viaDecorators(body: object) {
  const dto = plainToInstance(CreateComplaintDto, body);
  const errors = await validate(dto, { whitelist: true, forbidUnknownValues: false });
  return { dto, errors };
}

const valid = () => ({
  legalBasis: 'us-dmca',
  locale: 'en',
  requesterCategory: 'agent',
  complainant: {
    name: 'Ada Lovelace',
    email: 'ada@example.org',
    phone: '+1 555 0100',
    address: '1 Main St',
    organisation: 'Analytical Engines',
    actingFor: 'The Estate',
  },
  items: [
    { articleUrl: 'https://news.example/a/1', kind: 'article' },
    { articleUrl: ' http://news.example/a/2 ', kind: 'image', detail: 'img-1' },
    { articleUrl: 'https://news.example/a/3', kind: 'passage', detail: 'the quoted words' },
  ],
  originalWork: { description: 'My photo', url: 'https://photos.example/1' },
  explanation: 'This copies my work.',
  signature: 'Ada Lovelace',
  declarations: { truthful: true, goodFaith: true, perjury: false },
});

/** Values that break, or nearly break, one decorator each. */
const ODD: unknown[] = [
  undefined,
  null,
  '',
  ' ',
  0,
  1,
  true,
  false,
  [],
  {},
  'x'.repeat(51),
  'x'.repeat(201),
  'x'.repeat(255),
  '😀'.repeat(150),
  '😀'.repeat(1001),
  'not an email',
  'a@b',
  'javascript:alert(1)',
  'https://user:pw@news.example/a',
  'https://news.example/a b',
  'zh-CN',
  'eu-dsa',
  'image',
  'agent',
  'person_concerned',
  'Agent',
  [{}],
  Array.from({ length: 11 }, () => ({ articleUrl: 'https://news.example/a/1', kind: 'article' })),
  Object.create(null) as object,
];

const PATHS = [
  ['legalBasis'],
  ['locale'],
  ['requesterCategory'],
  ['explanation'],
  ['signature'],
  ['extra'],
  ['complainant'],
  ['complainant', 'name'],
  ['complainant', 'email'],
  ['complainant', 'phone'],
  ['complainant', 'address'],
  ['complainant', 'organisation'],
  ['complainant', 'actingFor'],
  ['complainant', 'extra'],
  ['items'],
  ['items', 0],
  ['items', 1, 'articleUrl'],
  ['items', 1, 'kind'],
  ['items', 1, 'detail'],
  ['items', 2, 'extra'],
  ['originalWork'],
  ['originalWork', 'description'],
  ['originalWork', 'url'],
  ['originalWork', 'extra'],
  ['declarations'],
  ['declarations', 'truthful'],
  ['declarations', 'goodFaith'],
  ['declarations', 'perjury'],
  ['declarations', 'extra'],
];

function withValue(path: Array<string | number>, value: unknown): Record<string, unknown> {
  const body = valid() as unknown as Record<string, unknown>;
  let at = body as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) at = at[step] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
  return body;
}

describe('the plain path of parseComplaint', () => {
  it('takes a typical API filing, building the same DTO as class-transformer (same request hash)', async () => {
    for (const body of [
      valid(),
      {
        legalBasis: 'eu-dsa',
        complainant: { name: 'B', email: 'b@example.invalid' },
        items: [{ articleUrl: 'https://news.example/a/1', kind: 'article' }],
        explanation: 'False.',
        declarations: { truthful: true },
      },
    ]) {
      const plain = plainComplaint(clone(body));
      expect(plain).not.toBeNull();
      const slow = await viaDecorators(clone(body));
      expect(slow.errors).toEqual([]);
      expect(canonicalize(plain)).toBe(canonicalize(slow.dto));
      expect(plain).toBeInstanceOf(CreateComplaintDto);
      expect(plain!.complainant).toBeInstanceOf(ComplainantDto);
      expect(plain!.items[0]).toBeInstanceOf(ComplaintItemDto);
      expect(plain!.declarations).toBeInstanceOf(DeclarationsDto);
      if ('originalWork' in body) expect(plain!.originalWork).toBeInstanceOf(OriginalWorkDto);
      expect(Object.keys(plain!).sort()).toEqual(Object.keys(slow.dto).sort());
      expect(Object.keys(plain!.complainant).sort()).toEqual(Object.keys(slow.dto.complainant).sort());
      expect((await parseComplaint(clone(body))).errors).toEqual([]);
    }
  });

  it('is never looser than the decorators: whatever it takes, they take unchanged', async () => {
    let taken = 0;
    let declined = 0;
    for (const path of PATHS)
      for (const value of ODD) {
        const body = withValue(path, value);
        const plain = plainComplaint(clone(body));
        if (!plain) {
          declined++;
          continue;
        }
        taken++;
        const slow = await viaDecorators(clone(body));
        expect({ path, value, errors: slow.errors.map((e) => e.property) }).toEqual({ path, value, errors: [] });
        expect(canonicalize(plain)).toBe(canonicalize(slow.dto));
      }
    // Both branches were exercised.
    expect(taken).toBeGreaterThan(10);
    expect(declined).toBeGreaterThan(300);
  });
});
