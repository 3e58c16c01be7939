import type { Pool, PoolClient } from 'pg';
import { serialize } from 'pg-protocol';

/** One named statement of a pipeline: parsed once per connection, then only bound and executed. */
export interface PipelineStatement {
  name: string;
  text: string;
  values: unknown[];
}

/** The rows of each statement, in order; values in PostgreSQL's text form (null stays null). */
export type PipelineRows = Array<Array<Record<string, string | null>>>;

/** What the submittable uses of node-postgres' Connection. */
interface WireConnection {
  stream: { write(chunk: Buffer): boolean };
  parsedStatements: Record<string, string>;
}

interface Field {
  name: string;
}

// pg's own mapping of JS values to parameters (dates, arrays, buffers, JSON), as Query uses it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (v: unknown) => unknown };

/**
 * Sends every statement of a pipeline in one write and reads the answers in one round trip:
 * Bind/Describe/Execute for each statement, then a single Sync. PostgreSQL runs the Executes before
 * a Sync as one implicit transaction (protocol docs, "Pipelining"): all commit at the Sync, or an
 * error rolls all of them back and the server skips the rest. Statements still run one after the
 * other, each with its own snapshot under READ COMMITTED, so a lock taken by one is held before the
 * next one's snapshot is taken.
 *
 * A custom submittable (node-postgres' extension point, as pg-cursor uses): the client queues it
 * like a query. Statements are parsed on first use per connection (their names recorded in pg's
 * own parsedStatements); after an error the names are closed and parsed again, because which Parse
 * succeeded is then unknown.
 */
class Pipeline {
  private readonly rows: PipelineRows;
  private fields: Field[] | null = null;
  private current = 0;
  private parsed: PipelineStatement[] = [];
  callback?: (err: unknown, rows?: PipelineRows) => void;

  constructor(private readonly statements: PipelineStatement[]) {
    this.rows = statements.map(() => []);
  }

  /** Serialises every message first: a value that cannot be sent fails the pipeline before any byte leaves. */
  submit(connection: WireConnection): Error | null {
    const messages: Buffer[] = [];
    const parsing: PipelineStatement[] = [];
    try {
      for (const s of this.statements) {
        const known = connection.parsedStatements[s.name];
        if (known !== undefined && known !== s.text)
          return new Error(`Statement ${s.name} was parsed with another text`);
        if (known === undefined) {
          // Close is harmless when the name is absent, and needed when an earlier pipeline failed after its Parse.
          messages.push(serialize.close({ type: 'S', name: s.name }), serialize.parse({ name: s.name, text: s.text }));
          parsing.push(s);
        }
      }
      for (const s of this.statements) {
        messages.push(
          serialize.bind({ statement: s.name, values: s.values, valueMapper: prepareValue }),
          serialize.describe({ type: 'P', name: '' }),
          serialize.execute({ portal: '' }),
        );
      }
      messages.push(serialize.sync());
    } catch (err) {
      return toError(err);
    }
    for (const s of parsing) connection.parsedStatements[s.name] = s.text;
    this.parsed = parsing;
    connection.stream.write(messages.length === 1 ? messages[0] : Buffer.concat(messages));
    return null;
  }

  handleRowDescription(msg: { fields: Field[] }): void {
    this.fields = msg.fields;
  }

  handleDataRow(msg: { fields: Array<string | null> }): void {
    const fields = this.fields ?? [];
    const row: Record<string, string | null> = {};
    for (let i = 0; i < fields.length; i++) row[fields[i].name] = msg.fields[i];
    this.rows[this.current].push(row);
  }

  handleCommandComplete(): void {
    this.current++;
    this.fields = null;
  }

  handleEmptyQuery(): void {
    this.current++;
  }

  handlePortalSuspended(): void {
    // Not reached: Execute asks for all rows.
  }

  /** The server skips to the Sync already sent and rolls back; its ReadyForQuery then frees the connection. */
  handleError(err: unknown, connection?: WireConnection): void {
    // Which of this pipeline's Parses succeeded is unknown: parse them again next time.
    if (connection) for (const s of this.parsed) delete connection.parsedStatements[s.name];
    const cb = this.callback;
    this.callback = undefined;
    cb?.(err);
  }

  handleReadyForQuery(): void {
    const cb = this.callback;
    this.callback = undefined;
    cb?.(null, this.rows);
  }

  handleCopyInResponse(): void {}
  handleCopyData(): void {}
}

/** Runs the statements as one transaction in one round trip on a pooled connection. */
export async function runPipelined(pool: Pool, statements: PipelineStatement[]): Promise<PipelineRows> {
  const client: PoolClient = await pool.connect();
  let broken: Error | undefined;
  try {
    return await new Promise<PipelineRows>((resolve, reject) => {
      const pipeline = new Pipeline(statements);
      pipeline.callback = (err, rows) => (err ? reject(toError(err)) : resolve(rows as PipelineRows));
      (client as unknown as { query(q: Pipeline): void }).query(pipeline);
    });
  } catch (err) {
    // A connection-level failure (not a statement error answered by the server) retires the client.
    if (!(err as { severity?: string }).severity) broken = toError(err);
    throw err;
  } finally {
    client.release(broken);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
