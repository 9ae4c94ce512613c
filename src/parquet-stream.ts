import { ByteWriter, ParquetWriter } from 'hyparquet-writer';

/** One flat column: the subset of Parquet's SchemaElement the exports use. */
export interface ParquetColumn {
  name: string;
  type: 'INT64' | 'DOUBLE' | 'BYTE_ARRAY';
  converted_type?: 'UTF8' | 'TIMESTAMP_MILLIS';
  repetition_type: 'REQUIRED' | 'OPTIONAL';
}

/**
 * A Parquet file produced a row group at a time (hyparquet-writer), whose bytes are taken out
 * after each group, so a file of any size never sits in memory whole: only the row group being
 * encoded and the footer's metadata (a few hundred bytes per group) do. `take()` returns the bytes
 * written since the last `take()`: the header after construction, a row group after `rowGroup`,
 * the footer after `finish`.
 */
export class ParquetStream {
  readonly #bytes = new ByteWriter(1 << 16);
  readonly #writer: ParquetWriter;
  readonly #columns: readonly ParquetColumn[];

  constructor(columns: readonly ParquetColumn[]) {
    this.#columns = columns;
    this.#writer = new ParquetWriter({
      writer: this.#bytes,
      schema: [{ name: 'root', num_children: columns.length }, ...columns],
      codec: 'SNAPPY',
      createdBy: 'luminate',
    });
  }

  /** One row group: `data[i]` holds column i's values (null for an absent optional value). */
  rowGroup(data: readonly (readonly unknown[])[]): void {
    const rows = data[0]?.length ?? 0;
    if (rows === 0) return;
    void this.#writer.write({ columnData: this.#columns.map((c, i) => ({ name: c.name, data: data[i] as unknown[] })), rowGroupSize: rows });
  }

  finish(): void {
    void this.#writer.finish();
  }

  /** The bytes written since the last call (a copy; the writer's buffer is reused). */
  take(): Buffer {
    const out = Buffer.from(this.#bytes.getBytes());
    this.#bytes.index = 0;
    return out;
  }
}
