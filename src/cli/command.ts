import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { ReembedUsageError } from '../errors.js';
import type { ActionOutcome } from '../migration/messages.js';
import type { CliContext } from './context.js';
import { printJson } from './print-json.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type ParsedArgs<T extends Options> = ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>>;

/** One `reembed <name>` command: its usage and options live beside what it does. */
export interface Command {
  /** The full usage, printed by `reembed <name> --help` and under every usage error. */
  readonly usage: string;
  run(ctx: CliContext, argv: string[]): Promise<void>;
}

/** A command declared by its options and positional arguments; `run` receives them parsed. */
export function defineCommand<T extends Options>(definition: {
  readonly usage: string;
  readonly options: T;
  readonly positionals: readonly string[];
  /** Older option names that keep working, e.g. `{ '--model': '--spec' }`. */
  readonly renamed?: Readonly<Record<string, string>>;
  run(ctx: CliContext, args: ParsedArgs<T>): Promise<void>;
}): Command {
  const { usage, options, positionals, renamed } = definition;
  return { usage, run: async (ctx, argv) => definition.run(ctx, parseCommandArgs(usage, argv, options, positionals, renamed)) };
}

/**
 * Parses a command's arguments strictly. `renamed` maps older option names to the current
 * ones (`--model` → `--spec`), so scripts written against them keep working.
 */
function parseCommandArgs<T extends Options>(
  usage: string,
  argv: string[],
  options: T,
  positionals: readonly string[],
  renamed: Readonly<Record<string, string>> = {},
): ParsedArgs<T> {
  const args = argv.map((arg) => {
    const [flag, ...value] = arg.split('=');
    const current = renamed[flag!];
    return current ? [current, ...value].join('=') : arg;
  });
  let parsed: ParsedArgs<T>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ReembedUsageError(`${(error as Error).message}\n\n${usage}`);
  }
  // Trailing names in brackets ("[spec]") are optional.
  const required = positionals.filter((p) => !p.startsWith('[')).length;
  if (parsed.positionals.length < required || parsed.positionals.length > positionals.length) {
    throw new ReembedUsageError(
      `expected ${positionals.map((p) => (p.startsWith('[') ? p : `<${p}>`)).join(' ') || 'no arguments'}, got ${parsed.positionals.join(' ') || 'none'}\n\n${usage}`,
    );
  }
  return parsed;
}

/** Validates parsed option values; the message names each bad option and why. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, command: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ReembedUsageError(`reembed ${command}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export const nameSchema = z.string().trim().min(1);
export const dollarsSchema = z.coerce.number({ error: 'expected an amount in US dollars, e.g. 25 or 2.50' }).positive('must be more than 0 dollars');

/** Who sends a signal: --by, else the login name. */
export const operator = (by: string | undefined) => by ?? process.env.USER ?? 'unknown';

/** The usage lines every operator command shares: how it answers. */
export const ACTION_ANSWER_USAGE = `  Waits for the migration to answer: exit 0 when it accepts, 3 with the reason when it refuses
  (nothing changes), 1 when it cannot be reached. --json prints the outcome.`;

/** What every operator command prints once the migration accepted its action (with --json, the outcome as is). */
export function printOutcome(outcome: ActionOutcome, collection: string, json: boolean | undefined): void {
  if (json) return printJson(outcome);
  const approvals = outcome.approvals ? ` (${outcome.approvals.given} of ${outcome.approvals.required} approvals)` : '';
  console.log(`${outcome.action} accepted by ${collection} in ${outcome.phase}${approvals}: ${outcome.next}.`);
}
