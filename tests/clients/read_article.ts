// A partner's program on the client openapi-generator's `typescript-fetch` generates from
// openapi.yaml (tests/test_generated_client.py compiles it with `tsc --strict` and runs it
// against a real server). It reads one article twice: through the generated API class, and
// as the raw JSON the server sent, parsed by the generated `ArticleOutFromJSON`; every field
// of every block the server sent must survive the generated parsing (finding H1: it kept
// only the fields common to all block types, so no block had its text).
import { ArticleOutFromJSON, BlockOutToJSON, Configuration, DeliveryApi } from "./client";
import type { ArticleOut, BlockOut } from "./client";

declare const process: { argv: string[]; exitCode?: number };

type Json = Record<string, unknown>;
const [base, slug, locale] = process.argv.slice(2) as [string, string, string];

// The fields the server sent that the parsed block no longer holds: the block is written
// back in wire form by the generated `BlockOutToJSON` and compared field by field as JSON.
function lost(raw: Json, parsed: BlockOut): string[] {
  const kept = BlockOutToJSON(parsed) as unknown as Json;
  return Object.keys(raw).filter((k) => JSON.stringify(kept[k]) !== JSON.stringify(raw[k]));
}

function blocksOf(article: ArticleOut): BlockOut[] {
  return article.sections.flatMap((s) => s.blocks);
}

async function main(): Promise<void> {
  const api = new DeliveryApi(new Configuration({ basePath: base }));
  const viaApi = await api.getArticle({ slug, locale });
  const response = await fetch(`${base}/v1/articles/${slug}?locale=${locale}`);
  const raw = (await response.json()) as { sections: { blocks: Json[] }[] };
  const parsed = ArticleOutFromJSON(raw);
  const rawBlocks = raw.sections.flatMap((s) => s.blocks);
  const report = {
    version: viaApi.version,
    published_at_is_date: viaApi.publishedAt instanceof Date,
    blocks: rawBlocks.length,
    via_api: blocksOf(viaApi).length,
    types: [...new Set(rawBlocks.map((b) => String(b["type"])))].sort(),
    // Every paragraph's text as the generated client holds it, in order.
    paragraphs: blocksOf(parsed)
      .filter((b) => b.type === "paragraph")
      .map((b) => b.text),
    raw_paragraphs: rawBlocks.filter((b) => b["type"] === "paragraph").map((b) => b["text"]),
    lost: rawBlocks.flatMap((b, i) => {
      const block = blocksOf(parsed)[i];
      const fields = block === undefined ? ["(block)"] : lost(b, block);
      return fields.map((f) => `${String(b["id"])}.${f}`);
    }),
    lost_via_api: rawBlocks.flatMap((b, i) => {
      const block = blocksOf(viaApi)[i];
      return block === undefined ? [String(b["id"])] : lost(b, block).map((f) => `${String(b["id"])}.${f}`);
    }),
  };
  console.log(JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
