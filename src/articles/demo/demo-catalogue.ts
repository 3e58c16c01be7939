import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/project-root';

export interface DemoArticle {
  slug: string;
  title: string;
  paragraphs: string[];
  publishedAt: Date;
  ownerName: string;
  ownerEmail: string;
  imageCaptions: string[];
}

export interface DemoCatalogue {
  articles: DemoArticle[];
  /** The disclaimer printed under every article, with `{contact}` where the address goes. */
  disclaimerTemplate: string;
}

const SEED = join(PROJECT_ROOT, 'src', 'articles', 'demo', 'source-article-page.txt');
const CONTACT_IN_SEED = /[\w.+-]+@[\w.-]+\.[a-z]{2,}/i;

/**
 * Parses the real article page the demo comes from: title, body paragraphs, the disclaimer
 * (the paragraph starting 声明) and the numbered related headlines, each of which becomes an
 * article of its own (title only, as the page gives nothing more).
 */
export function loadDemoCatalogue(text = readFileSync(SEED, 'utf8')): DemoCatalogue {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const [title, ...rest] = lines;
  const disclaimerAt = rest.findIndex((l) => l.startsWith('声明'));
  if (!title || disclaimerAt < 0) throw new Error('seed page: no title or disclaimer found');
  const body = rest.slice(0, disclaimerAt);
  const disclaimerTemplate = rest[disclaimerAt].replace(CONTACT_IN_SEED, '{contact}');
  const headlines = rest
    .slice(disclaimerAt + 1)
    .map((l) => /^-\s*(\d+)\.(.+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ n: Number(m[1]), title: m[2].trim() }));

  const forumDate = new Date('2024-09-23T10:00:00+08:00');
  const articles: DemoArticle[] = [
    {
      slug: 'shanghai-sister-cities-forum',
      title,
      paragraphs: body,
      publishedAt: forumDate,
      ownerName: '本网编辑部',
      ownerEmail: 'newsroom@demo-news.example',
      imageCaptions: ['上海国际友好城市合作论坛现场（示意图）', '友城代表参访上海城市规划展示馆（示意图）'],
    },
    ...headlines.map((h) => ({
      slug: `news-${String(h.n).padStart(2, '0')}`,
      title: h.title,
      paragraphs: [h.title + '。', '（演示目录：原页面只给出了这篇稿件的标题，正文从略。）'],
      // Related headlines are older than the page that lists them, one every 14 hours.
      publishedAt: new Date(forumDate.getTime() - h.n * 14 * 3600 * 1000),
      ownerName: h.n % 3 === 0 ? '东方网供稿' : '本网记者',
      ownerEmail: h.n % 3 === 0 ? 'syndication@demo-news.example' : 'reporters@demo-news.example',
      imageCaptions: [`${h.title.slice(0, 18)}（资料图）`],
    })),
  ];
  return { articles, disclaimerTemplate };
}
