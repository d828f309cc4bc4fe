import { z } from 'zod';

/** REEMBED_PRICES: each spec's price per million tokens, synchronous and (optionally) through the Batch API. */

const PRICE = String.raw`\d+(\.\d+)?`;
const PRICE_PAIR = String.raw`\s*[a-z0-9-]+=${PRICE}(\/${PRICE})?\s*`;

/** `<spec>=<sync price>[/<Batch API price>]`, comma-separated. */
export const prices = z
  .string()
  .regex(new RegExp(`^${PRICE_PAIR}(,${PRICE_PAIR})*$`), 'expected <spec>=<dollars per million tokens>[/<batch price>][,...]')
  .transform((v) => {
    const pairs = v.split(',').map((pair) => pair.trim().split('='));
    const sync: Record<string, number> = {};
    const batch: Record<string, number> = {};
    for (const [spec, price] of pairs) {
      const [syncPrice, batchPrice] = price!.split('/');
      sync[spec!] = Number(syncPrice);
      if (batchPrice !== undefined) batch[spec!] = Number(batchPrice);
    }
    return { sync, batch };
  });
