import { fingerprint } from '../../embedding/model-spec';
import { printJson, type CliContext } from '../context';

export function modelsCommand(ctx: CliContext, json: boolean): void {
  const specs = ctx.catalog.all().map((s) => ({ ...s, fingerprint: fingerprint(s) }));
  if (json) return printJson(specs);
  console.log(`Model specs in ${ctx.catalog.source}:`);
  for (const s of specs) {
    console.log(`  ${s.id.padEnd(20)} ${s.fingerprint}  ${s.provider}/${s.model} ${s.dimensions}-d ${s.pooling} ${s.similarity} ${s.indexOptions.type}`);
    if (s.description) console.log(`  ${''.padEnd(20)} ${s.description}`);
  }
}
