// A partner's program on the types openapi-typescript generates from openapi.yaml, calling
// the server with openapi-fetch (tests/test_generated_client.py compiles it with `tsc
// --strict --noUncheckedIndexedAccess` and runs it against a real server). It renders
// every block with the narrowing pattern of docs/partners/clients.md, revalidates with the
// ETag, reads a problem and the sitemap, and reports what it saw.
import createClient from "openapi-fetch";
import type { components, paths } from "./vetted";

declare const process: { argv: string[]; exitCode?: number };

type Block = components["schemas"]["BlockOut"];
type Section = components["schemas"]["SectionOut"];
const [base, slug, locale] = process.argv.slice(2) as [string, string, string];

function render(b: Block): string | null {
  switch (b.type) {
    case "paragraph": return b.text;
    case "fact": return b.display;
    case "callout": return b.text;
    case "faq": return `${b.question}\n${b.answer}`;
    case "treatment_ref": return b.name;
    default: return typeof b.text === "string" ? b.text : null; // a newer block type
  }
}

function blocksOf(sections: Section[]): Block[] {
  return sections.flatMap((s) => [...s.blocks, ...blocksOf(s.sections)]);
}

async function main(): Promise<void> {
  const client = createClient<paths>({ baseUrl: base });
  const article = await client.GET("/v1/articles/{slug}", {
    params: { path: { slug }, query: { locale } },
  });
  if (article.data === undefined) throw new Error(`article: ${article.response.status}`);
  const blocks = blocksOf(article.data.sections);
  const etag = article.response.headers.get("etag") ?? "";
  const again = await client.GET("/v1/articles/{slug}", {
    params: { path: { slug }, query: { locale }, header: { "If-None-Match": etag } },
  });
  const missing = await client.GET("/v1/articles/{slug}", {
    params: { path: { slug: "no-such-article" } },
  });
  const sitemap = await client.GET("/v1/sitemap");
  const entry = sitemap.data?.articles[0];
  const report = {
    version: article.data.version,
    locale: article.data.locale,
    dir: article.data.dir,
    content_language: article.response.headers.get("content-language"),
    blocks: blocks.length,
    rendered: blocks.map(render).filter((t): t is string => t !== null && t !== "").length,
    types: [...new Set(blocks.map((b) => b.type))].sort(),
    fallback: blocks.filter((b) => b.fallback).length,
    paragraphs: blocks.flatMap((b) => (b.type === "paragraph" ? [b.text] : [])),
    revalidated: again.response.status,
    missing_status: missing.response.status,
    missing_type: missing.error?.type ?? null,
    sitemap_locales: entry === undefined ? [] : entry.alternates.map((a) => a.hreflang),
  };
  console.log(JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
