import type { BatchApiLimits } from '../embedding/batch-api-limits.js';
import { customId, requestLine } from '../embedding/batch-file.js';
import type { OpenAISpec } from '../embedding/openai-provider.js';
import type { TokenCounter } from '../embedding/token-counter.js';
import type { QuarantineEntry } from '../store/quarantine.js';
import type { StoredDocument } from '../store/stored-document.js';
import { NO_SOURCE_TEXT_REASON } from '../migration/status.js';

/** Why a request file stopped taking documents. */
export type FileFull = 'requests' | 'inputs' | 'bytes' | 'queue' | 'budget';

/**
 * One Batch API request file being filled, document by document in doc_id order: a line per
 * distinct text (documents with the same text share it), within the file's request, input and
 * byte limits, the room left in the organisation's queue and the budget's token allowance.
 */
export class BatchRequestFile {
  private readonly lineOf = new Map<string, string>();
  private jsonl: string[] = [];
  private bytes = 0;
  tokens = 0;
  documents = 0;
  truncated = 0;
  inputsSaved = 0;
  readonly quarantined: QuarantineEntry[] = [];
  /** The last document taken: the file covers the source up to it. */
  last: string | null = null;

  constructor(
    private readonly spec: OpenAISpec,
    private readonly tokenizer: TokenCounter,
    private readonly limits: BatchApiLimits,
    /** Tokens the file may hold: the queue's room, or the budget's allowance if that is smaller. */
    private readonly tokenRoom: { readonly tokens: number; readonly by: 'queue' | 'budget' },
  ) {}

  get lines(): number {
    return this.jsonl.length;
  }

  get content(): string {
    return this.jsonl.join('');
  }

  /** Takes a document the target lacks, or says why the file is full (the document then starts the next file). */
  take(doc: StoredDocument): FileFull | null {
    if (doc.content === undefined || doc.content.trim() === '') {
      this.quarantined.push({
        docId: doc.id,
        sourceHash: doc.sourceHash,
        reason: doc.content === undefined ? NO_SOURCE_TEXT_REASON : 'text is empty; there is nothing to embed',
      });
      return this.took(doc);
    }
    if (this.lineOf.has(doc.content)) {
      this.inputsSaved++;
      this.documents++;
      return this.took(doc);
    }
    const full = this.spec.documentPrefix + doc.content;
    const counted = this.tokenizer.count(full);
    const tokens = Math.min(counted, this.spec.maxTokens);
    const input = counted > this.spec.maxTokens ? this.tokenizer.truncate(full, this.spec.maxTokens) : full;
    const line = requestLine(this.spec, customId(doc.id, doc.sourceHash), input);
    const size = Buffer.byteLength(line);
    if (this.lines + 1 > this.limits.requestsPerFile) return 'requests';
    if (this.lines + 1 > this.limits.inputsPerBatch) return 'inputs';
    if (this.bytes + size > this.limits.fileBytes) return 'bytes';
    if (this.tokens + tokens > this.tokenRoom.tokens) return this.tokenRoom.by;
    this.lineOf.set(doc.content, doc.id);
    this.jsonl.push(line);
    this.bytes += size;
    this.tokens += tokens;
    if (counted > this.spec.maxTokens) this.truncated++;
    this.documents++;
    return this.took(doc);
  }

  private took(doc: StoredDocument): null {
    this.last = doc.id;
    return null;
  }
}
